import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkCode } from '../../../../src/engines/code/chunker.js';
import { Grammars } from '../../../../src/engines/code/grammars.js';
import { expectAllTextCovered, expectValidChunks, limits } from './helpers.js';

const grammars = new Grammars();
afterAll(() => grammars.close());

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** Files under `dir` whose names end in one of `extensions`, sorted, at most `max`. */
function filesUnder(dir: string, extensions: readonly string[], max = Number.POSITIVE_INFINITY): string[] {
  const out: string[] = [];
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      if (out.length >= max) return;
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        if (name !== '__pycache__' && name !== 'node_modules') walk(path);
      } else if (extensions.some((ext) => name.endsWith(ext))) {
        out.push(path);
      }
    }
  };
  walk(dir);
  return out;
}

/** The newest Python whose standard library is installed here (Debian's `/usr/lib/python3.N`). */
const PYTHON_LIB = join(
  '/usr/lib',
  readdirSync('/usr/lib')
    .filter((name) => /^python3\.\d+$/.test(name))
    .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))
    .at(-1) ?? 'python3-not-installed',
);

/** Real code nobody wrote for this test: this repository, an installed package, Python's own library. */
const TREES: Array<[string, string[]]> = [
  ['this repository’s src/', filesUnder(join(REPO, 'src'), ['.ts'])],
  ['pino (JavaScript)', filesUnder(join(REPO, 'node_modules/pino/lib'), ['.js'])],
  ['commander (JavaScript)', filesUnder(join(REPO, 'node_modules/commander/lib'), ['.js'])],
  [
    "Python's json and email packages",
    [...filesUnder(join(PYTHON_LIB, 'json'), ['.py']), ...filesUnder(join(PYTHON_LIB, 'email'), ['.py'])],
  ],
];

describe('real source trees', () => {
  it.each(TREES)('chunks %s along its syntax, within the limit, losing no line', async (_name, files) => {
    expect(files.length).toBeGreaterThan(3);
    let definitions = 0;
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      const chunks = await chunkCode({ path, text, symbolPath: relative(REPO, path) }, limits(), grammars);
      expect(
        chunks.filter((c) => c.metadata.fallbackReason),
        `${path} parsed`,
      ).toEqual([]);
      definitions += chunks.filter(
        (c) => c.metadata.kind === 'function' || c.metadata.kind === 'method',
      ).length;
      expectValidChunks(text, chunks);
      expectAllTextCovered(text, chunks);
    }
    expect(definitions).toBeGreaterThan(files.length);
  });
});
