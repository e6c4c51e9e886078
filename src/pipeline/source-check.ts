import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join, sep } from 'node:path';
import picomatch from 'picomatch';
import type { Config, SourceConfig } from '../config/types.js';
import { isMinifiedName, isMinifiedText } from '../engines/code/skip.js';
import { BUILTIN_ENGINES, CHUNKER_INCLUDES, isProjectFile } from '../engines/default-includes.js';
import { byFolder, relativePath } from '../paths.js';
import { readRange } from './append.js';
import { PathFilter } from './path-filter.js';

/**
 * Folder entries a look at one source reads at most. A source whose engine reads other files
 * than it holds (a folder of code given with no `engine:`, read as Markdown) is told within
 * its first listings; the look never costs a second walk of a big tree.
 */
export const LOOK_ENTRIES = 2_000;

/** What is said of a source folder that is not there now (`ragctl index`, `ragctl status`). */
export const MISSING_SOURCE_NOTE =
  'folder missing (an unplugged disk, a renamed or deleted folder?): its files stay in the index until it is back';

/** A source whose engine's include globs match none of its files, or whose folder is empty. */
export interface UnmatchedSource {
  source: string;
  engine: string;
  include: readonly string[];
  /** Files the look found that the globs do not match (0: the folder holds no files). */
  filesSkipped: number;
  /** Whether the look saw the whole folder; if not, `filesSkipped` counts the part it saw. */
  complete: boolean;
  /** The configured engine whose include globs match most of those files; null when none does. */
  suggestedEngine: string | null;
  message: string;
  fix: string;
}

/**
 * Looks at a source's first LOOK_ENTRIES folder entries, in the walk's order, through its
 * filter: undefined as soon as one file is part of the source (or when its folder is gone,
 * which the walk reports itself); else what it holds instead and the fix.
 */
export async function lookAtSource(
  source: SourceConfig,
  filter: PathFilter,
  config: Pick<Config, 'engines' | 'configFile'>,
): Promise<UnmatchedSource | undefined> {
  const skipped: string[] = [];
  // Files the globs match that `exclude:` or an ignore file (a folder's, or above) keeps out.
  const included = picomatch([...source.include], { dot: false });
  let excluded = 0;
  const look: Look = { entries: 0, complete: true, rootListed: true };
  for await (const { path, name } of lookFiles(source.path, filter, look)) {
    if (filter.acceptsFile(path)) return undefined;
    // Hidden files (.DS_Store, .gitignore) are nobody's content: not counted as skipped.
    if (name.startsWith('.')) continue;
    const rel = relativePath(source.path, path).split(sep).join('/');
    if (included(rel)) excluded++;
    skipped.push(rel);
  }
  // The walk reports a missing source and folders it cannot read; a look has nothing to add,
  // and a source it cannot list is not "empty" (the walk says why, and the fix).
  if (!look.rootListed) return undefined;
  return describeUnmatched(source, skipped, excluded, look.entries, look.complete, config);
}

