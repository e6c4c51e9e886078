import { LANGUAGES } from './code/languages.js';

/**
 * The files each built-in chunker reads when neither the engine nor the source lists any: the
 * chunker's registration declares them (`Chunker.include`, builtins.ts), and the config loader
 * reads them from here, so loading a config never loads a chunker's parser or the embedder.
 * Kept free of heavy imports for that reason.
 *
 * Plain text notes are Markdown without markup, and read as such. reStructuredText (a Python
 * project's docs), Org notes and AsciiDoc are read as plain text under their own headings
 * (markdown/titles.ts).
 * HTML pages (saved articles, built docs), Jupyter notebooks, LaTeX and Rich Text documents, Obsidian's canvases, PDFs, Word documents,
 * OpenDocument texts, PowerPoint presentations, Excel workbooks and e-books are read as the text they show
 * (markdown/convert.ts and the reader it names for each).
 */
/**
 * Text files named by convention, without an extension: a project's README, NEWS, INSTALL, its
 * licence and its authors, Debian's `copyright`. Read as plain text. As written, capitalised or
 * lower-case (`README`, `Readme`, `readme`).
 */
export const PLAIN_TEXT_NAMES: readonly string[] = Object.freeze([
  'README',
  'NEWS',
  'CHANGES',
  'CHANGELOG',
  'HISTORY',
  'INSTALL',
  'TODO',
  'AUTHORS',
  'CONTRIBUTORS',
  'THANKS',
  'NOTICE',
  'FAQ',
  'BUGS',
  'LICENSE',
  'LICENCE',
  'COPYING',
  'COPYRIGHT',
]);

const plainTextGlob = `**/{${PLAIN_TEXT_NAMES.flatMap((name) => [
  name,
  name[0] + name.slice(1).toLowerCase(),
  name.toLowerCase(),
]).join(',')}}`;

/**
 * A project's build and configuration files, by the names tools give them: what its Python
 * versions, scripts, dependencies and targets are (`tox.ini`, `pyproject.toml`, `Makefile`,
 * `package.json`). Read as plain text. By name, not by extension: every `.yaml` or `.json` would
 * take in data files and lockfiles too (`pnpm-lock.yaml`, a 9 MB fixture).
 */
const PROJECT_FILE_NAMES: readonly string[] = Object.freeze([
  'pyproject.toml',
  'setup.cfg',
  'tox.ini',
  'pytest.ini',
  'Pipfile',
  'Cargo.toml',
  'go.mod',
  'package.json',
  'tsconfig.json',
  'Gemfile',
  'Makefile',
  'makefile',
  'GNUmakefile',
  'CMakeLists.txt',
  'Dockerfile',
  'docker-compose.yml',
  'docker-compose.yaml',
  'compose.yml',
  'compose.yaml',
  'mkdocs.yml',
  'environment.yml',
  'Procfile',
  'Justfile',
  'justfile',
]);

const PROJECT_FILES: ReadonlySet<string> = new Set(PROJECT_FILE_NAMES);

/** Whether a file's name (`tox.ini`, not `tox.ini.bak`) is a project's build or configuration file's. */
export function isProjectFile(name: string): boolean {
  return PROJECT_FILES.has(name);
}

export const MARKDOWN_INCLUDE: readonly string[] = Object.freeze([
  '**/*.md',
  '**/*.markdown',
  '**/*.mdx',
  '**/*.txt',
  '**/*.rst',
  '**/*.org',
  '**/*.adoc',
  '**/*.html',
  '**/*.htm',
  '**/*.ipynb',
  '**/*.pdf',
  '**/*.docx',
  '**/*.odt',
  '**/*.odp',
  '**/*.pptx',
  '**/*.xlsx',
  '**/*.epub',
  '**/*.tex',
  '**/*.ltx',
  '**/*.rtf',
  '**/*.canvas',
  plainTextGlob,
  `**/{${PROJECT_FILE_NAMES.join(',')}}`,
]);

