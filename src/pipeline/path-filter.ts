import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { byFolder, isInside, isOutside, relativePath } from '../paths.js';

export { isInside };

import picomatch from 'picomatch';
import type { SourceConfig } from '../config/types.js';

/**
 * Word, Excel and PowerPoint write `~$name.docx` beside a document while it is open: a few bytes
 * saying who has it open. It matches `*.docx` but is no document, and would be reported as an
 * unreadable one every time a person opens a file.
 */
function isOfficeOwnerFile(rel: string): boolean {
  return rel.slice(rel.lastIndexOf('/') + 1).startsWith('~$');
}

/** Ignore files honoured in every folder of a source, gitignore syntax. */
export const IGNORE_FILES = ['.gitignore', '.ragignore'] as const;

/**
 * A repository's own ignore rules, kept out of the repository (`.git/info/exclude`: a local
 * `venv/`, scratch folders), read at the repository's top folder as git does. The watcher does
 * not watch `.git`: an edit to it applies from the next walk (a restart, `ragctl reindex`).
 */
const REPOSITORY_EXCLUDE = join('.git', 'info', 'exclude');

/**
 * Folders that are someone else's installed code, or copies of what the source holds elsewhere,
 * by a file that marks them (a path from the folder): their READMEs, licences and scripts would
 * crowd every search. Not walked at all, for any engine; a source pointed at one still reads it.
 *
 * - A Python virtual environment (`pyvenv.cfg`, from `python -m venv` and virtualenv), whatever
 *   its name; a conda environment (`conda-meta/`); Go's vendored modules (`vendor/modules.txt`)
 *   and Composer's (`vendor/autoload.php`).
 * - A documentation site Sphinx built (its `searchindex.js` beside): `_sources/` holds every
 *   page's source again (`library/os.rst.txt` for `library/os.html`), which would index each page
 *   twice, and `_static/` the theme's scripts (jQuery, underscore, the search code), which would
 *   make a folder of pages a code project.
 */
const NEVER_WALKED: readonly (readonly [folder: string | null, marker: string])[] = [
  [null, 'pyvenv.cfg'],
  [null, 'conda-meta'],
  ['vendor', 'modules.txt'],
  ['vendor', 'autoload.php'],
  ['_sources', join('..', 'searchindex.js')],
  ['_static', join('..', 'searchindex.js')],
];

/** Whether `dir` holds an environment, vendored modules or a built site's copies (`NEVER_WALKED`). */
export function isNeverWalked(dir: string): boolean {
  const name = basename(dir);
  return NEVER_WALKED.some(
    ([folder, marker]) => (folder === null || folder === name) && existsSync(join(dir, marker)),
  );
}

/**
 * Decides which paths of one source are indexed: the source's include/exclude globs (relative
 * to the source folder; hidden files and folders only when a glob names them), `.gitignore` /
 * `.ragignore` files in any folder on the way, never the index's own data folder, and never a
 * file that a source of the same folder listed before this one takes. The walker and the
 * watcher share one instance so they always agree.
 */
export class PathFilter {
  readonly root: string;
  readonly #include: (p: string) => boolean;
  /** Matches the folders an include glob leads through (`.journal` for `.journal/**\/*.md`). */
  readonly #includeFolder: (p: string) => boolean;
  readonly #exclude: (p: string) => boolean;
  readonly #dataDir: string;
  /** Parsed ignore files by folder (null: the folder has none). Cleared when one changes. */
  readonly #ignores = new Map<string, Ignore | null>();

  /** The filters of the same folder's sources listed before this one: a file they accept is theirs. */
  readonly #earlier: readonly PathFilter[];

  constructor(source: SourceConfig, dataDir: string, earlier: readonly PathFilter[] = []) {
    this.root = source.path;
    this.#earlier = earlier;
    this.#include = picomatch([...source.include], { dot: false });
    const folders = source.include.flatMap(folderPrefixes);
    this.#includeFolder = folders.length ? picomatch(folders, { dot: false }) : () => false;
    this.#exclude = source.exclude.length ? picomatch([...source.exclude], { dot: true }) : () => false;
    this.#dataDir = dataDir;
  }