function describeUnmatched(
  source: SourceConfig,
  skipped: readonly string[],
  excluded: number,
  /** Folder entries seen: none means the folder is empty, not only its files hidden or excluded. */
  entries: number,
  complete: boolean,
  config: Pick<Config, 'engines' | 'configFile'>,
): UnmatchedSource {
  const globs = source.include.join(', ');
  const where = config.configFile ? ` in ${config.configFile}` : '';
  const base = { source: source.path, engine: source.engine, include: source.include, complete };
  if (!skipped.length) {
    return {
      ...base,
      filesSkipped: 0,
      suggestedEngine: null,
      message: entries
        ? `source ${source.path} (engine ${source.engine}) holds no files to index: all it holds is hidden, or in folders its \`exclude:\` or an ignore file keeps out`
        : `source ${source.path} (engine ${source.engine}) holds no files to index: the folder is empty`,
      fix: entries
        ? `check this source's \`exclude:\`${where} and the .gitignore/.ragignore files in ${source.path}`
        : `put files in ${source.path}, or point the source's \`path\`${where} at the folder that holds them`,
    };
  }
  const counted = `${complete ? '' : 'the first '}${skipped.length} file${skipped.length === 1 ? '' : 's'}`;
  if (excluded === skipped.length) {
    return {
      ...base,
      filesSkipped: skipped.length,
      suggestedEngine: null,
      message: `source ${source.path} (engine ${source.engine}) matched 0 files: its include globs (${globs}) match ${counted}, all kept out by its \`exclude:\` or a .gitignore/.ragignore`,
      fix: `check this source's \`exclude:\`${where} and the .gitignore/.ragignore files in ${source.path}`,
    };
  }
  const message = excluded
    ? `source ${source.path} (engine ${source.engine}) matched 0 files: its include globs (${globs}) match ${excluded} of its ${counted}, and those are kept out by its \`exclude:\` or an ignore file`
    : `source ${source.path} (engine ${source.engine}) matched 0 files: its include globs (${globs}) match none of its ${counted}, so all are skipped`;
  // A source's own `include:` wins over its engine's: changing the engine alone would not do.
  const ownInclude = globs !== (config.engines[source.engine]?.include ?? []).join(', ');
  const others = [...engineIncludes(config)].filter(([name]) => name !== source.engine);
  const best = mostMatched(others, skipped);
  if (best) {
    return {
      ...base,
      filesSkipped: skipped.length,
      suggestedEngine: best.engine,
      message,
      fix: `add \`engine: ${best.engine}\` to this source${where} (${best.count} of its files match that engine's globs)${ownInclude ? ' and remove its `include:`, which names none of them' : ''}`,
    };
  }
  const ext = commonestExtension(skipped);
  // The configured engine whose own `include:` leaves out most of these files although its
  // chunker reads them (a copied config listing some languages of the code engine).
  const byChunker = Object.entries(config.engines).flatMap(
    ([name, engine]): Array<[string, readonly string[]]> => {
      const read = CHUNKER_INCLUDES[engine.chunker];
      return read ? [[name, read]] : [];
    },
  );
  const narrowed = mostMatched(byChunker, skipped);
  if (narrowed) {
    const use =
      narrowed.engine === source.engine ? '' : `, and add \`engine: ${narrowed.engine}\` to this source`;
    return {
      ...base,
      filesSkipped: skipped.length,
      suggestedEngine: narrowed.engine,
      message,
      fix: `remove the \`include:\` under engines.${narrowed.engine}${where}, which leaves out ${narrowed.count} of these files though its chunker reads them (without it the engine reads every file its chunker does)${ext ? `, or add "**/*${ext}" to it` : ''}${use}`,
    };
  }
  return {
    ...base,
    filesSkipped: skipped.length,
    suggestedEngine: null,
    message,
    fix: `give this source${where} an \`include:\` that matches its files${ext ? ` (most end in ${ext})` : ''}, and an engine whose chunker reads them`,
  };
}

/** Of these engines and their globs, the one matching most of `paths`; undefined when none matches one. */
function mostMatched(
  engines: Iterable<readonly [string, readonly string[]]>,
  paths: readonly string[],
): { engine: string; count: number } | undefined {
  let best: { engine: string; count: number } | undefined;
  for (const [name, include] of engines) {
    const matches = picomatch([...include], { dot: false });
    const count = paths.filter((p) => matches(p)).length;
    if (count > 0 && (!best || count > best.count)) best = { engine: name, count };
  }
  return best;
}

/**
 * The engines to read a folder with, from a look at its first LOOK_ENTRIES entries (hidden
 * folders, node_modules, .git and ignore files' paths left out, as a source's walk leaves them):
 * what `ragctl add` gives a folder whose engine the user did not name. First the engine whose
 * include globs match most of its files (`md` when none matches more than it does); then, when
 * that is md or code, the other of the two if any file is its: a code project's README, docs and
 * notebooks (`MARKDOWN_NAME`: a project's `requirements.txt` or `CMakeLists.txt` alone is no reason to read it as
 * notes), a notes folder's scripts (not the JavaScript of a folder of HTML pages). Never sql beside another: its globs (`*.json`, `*.log`) name
 * files that are seldom database logs outside a log folder, and a `.json` or `.csv` counts for it
 * only when its name says it is one (`notADatabaseLog`).
 */
