import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceConfig } from '../../../src/config/types.js';
import { isInside, PathFilter } from '../../../src/pipeline/path-filter.js';

const DEFAULT_INCLUDE = ['**/*.md', '**/*.markdown', '**/*.mdx'];
const DEFAULT_EXCLUDE = ['**/node_modules/**', '**/.git/**'];

describe('PathFilter', () => {
  let root: string;
  let dataDir: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ragctl-filter-'));
    dataDir = join(root, 'elsewhere', 'data');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function source(over: Partial<SourceConfig> = {}): SourceConfig {
    return { path: root, engine: 'md', include: DEFAULT_INCLUDE, exclude: DEFAULT_EXCLUDE, ...over };
  }

  async function put(rel: string, text = ''): Promise<string> {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    return path;
  }

  const p = (rel: string) => join(root, rel);

  it('takes files matching an include glob at any depth, and nothing else', () => {
    const f = new PathFilter(source(), dataDir);
    expect(f.acceptsFile(p('a.md'))).toBe(true);
    expect(f.acceptsFile(p('deep/down/b.markdown'))).toBe(true);
    expect(f.acceptsFile(p('c.mdx'))).toBe(true);
    expect(f.acceptsFile(p('notes.txt'))).toBe(false);
    expect(f.acceptsFile(p('a.md.bak'))).toBe(false);
    // The root itself and paths outside it are never files of the source.
    expect(f.acceptsFile(root)).toBe(false);
    expect(f.acceptsFile(join(dirname(root), 'outside.md'))).toBe(false);
    expect(f.acceptsDir(root)).toBe(true);
  });

  it('applies exclude globs to files and folders', () => {
    const f = new PathFilter(
      source({ exclude: [...DEFAULT_EXCLUDE, 'private/**', '**/*.draft.md'] }),
      dataDir,
    );
    expect(f.acceptsDir(p('node_modules'))).toBe(false);
    expect(f.acceptsDir(p('pkg/node_modules'))).toBe(false);
    expect(f.acceptsFile(p('pkg/node_modules/readme.md'))).toBe(false);
    expect(f.acceptsFile(p('private/diary.md'))).toBe(false);
    expect(f.acceptsPath(p('private/deeper/diary.md'))).toBe(false);
    expect(f.acceptsFile(p('ideas.draft.md'))).toBe(false);
    expect(f.acceptsFile(p('ideas.md'))).toBe(true);
  });

  it('skips hidden files and folders unless an include glob names them', () => {
    const plain = new PathFilter(source(), dataDir);
    expect(plain.acceptsDir(p('.obsidian'))).toBe(false);
    expect(plain.acceptsDir(p('.git'))).toBe(false);
    expect(plain.acceptsFile(p('.hidden.md'))).toBe(false);
    expect(plain.acceptsPath(p('.obsidian/x.md'))).toBe(false);
    const named = new PathFilter(source({ include: [...DEFAULT_INCLUDE, '.journal/**/*.md'] }), dataDir);
    expect(named.acceptsDir(p('.journal'))).toBe(true);
    expect(named.acceptsPath(p('.journal/2024/today.md'))).toBe(true);
    expect(named.acceptsDir(p('.obsidian'))).toBe(false);
    expect(named.acceptsDir(p('.journal/.cache'))).toBe(false); // a hidden folder inside it is not named
    const anyDepth = new PathFilter(source({ include: ['**/.journal/**'] }), dataDir);
    expect(anyDepth.acceptsPath(p('team/.journal/2024/x.md'))).toBe(true);
    expect(anyDepth.acceptsPath(p('.journal/x.md'))).toBe(true);
    expect(anyDepth.acceptsDir(p('.other'))).toBe(false);
    const exact = new PathFilter(source({ include: ['docs/.hidden/*.md'] }), dataDir);
    expect(exact.acceptsPath(p('docs/.hidden/x.md'))).toBe(true);
    expect(exact.acceptsDir(p('docs/.hidden/deeper'))).toBe(false);
  });

  it('honours .gitignore and .ragignore in the root and in sub-folders, for paths below them only', async () => {
    await put('.gitignore', 'build/\nsecret.md\n');
    await put('team/.ragignore', '*.tmp.md\n/local.md\n');
    const f = new PathFilter(source(), dataDir);
    expect(f.acceptsDir(p('build'))).toBe(false);
    expect(f.acceptsPath(p('build/out.md'))).toBe(false);
    expect(f.acceptsFile(p('secret.md'))).toBe(false);
    expect(f.acceptsFile(p('team/secret.md'))).toBe(false); // an unanchored pattern matches at any depth
    expect(f.acceptsFile(p('team/x.tmp.md'))).toBe(false);
    expect(f.acceptsFile(p('team/local.md'))).toBe(false);
    expect(f.acceptsFile(p('team/sub/local.md'))).toBe(true); // anchored to team/
    expect(f.acceptsFile(p('x.tmp.md'))).toBe(true); // team's rules do not reach its parent
    expect(f.isIgnoreFile(p('team/.ragignore'))).toBe(true);
    expect(f.isIgnoreFile(p('team/notes.md'))).toBe(false);
  });

  it('sees an ignore file change once told about it', async () => {
    const f = new PathFilter(source(), dataDir);
    expect(f.acceptsFile(p('later.md'))).toBe(true);
    const ignoreFile = await put('.ragignore', 'later.md\n');
    f.forgetIgnoreFile(ignoreFile);
    expect(f.acceptsFile(p('later.md'))).toBe(false);
  });

  it('never accepts the data dir or anything in it, even when it lies inside the source', () => {
    const inside = join(root, 'index-data');
    const f = new PathFilter(source({ include: ['**/*'] }), inside);
    expect(f.acceptsDir(inside)).toBe(false);
    expect(f.acceptsFile(join(inside, 'notes.md'))).toBe(false);
    expect(f.acceptsPath(join(inside, 'deep', 'x.md'))).toBe(false);
    expect(f.acceptsFile(p('index-data-not.md'))).toBe(true);
  });

  it('isInside is strict and segment-aware', () => {
    expect(isInside('/a/b/c', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b')).toBe(false);
    expect(isInside('/a/bc', '/a/b')).toBe(false);
    expect(isInside('/a', '/a/b')).toBe(false);
    expect(isInside('/a/..b/c', '/a')).toBe(true);
  });
});
