import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceConfig } from '../../../src/config/types.js';
import { FolderWalk, folderFilters, isInside, PathFilter } from '../../../src/pipeline/path-filter.js';

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

  it('skips the owner file Office writes beside an open document (~$name.docx), whatever the globs', () => {
    const f = new PathFilter(source({ include: ['**/*.docx', '**/*'] }), dataDir);
    expect(f.acceptsFile(p('reports/q1.docx'))).toBe(true);
    expect(f.acceptsFile(p('reports/~$q1.docx'))).toBe(false);
    expect(f.acceptsPath(p('~$notes.docx'))).toBe(false);
    expect(f.acceptsFile(p('reports/a~$b.docx'))).toBe(true); // only a name that starts with it
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

  it("honours a repository's own .git/info/exclude, for paths of that repository only", async () => {
    await put('app/.git/info/exclude', 'localonly/\n*.scratch.md\n');
    await put('app/localonly/exp.md');
    const f = new PathFilter(source(), dataDir);
    expect(f.acceptsDir(p('app/localonly'))).toBe(false);
    expect(f.acceptsPath(p('app/localonly/exp.md'))).toBe(false);
    expect(f.acceptsFile(p('app/docs/idea.scratch.md'))).toBe(false);
    expect(f.acceptsFile(p('app/docs/guide.md'))).toBe(true);
    expect(f.acceptsFile(p('other/idea.scratch.md'))).toBe(true);
  });

  it('never walks a virtual environment, a conda environment or vendored modules, whatever their names', async () => {
    await put('proj/env3/pyvenv.cfg', 'home = /usr/bin\n');
    await put('proj/env3/lib/python3.11/site-packages/certifi/README.md');
    await put('proj/conda/conda-meta/history');
    await put('go/vendor/modules.txt', '# github.com/spf13/pflag v1.0.5\n');
    await put('php/vendor/autoload.php', '<?php\n');
    // Folders of these names that are not installed code are walked.
    await put('proj/venv/__init__.py');
    await put('notes/vendor/acme.md');
    const f = new PathFilter(source(), dataDir);
    expect(f.acceptsDir(p('proj/env3'))).toBe(false);
    expect(f.acceptsPath(p('proj/env3/lib/python3.11/site-packages/certifi/README.md'))).toBe(false);
    expect(f.acceptsDir(p('proj/conda'))).toBe(false);
    expect(f.acceptsDir(p('go/vendor'))).toBe(false);
    expect(f.acceptsDir(p('php/vendor'))).toBe(false);
    expect(f.acceptsDir(p('proj/venv'))).toBe(true);
    expect(f.acceptsPath(p('notes/vendor/acme.md'))).toBe(true);
    // A source pointed at one reads it.
    const inside = new PathFilter(source({ path: p('proj/env3') }), dataDir);
    expect(inside.acceptsPath(p('proj/env3/lib/python3.11/site-packages/certifi/README.md'))).toBe(true);
  });

  it("never walks a Sphinx-built site's copies of its pages' sources or its theme's scripts", async () => {
    await put('html/searchindex.js', 'Search.setIndex({})');
    await put('html/library/os.html', '<main><h1>os</h1></main>');
    await put('html/_sources/library/os.rst.txt', 'os\n==\n');
    await put('html/_static/jquery.js', 'var jQuery = 1;\n');
    // The same names in a project's docs sources (no built site beside them) are its own files.
    await put('docs/_static/custom.js', 'var x = 1;\n');
    await put('notes/_sources/idea.rst.txt', 'Idea\n====\n');
    const f = new PathFilter(source({ include: ['**/*'] }), dataDir);
    expect(f.acceptsPath(p('html/library/os.html'))).toBe(true);
    expect(f.acceptsDir(p('html/_sources'))).toBe(false);
    expect(f.acceptsPath(p('html/_sources/library/os.rst.txt'))).toBe(false);
    expect(f.acceptsPath(p('html/_static/jquery.js'))).toBe(false);
    expect(f.acceptsPath(p('docs/_static/custom.js'))).toBe(true);
    expect(f.acceptsPath(p('notes/_sources/idea.rst.txt'))).toBe(true);
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

  it("a file an earlier source of the folder takes is not a later one's; what the earlier one leaves out is", async () => {
    const code = new PathFilter(
      source({ engine: 'code', include: ['**/*.py', '**/*.md'], exclude: ['vendor/**', '.hidden/**'] }),
      dataDir,
    );
    const md = new PathFilter(source({ include: ['**/*.md', '**/*.txt'], exclude: [] }), dataDir, [code]);
    expect(code.acceptsFile(p('README.md'))).toBe(true);
    expect(md.acceptsFile(p('README.md'))).toBe(false);
    expect(md.acceptsFile(p('notes.txt'))).toBe(true);
    // Kept out of the earlier source by its exclude, by a hidden folder, by an ignore file: the later one's.
    expect(md.acceptsFile(p('vendor/lib/README.md'))).toBe(true);
    expect(md.acceptsPath(p('.hidden/x.md'))).toBe(false); // hidden for md too: no glob names it
    const ignoreFile = await put('docs/.ragignore', 'draft.md\n');
    expect(md.acceptsFile(p('docs/draft.md'))).toBe(false); // the ignore file is the folder's, for both
    await writeFile(ignoreFile, '');
    // Forgetting through the later filter forgets in the earlier ones too.
    md.forgetIgnoreFile(ignoreFile);
    expect(code.acceptsFile(p('docs/draft.md'))).toBe(true);
    expect(md.acceptsFile(p('docs/draft.md'))).toBe(false);
  });

  it('folderFilters: one filter per folder, accepting what any of its sources reads', () => {
    const other = join(root, 'other');
    const code = new PathFilter(
      source({ engine: 'code', include: ['**/*.py'], exclude: [...DEFAULT_EXCLUDE, 'tests/**'] }),
      dataDir,
    );
    const md = new PathFilter(source(), dataDir, [code]);
    const alone = new PathFilter(source({ path: other }), dataDir);
    const filters = folderFilters([code, md, alone]);
    expect(filters.map((f) => f.root)).toEqual([root, other]);
    expect(filters[1]).toBe(alone);
    const both = filters[0]!;
    expect(both.acceptsFile(p('a.py'))).toBe(true);
    expect(both.acceptsFile(p('a.md'))).toBe(true);
    expect(both.acceptsFile(p('a.txt'))).toBe(false);
    // A folder one source excludes is still watched for the other's files.
    expect(both.acceptsDir(p('tests'))).toBe(true);
    expect(both.acceptsDir(p('node_modules'))).toBe(false);
    expect(both.isIgnoreFile(p('.gitignore'))).toBe(true);
  });

  it('FolderWalk: one walk of a folder, each file handed to the source that reads it', async () => {
    // `**/build` names the folder only: code's files below it are kept out by the folder, not by their own path.
    const code = new PathFilter(
      source({ engine: 'code', include: ['**/*.py', '**/*.md'], exclude: [...DEFAULT_EXCLUDE, '**/build'] }),
      dataDir,
    );
    const md = new PathFilter(source(), dataDir, [code]);
    await put('.gitignore', 'secret/\n');
    const walk = new FolderWalk([code, md]);
    expect(walk.acceptsDir(p('build'))).toBe(true); // md's
    expect(walk.acceptsDir(p('secret'))).toBe(false);
    expect(walk.acceptsDir(p('node_modules'))).toBe(false);
    expect(walk.acceptsFolderPath(p('build/deep'))).toBe(true);
    expect(walk.ownerOf(p('a.py'))).toBe(0);
    expect(walk.ownerOf(p('README.md'))).toBe(0); // code's include names .md and code comes first
    expect(walk.ownerOf(p('build/README.md'))).toBe(1);
    expect(walk.ownerOf(p('build/gen.py'))).toBe(-1);
    expect(walk.acceptsFile(p('build/gen.py'))).toBe(false);
    expect(walk.ownerOf(p('notes.txt'))).toBe(-1);
    // The same answers as each filter's own, with every folder above checked.
    for (const rel of ['a.py', 'README.md', 'build/README.md', 'build/gen.py', 'secret/x.md']) {
      const owner = [code, md].findIndex((f) => f.acceptsPath(p(rel)));
      expect(walk.ownerOf(p(rel)), rel).toBe(owner);
    }
  });

  it('isInside is strict and segment-aware', () => {
    expect(isInside('/a/b/c', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b')).toBe(false);
    expect(isInside('/a/bc', '/a/b')).toBe(false);
    expect(isInside('/a', '/a/b')).toBe(false);
    expect(isInside('/a/..b/c', '/a')).toBe(true);
  });
});