export async function guessEngines(
  path: string,
  config: Pick<Config, 'engines' | 'dataDir'>,
  exclude: readonly string[],
): Promise<{
  engines: string[];
  counts: Map<string, number>;
  /** Per engine, the first files its globs matched (relative, `/`-separated), at most EXAMPLES. */
  examples: Map<string, string[]>;
  files: number;
  /** Files named `*.sql`: a project's schema, migrations or queries, which the sql engine reads. */
  sqlFiles: number;
  complete: boolean;
}> {
  const filter = new PathFilter({ path, engine: 'md', include: ['**/*'], exclude }, config.dataDir);
  const matchers = [...engineIncludes(config)].map(([name, include]) => {
    const globs = picomatch([...include]);
    const chunker = config.engines[name]?.chunker ?? BUILTIN_ENGINES[name]?.chunker;
    const matches =
      chunker === 'sql' ? (rel: string) => globs(rel) && !notADatabaseLog(rel) : (rel: string) => globs(rel);
    return [name, matches, chunker === 'sql', chunker === 'code'] as const;
  });
  const counts = new Map<string, number>(matchers.map(([name]) => [name, 0]));
  // A project's .sql files go to a second entry (`ragctl add`): only logs make a folder sql's.
  const logs = new Map<string, number>(matchers.map(([name]) => [name, 0]));
  const examples = new Map<string, string[]>(matchers.map(([name]) => [name, []]));
  let files = 0;
  let markdown = 0;
  let sqlFiles = 0;
  let pages = 0;
  let pageScripts = 0;
  const look: Look = { entries: 0, complete: true, rootListed: true };
  for await (const { path: file } of lookFiles(path, filter, look)) {
    if (!filter.acceptsFile(file)) continue;
    files++;
    if (MARKDOWN_NAME.test(file)) markdown++;
    if (/\.sql$/i.test(file)) sqlFiles++;
    if (/\.html?$/i.test(file)) pages++;
    const rel = relativePath(path, file).split(sep).join('/');
    for (const [name, matches, isSql, isCode] of matchers) {
      if (!matches(rel)) continue;
      // The code engine refuses a minified file (a built site's bundles, `lunr.de.min.js`,
      // `main.3f2a1b.js`): it is no sign of code to read.
      if (isCode && (await minifiedScript(file))) continue;
      if (name === 'code' && SCRIPT.test(file)) pageScripts++;
      counts.set(name, counts.get(name)! + 1);
      // A project's package.json or Makefile is its code's, no sign of notes: it does not rank md.
      if ((!isSql || !/\.sql$/i.test(file)) && !isProjectFile(basename(file)))
        logs.set(name, logs.get(name)! + 1);
      const some = examples.get(name)!;
      if (some.length < EXAMPLES) some.push(rel);
    }
  }
  // A folder of .sql files alone is sql's all the same.
  const ranked = [...logs.values()].some((n) => n > 0) ? logs : counts;
  let engine = 'md';
  for (const [name, n] of ranked) if (n > (ranked.get(engine) ?? 0)) engine = name;
  const engines = [engine];
  // Beside HTML pages, JavaScript is the pages' own (a documentation site's search and
  // highlighting, a saved page's scripts), not code anyone wrote to be searched.
  const ownCode = (counts.get('code') ?? 0) - (pages > 0 ? pageScripts : 0);
  if (engine === 'md' && ownCode > 0) engines.push('code');
  if (engine === 'code' && markdown > 0) engines.push('md');
  return { engines, counts, examples, files, sqlFiles, complete: look.complete };
}

/** A JavaScript file, by its name: a page's script, or one a minifier may have packed. */
const SCRIPT = /\.[cm]?js$/i;

/** How much of a script `minifiedScript` reads: a minifier's lines are longer than this alone. */
const SCRIPT_HEAD_BYTES = 8192;

/**
 * Whether a JavaScript file is minified, by its name or else the start of its text (read only
 * then); other files are not.
 */