/** Every extension the code chunker has a grammar for; other files would only be text chunks. */
export const CODE_INCLUDE: readonly string[] = Object.freeze(
  LANGUAGES.flatMap((spec) => spec.extensions.map((ext) => `**/*${ext}`)),
);

/**
 * `.sql` files and the log names PostgreSQL (stderr, csvlog, jsonlog) and MariaDB/MySQL slow
 * and general logs are written under, rotated ones included: by the server's own name
 * (`postgresql-%Y-%m-%d_%H%M%S.log`) and by logrotate (`x.log.1`, `x.log-20261205` with
 * `dateext`, and with `compress` their `.gz`, read decompressed: Debian rotates PostgreSQL's
 * log weekly and compresses all but the last two). Without them a `copytruncate` would
 * take the rotated statements out of the index. The format is detected per file.
 */
export const SQL_INCLUDE: readonly string[] = Object.freeze([
  '**/*.sql',
  '**/*.log',
  '**/*.log.+([0-9])',
  '**/*.log-+([0-9])',
  '**/*.log.gz',
  '**/*.log.+([0-9]).gz',
  '**/*.log-+([0-9]).gz',
  '**/*.csv',
  '**/*.json',
  '**/*slow*.log*',
]);

/** By chunker name. A chunker not listed (none today) falls back to the markdown globs. */
export const CHUNKER_INCLUDES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  markdown: MARKDOWN_INCLUDE,
  code: CODE_INCLUDE,
  sql: SQL_INCLUDE,
});

/**
 * The engines a source may name without an `engines:` block saying what they are: each built-in
 * chunker with its own mapper, every other key at its default. An engine the config defines
 * under the same name is the config's. The config adds only those a source names, so an unused
 * one costs no table.
 */
export const BUILTIN_ENGINES: Readonly<
  Record<string, { readonly chunker: string; readonly mapper: string }>
> = Object.freeze({
  md: Object.freeze({ chunker: 'markdown', mapper: 'document' }),
  sql: Object.freeze({ chunker: 'sql', mapper: 'sql' }),
  code: Object.freeze({ chunker: 'code', mapper: 'code' }),
});

/**
 * The mapper an engine of this chunker gets when its config names none: the built-in chunker's
 * own (`{chunker: code}` is the code engine, with its symbols, filters and ranking), else the
 * document mapper.
 */
export function mapperOfChunker(chunker: string): string {
  return Object.values(BUILTIN_ENGINES).find((e) => e.chunker === chunker)?.mapper ?? 'document';
}

/** Words people take for an engine's name, for the built-in engine that reads those files. */
const KIND_WORDS: Readonly<Record<string, string>> = Object.freeze({
  markdown: 'md',
  postgres: 'sql',
  postgresql: 'sql',
  mysql: 'sql',
  mariadb: 'sql',
});

/**
 * The built-in engine that reads a kind of file named as if it were an engine (`pdf`, `html`,
 * `python`, `postgres`): by an extension its files have, a language its grammars read, or a
 * common word. Undefined when none does.
 */
export function engineReading(kind: string): string | undefined {
  const word = kind.toLowerCase().replace(/^\*?\./, '');
  if (Object.hasOwn(KIND_WORDS, word)) return KIND_WORDS[word];
  if (LANGUAGES.some((spec) => spec.name === word)) return 'code';
  return engineOfExtension(word);
}

/**
 * The built-in engine whose files, by default, have this extension (`pdf` → md, `log` → sql),
 * given with or without its dot; undefined when none reads it.
 */
export function engineOfExtension(extension: string): string | undefined {
  const ext = `.${extension.toLowerCase().replace(/^\*?\./, '')}`;
  for (const [engine, { chunker }] of Object.entries(BUILTIN_ENGINES)) {
    const globs = CHUNKER_INCLUDES[chunker] ?? [];
    if (globs.some((g) => g.endsWith(`*${ext}`) || g.includes(`*${ext}.`))) return engine;
  }
  return undefined;
}