  /** Whether to descend into a folder (absolute path). */
  acceptsDir(dir: string): boolean {
    if (dir === this.root) return true;
    if (dir === this.#dataDir || isInside(dir, this.#dataDir)) return false;
    const rel = toPosix(relativePath(this.root, dir));
    if (isOutside(rel)) return false;
    if (this.#exclude(rel)) return false;
    // Hidden folders are skipped unless an include glob names one explicitly.
    if (rel.split('/').some((part) => part.startsWith('.')) && !this.#includeFolder(rel)) return false;
    return !this.#ignored(dir, true) && !isNeverWalked(dir);
  }

  /** Whether a file (absolute path) is part of the source. */
  acceptsFile(file: string): boolean {
    const rel = this.#below(file);
    return rel !== undefined && this.#include(rel) && this.#notKeptOut(file, rel);
  }

  /**
   * A file in a folder the walk enters that no include glob names, and that nothing else keeps
   * out (an exclude, an ignore file, a dot-file, another source's): one this source does not
   * read, counted for `status` so that a folder's files left out are not left out unsaid.
   */
  isUnread(file: string): boolean {
    const rel = this.#below(file);
    if (rel === undefined || rel.split('/').at(-1)!.startsWith('.')) return false;
    return !this.#include(rel) && this.#notKeptOut(file, rel);
  }

  /** The file's path from the root (posix), unless it is no file of this source's at all. */
  #below(file: string): string | undefined {
    if (isInside(file, this.#dataDir)) return undefined;
    const rel = toPosix(relativePath(this.root, file));
    return isOutside(rel) || rel === '' || isOfficeOwnerFile(rel) ? undefined : rel;
  }

  /** Not excluded, not ignored, not a file of a source of this folder listed before. */
  #notKeptOut(file: string, rel: string): boolean {
    return (
      !this.#exclude(rel) && !this.#ignored(file, false) && !this.#earlier.some((f) => f.acceptsPath(file))
    );
  }

  /** Whether a path below the root passes every folder on its way (for watcher events). */
  acceptsPath(file: string): boolean {
    let dir = dirname(file);
    const chain: string[] = [];
    while (dir !== this.root && isInside(dir, this.root)) {
      chain.push(dir);
      dir = dirname(dir);
    }
    return chain.every((d) => this.acceptsDir(d)) && this.acceptsFile(file);
  }

  /** Whether a folder below the root is walked: it and every folder above it pass acceptsDir. */
  acceptsFolderPath(dir: string): boolean {
    if (!isInside(dir, this.root)) return false;
    const chain: string[] = [];
    for (let d = dir; d !== this.root && isInside(d, this.root); d = dirname(d)) chain.push(d);
    return chain.every((d) => this.acceptsDir(d));
  }

  /** An ignore file changed on disk: forget what was parsed. */
  forgetIgnoreFile(file: string): void {
    this.#ignores.delete(dirname(file));
    for (const f of this.#earlier) f.forgetIgnoreFile(file);
  }

  /**
   * Forgets every parsed ignore file. A full walk calls this first: a watcher that missed an
   * ignore file's change (or a one-shot run's long-lived filter) must not hide it forever.
   */
  forgetIgnoreFiles(): void {
    this.#ignores.clear();
    for (const f of this.#earlier) f.forgetIgnoreFiles();
  }

  isIgnoreFile(file: string): boolean {
    return (IGNORE_FILES as readonly string[]).some((name) => file.endsWith(`${sep}${name}`));
  }

  #ignored(path: string, isDir: boolean): boolean {
    // Each ignore file applies to paths below its own folder, as git does.
    let dir = dirname(path);
    for (;;) {
      const rules = this.#rulesFor(dir);
      if (rules) {
        const rel = toPosix(relativePath(dir, path));
        if (rules.ignores(isDir ? `${rel}/` : rel)) return true;
      }
      if (dir === this.root || !isInside(dir, this.root)) return false;
      dir = dirname(dir);
    }
  }

  #rulesFor(dir: string): Ignore | null {
    let rules = this.#ignores.get(dir);
    if (rules !== undefined) return rules;
    rules = null;
    for (const name of [...IGNORE_FILES, REPOSITORY_EXCLUDE]) {
      let text: string;
      try {
        text = readFileSync(join(dir, name), 'utf8');
      } catch {
        continue; // No such ignore file here: the common case.
      }
      rules = (rules ?? ignore()).add(text);
    }
    this.#ignores.set(dir, rules);
    return rules;
  }
}

/**
 * One filter per source, in the config's order, each knowing the filters of its folder's earlier
 * sources: a folder listed for several engines gives each file to the first that reads it.
 */
export function sourceFilters(sources: readonly SourceConfig[], dataDir: string): PathFilter[] {
  const out: PathFilter[] = [];
  for (const source of sources) {
    const earlier = out.filter((f) => f.root === source.path);
    out.push(new PathFilter(source, dataDir, earlier));
  }
  return out;
}

/** What a walk (scanSource) and a watcher ask of the filter of the folder they go through. */
export type FolderFilter = Pick<
  PathFilter,
  'root' | 'acceptsDir' | 'acceptsFile' | 'acceptsFolderPath' | 'isIgnoreFile' | 'forgetIgnoreFile'
>;

/**
 * One filter per folder, for watching or walking it once: a folder listed for several engines
 * is taken for what any of them reads (each file then goes to the one that takes it, `earlier`).
 */
export function folderFilters(filters: readonly PathFilter[]): FolderFilter[] {
  return [...byFolder(filters, (f) => f.root).values()].map(anyOf);
}

/**
 * The filters of one folder's sources as one, for a single walk of it: a folder is entered when
 * any source takes it, and `ownerOf` says which source a file found there belongs to. Which
 * sources take a folder is kept per folder, from its parent's answer, so a file is not checked
 * against every folder above it again; the walk is the cache's life (made per walk, it never
 * sees an ignore file change).
 */
export class FolderWalk implements FolderFilter {
  readonly root: string;
  readonly #filters: readonly PathFilter[];
  /** Per folder: which filters accept it and every folder above it. */
  readonly #taken = new Map<string, readonly boolean[]>();
  /** Files accepted and not yet handed over, with their filter. */
  readonly #owners = new Map<string, number>();

  constructor(filters: readonly PathFilter[]) {
    this.root = filters[0]!.root;
    this.#filters = filters;
    this.#taken.set(
      this.root,
      filters.map(() => true),
    );
  }

  acceptsDir(dir: string): boolean {
    return this.#takenBy(dir).some(Boolean);
  }

  acceptsFolderPath(dir: string): boolean {
    return this.acceptsDir(dir);
  }

  acceptsFile(file: string): boolean {
    const owner = this.#owner(file);
    // The walk asks again when it hands the file over: answered then without a second look.
    if (owner >= 0) this.#owners.set(file, owner);
    return owner >= 0;
  }

  /** The index of the filter whose source reads `file`, or -1. */
  ownerOf(file: string): number {
    const owner = this.#owners.get(file);
    if (owner === undefined) return this.#owner(file);
    this.#owners.delete(file);
    return owner;
  }

  #owner(file: string): number {
    const taken = this.#takenBy(dirname(file));
    return this.#filters.findIndex((f, i) => taken[i] && f.acceptsFile(file));
  }

  isIgnoreFile(file: string): boolean {
    return this.#filters[0]!.isIgnoreFile(file);
  }

  forgetIgnoreFile(file: string): void {
    this.#taken.clear();
    this.#owners.clear();
    this.#taken.set(
      this.root,
      this.#filters.map(() => true),
    );
    for (const f of this.#filters) f.forgetIgnoreFile(file);
  }

  #takenBy(dir: string): readonly boolean[] {
    const known = this.#taken.get(dir);
    if (known) return known;
    if (!isInside(dir, this.root)) return this.#filters.map(() => false);
    const above = this.#takenBy(dirname(dir));
    const taken = above.map((ok, i) => ok && this.#filters[i]!.acceptsDir(dir));
    this.#taken.set(dir, taken);
    return taken;
  }
}

/** The filters of one folder as one, for its watcher (a walk uses FolderWalk). */
function anyOf(all: readonly PathFilter[]): FolderFilter {
  if (all.length === 1) return all[0]!;
  return {
    root: all[0]!.root,
    acceptsDir: (dir) => all.some((f) => f.acceptsDir(dir)),
    acceptsFile: (file) => all.some((f) => f.acceptsFile(file)),
    acceptsFolderPath: (dir) => all.some((f) => f.acceptsFolderPath(dir)),
    isIgnoreFile: (file) => all[0]!.isIgnoreFile(file),
    forgetIgnoreFile: (file) => {
      for (const f of all) f.forgetIgnoreFile(file);
    },
  };
}

/**
 * The folders an include glob walks through, as globs: `a/*\/b/*.md` gives `a`, `a/*` and
 * `a/*\/b`; a `**` reaches any depth, so `**\/.journal/**` gives `**`, `**\/.journal` and
 * `**\/.journal/**`.
 */
function folderPrefixes(glob: string): string[] {
  const parts = picomatch.scan(glob, { parts: true }).parts ?? glob.split('/');
  const out = new Set<string>();
  for (let i = 1; i < parts.length; i++) {
    out.add(parts.slice(0, i).join('/'));
    if (parts[i] === '**') out.add(parts.slice(0, i + 1).join('/'));
  }
  return [...out];
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}