async function minifiedScript(file: string): Promise<boolean> {
  if (!SCRIPT.test(file)) return false;
  if (isMinifiedName(basename(file))) return true;
  let head = '';
  try {
    head = (await readRange(file, 0, SCRIPT_HEAD_BYTES)).toString('utf8');
  } catch {
    // Unreadable here: judged by its name alone, as the walk will report it.
  }
  return isMinifiedText(head);
}

/**
 * A `.json` or `.csv` file whose name does not say it is a database's log (`package.json`, a data
 * export): the sql engine's globs take such files, since PostgreSQL writes its jsonlog and csvlog
 * under them, but a guess does not count them as query logs.
 */
function notADatabaseLog(rel: string): boolean {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  return /\.(json|csv)$/i.test(name) && !/postgres|(^|[^a-z])pg|mysql|maria|sql|slow|query|audit/i.test(name);
}

/** Files named per engine in what `ragctl add` says of a guess. */
const EXAMPLES = 2;

/**
 * Docs by their name, as a project's are written: Markdown, reStructuredText, AsciiDoc, PDF, Word,
 * notebooks (prose and code together), and LaTeX (a research project's paper). Not HTML: in a
 * code project that is mostly templates.
 */
const MARKDOWN_NAME = /\.(md|markdown|mdx|rst|adoc|ipynb|pdf|docx|odt|odp|pptx|epub|tex)$/i;

/** What a look saw: folder entries read, whether it got to the end, whether the folder itself could be listed. */
interface Look {
  entries: number;
  complete: boolean;
  rootListed: boolean;
}

/**
 * The files (not folders) among a folder's first LOOK_ENTRIES entries, depth first, in the
 * walk's order, entering only the folders `filter` accepts; `look` is kept up to date as it goes.
 * A folder that cannot be listed is passed over.
 */
async function* lookFiles(
  root: string,
  filter: PathFilter,
  look: Look,
): AsyncGenerator<{ path: string; name: string }> {
  const stack = [root];
  while (stack.length) {
    if (look.entries >= LOOK_ENTRIES) {
      look.complete = false;
      return;
    }
    const dir = stack.pop()!;
    let listing: Dirent[];
    try {
      listing = await readdir(dir, { withFileTypes: true });
    } catch {
      if (dir === root) look.rootListed = false;
      continue;
    }
    for (const entry of listing) {
      look.entries++;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (filter.acceptsDir(path)) stack.push(path);
      } else {
        yield { path, name: entry.name };
      }
    }
  }
}

/** The config's engines, then the built-in ones it does not define, which a source may name as they are. */
function engineIncludes(config: Pick<Config, 'engines'>): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>(
    Object.entries(config.engines).map(([n, e]) => [n, e.include]),
  );
  for (const [name, engine] of Object.entries(BUILTIN_ENGINES)) {
    if (!out.has(name)) out.set(name, CHUNKER_INCLUDES[engine.chunker] ?? []);
  }
  return out;
}

function commonestExtension(paths: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const p of paths) {
    const ext = extname(p);
    if (ext) counts.set(ext, (counts.get(ext) ?? 0) + 1);
  }
  let best: [string, number] | undefined;
  for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
  return best?.[0];
}

/**
 * The sources `status` names as holding nothing their engine reads, from a look at each. A
 * look that stopped before the end of a big folder proves nothing when the engine's table
 * holds rows (its files may lie deeper): such a source is named only while its engine has none.
 */
export async function unmatchedSources(
  config: Pick<Config, 'engines' | 'configFile' | 'sources' | 'dataDir'>,
  chunksByEngine: Readonly<Record<string, number>>,
): Promise<UnmatchedSource[]> {
  const out: UnmatchedSource[] = [];
  // A folder read by several engines (one source each) is named only when none of them reads a
  // file of it, and as its first engine's source.
  for (const sources of byFolder(config.sources, (s) => s.path).values()) {
    const looks: UnmatchedSource[] = [];
    for (const source of sources) {
      const unmatched = await lookAtSource(source, new PathFilter(source, config.dataDir), config);
      if (!unmatched || (!unmatched.complete && chunksByEngine[source.engine])) break;
      looks.push(unmatched);
    }
    if (looks.length === sources.length) out.push(looks[0]!);
  }
  return out;
}
