import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PathFilter } from '../../../src/pipeline/path-filter.js';
import { describe as describePath, type ScanEntry, scanSource } from '../../../src/pipeline/scan.js';

describe('scanSource', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ragctl-scan-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function put(rel: string, content = 'x'): Promise<void> {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), content);
  }

  async function scan(maxFileBytes = 1024, signal?: AbortSignal): Promise<ScanEntry[]> {
    const filter = new PathFilter(
      { path: root, engine: 'md', include: ['**/*.md'], exclude: [] },
      join(root, '..', 'no-data'),
    );
    const out: ScanEntry[] = [];
    for await (const entry of scanSource(filter, { maxFileBytes, signal })) out.push(entry);
    return out;
  }

  const rel = (e: ScanEntry) => e.path.slice(root.length + 1);

  it('yields each accepted file once with its stat, depth-first in name order, without reading', async () => {
    for (const f of ['b.md', 'a.md', 'z/inner.md', 'c/deep/x.md', 'c/y.md', 'skip.txt'])
      await put(f, 'hello');
    const entries = await scan();
    expect(entries.map(rel)).toEqual(['a.md', 'b.md', 'c/y.md', 'c/deep/x.md', 'z/inner.md']);
    for (const e of entries) {
      expect(e.kind).toBe('file');
      if (e.kind === 'file') {
        expect(e.size).toBe(5);
        expect(e.mtimeMs).toBeGreaterThan(0);
      }
    }
  });

  it('keeps name order and every file in folders wider than the stats it keeps in flight', async () => {
    // 150 files in one folder and 70 in each of two siblings: several rounds of parallel stats,
    // and a folder listing read ahead while the previous folder's files are stat'ed.
    const names = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}.md`);
    const wide = names('w', 150);
    const left = names('left/l', 70);
    const right = names('right/r', 70);
    for (const f of [...wide, ...left, ...right].reverse()) await put(f, f);
    const entries = await scan();
    expect(entries.map(rel)).toEqual(
      [...left, ...right, ...wide].sort((a, b) => {
        // Depth-first: a folder's own files come before its subfolders' files.
        const da = a.includes('/') ? 1 : 0;
        const db = b.includes('/') ? 1 : 0;
        return da - db || (a < b ? -1 : 1);
      }),
    );
    for (const e of entries) expect(e).toMatchObject({ kind: 'file', size: rel(e).length });
  });

  it('does not follow folder links, so a loop ends; file links are followed', async () => {
    await put('real/a.md');
    await symlink(root, join(root, 'real', 'loop'));
    await symlink(join(root, 'real'), join(root, 'alias.md'));
    await symlink(join(root, 'real', 'a.md'), join(root, 'link.md'));
    expect((await scan()).map(rel)).toEqual(['link.md', 'real/a.md']);
  });

  it('reports files over the size limit with their stat, so an unchanged one is not looked at again', async () => {
    await put('big.md', 'x'.repeat(2000));
    const [entry] = await scan(1000);
    expect(entry).toMatchObject({
      kind: 'skipped',
      reason: 'larger than indexing.maxFileBytes (2000 > 1000 bytes)',
      size: 2000,
    });
    expect(entry?.kind === 'skipped' && entry.mtimeMs).toBeGreaterThan(0);
  });

  it('stops at the next folder once aborted', async () => {
    await put('a/1.md');
    await put('b/1.md');
    const controller = new AbortController();
    controller.abort();
    expect(await scan(1024, controller.signal)).toEqual([]);
  });

  it('describe() is one stat of one path: gone → undefined, a folder → undefined', async () => {
    await put('here.md');
    expect(await describePath(join(root, 'here.md'), undefined, 1024)).toMatchObject({
      kind: 'file',
      size: 1,
    });
    expect(await describePath(join(root, 'gone.md'), undefined, 1024)).toBeUndefined();
    expect(await describePath(root, undefined, 1024)).toBeUndefined();
    await symlink(join(root, 'gone.md'), join(root, 'dangling.md'));
    expect(await describePath(join(root, 'dangling.md'), undefined, 1024)).toEqual({
      kind: 'skipped',
      path: join(root, 'dangling.md'),
      reason: 'broken symbolic link',
    });
  });
});
