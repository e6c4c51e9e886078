import { readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { isInside, isOutside, relativePath } from '../paths.js';

export { isInside };

import picomatch from 'picomatch';
import type { SourceConfig } from '../config/types.js';

/** Ignore files honoured in every folder of a source, gitignore syntax. */
export const IGNORE_FILES = ['.gitignore', '.ragignore'] as const;

/**
 * Decides which paths of one source are indexed: the source's include/exclude globs (relative
 * to the source folder; hidden files and folders only when a glob names them), `.gitignore` /
 * `.ragignore` files in any folder on the way, and never the index's own data folder.
 * The walker and the watcher share one instance so they always agree.
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

  constructor(source: SourceConfig, dataDir: string) {
    this.root = source.path;
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
    return !this.#ignored(dir, true);
  }

  /** Whether a file (absolute path) is part of the source. */
  acceptsFile(file: string): boolean {
    if (isInside(file, this.#dataDir)) return false;
    const rel = toPosix(relativePath(this.root, file));
    if (isOutside(rel) || rel === '') return false;
    if (!this.#include(rel) || this.#exclude(rel)) return false;
    return !this.#ignored(file, false);
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
  }

  /**
   * Forgets every parsed ignore file. A full walk calls this first: a watcher that missed an
   * ignore file's change (or a one-shot run's long-lived filter) must not hide it forever.
   */
  forgetIgnoreFiles(): void {
    this.#ignores.clear();
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
    for (const name of IGNORE_FILES) {
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
