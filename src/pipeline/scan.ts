import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { unreadable } from '../access.js';
import { errnoCode, errorMessage } from '../errors.js';
import { isInside } from '../paths.js';
import type { FolderFilter } from './path-filter.js';

/** A file found on disk, described by a stat (no content read yet). */
export interface DiskFile {
  kind: 'file';
  path: string;
  size: number;
  mtimeMs: number;
}

/** A path that is part of a source but cannot be indexed, with the reason. */
export interface SkippedPath {
  kind: 'skipped';
  path: string;
  reason: string;
  /** Stat facts when there are any, so an unchanged skipped file is not re-read. */
  size?: number;
  mtimeMs?: number;
  /** A folder that could not be listed: what the index holds below it is unknown, not gone. */
  unlisted?: boolean;
}

export type ScanEntry = DiskFile | SkippedPath;

/** Stats a walk keeps in flight at once (libuv runs 4 at a time; more only queue). */
const STATS_IN_FLIGHT = 64;

export interface ScanOptions {
  /**
   * Files larger are yielded as skipped. Default: none; the indexer applies each file's own limit
   * (its engine's, for its kind of file) with `withinLimit` once the file is found.
   */
  maxFileBytes?: number;
  signal?: AbortSignal;
  /**
   * Walk only this folder of the source (absolute, below the root): a folder moved in, or one
   * of a storm's many, costs a walk of itself, not of the whole source. It must be a folder the
   * filter accepts (with every folder above it), else nothing is yielded.
   */
  from?: string | undefined;
  /**
   * The other source folders: a link to one of them (or into one) is nothing to say, since its
   * files are indexed there.
   */
  otherRoots?: readonly string[];
  /** Called with each file of a folder walked that the filter does not take. */
  onNotTaken?: (path: string) => void;
}

/**
 * Walks one source folder depth-first in name order and yields what it finds, one stat per
 * file: nothing is read here. Symlinked files are followed; symlinked folders are not (they
 * can loop, and their files belong to whichever source holds the real folder). Folders that
 * cannot be read are reported, and the walk goes on.
 */
export async function* scanSource(filter: FolderFilter, options: ScanOptions): AsyncGenerator<ScanEntry> {
  const start = options.from ?? filter.root;
  if (start !== filter.root && !filter.acceptsFolderPath(start)) return;
  const stack: string[] = [start];
  // The source folders as links resolve (this one first), read once a walk and only when a link
  // to a folder is met.
  let realRoots: Promise<string[]> | undefined;
  const linkedRoots = () =>
    (realRoots ??= Promise.all(
      [filter.root, ...(options.otherRoots ?? [])].map((root) => realpath(root).catch(() => root)),
    ));
  // The next folder's listing is read while this one's files are stat'ed.
  let next: { dir: string; listing: Promise<Dirent[]> } | undefined;
  const list = (dir: string) => {
    const listing = next?.dir === dir ? next.listing : readdir(dir, { withFileTypes: true });
    next = undefined;
    return listing;
  };
  const prefetch = () => {
    const dir = stack.at(-1);
    if (dir === undefined || next?.dir === dir) return;
    const listing = readdir(dir, { withFileTypes: true });
    listing.catch(() => {}); // Reported when the folder's turn comes.
    next = { dir, listing };
  };
  while (stack.length) {
    if (options.signal?.aborted) return;
    const dir = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = await list(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue; // Deleted while we walked.
      yield {
        kind: 'skipped',
        path: dir,
        reason: unreadable('cannot read folder', dir, err, true),
        unlisted: true,
      };
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    const accepted: { path: string; entry: Dirent }[] = [];
    const links: string[] = [];
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (filter.acceptsDir(path)) stack.push(path);
      } else if (filter.acceptsFile(path)) accepted.push({ path, entry });
      else if (entry.isSymbolicLink() && filter.acceptsDir(path)) links.push(path);
      else if (entry.isFile()) options.onNotTaken?.(path);
    }
    prefetch();
    // One stat after another leaves the process waiting on each round trip to libuv's thread
    // pool (~40 µs, most of a walk's time); a folder's stats in flight together cost ~10 µs each.
    const files: ScanEntry[] = [];
    for (let i = 0; i < accepted.length; i += STATS_IN_FLIGHT) {
      const slice = accepted.slice(i, i + STATS_IN_FLIGHT);
      const described = await Promise.all(
        slice.map((a) =>
          describe(a.path, a.entry, options.maxFileBytes ?? Number.POSITIVE_INFINITY, linkedRoots),
        ),
      );
      for (const d of described) if (d) files.push(d);
    }
    // Links named as folders are (`notes/work` → ~/Dropbox/work): few, stat'ed one by one.
    for (const path of links) {
      const isFolder = await stat(path).then(
        (st) => st.isDirectory(),
        () => false, // Gone, or a broken link: nothing to follow.
      );
      const linked = isFolder ? await linkedFolder(path, await linkedRoots()) : undefined;
      if (linked) files.push(linked);
    }
    if (links.length) files.sort((a, b) => (a.path < b.path ? 1 : a.path > b.path ? -1 : 0));
    // Entries were sorted descending for the stack; yield files ascending.
    for (let i = files.length - 1; i >= 0; i--) yield files[i]!;
  }
}

/**
 * A link in a source to a folder outside it: not followed (links can loop, and the folder's
 * files belong to a source of its own), but recorded as skipped with the fix, so that a folder
 * linked into notes is not left out without a word. A link to a folder of the same source, or of
 * another, is nothing to say: its files are indexed where they are. `path` is a link to a
 * folder; `realRoots` the source folders as links resolve.
 */
async function linkedFolder(path: string, realRoots: readonly string[]): Promise<ScanEntry | undefined> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    if (err instanceof Error) return undefined; // Gone meanwhile: nothing to follow.
    throw err;
  }
  if (realRoots.some((root) => real === root || isInside(real, root))) return undefined;
  return {
    kind: 'skipped',
    path,
    reason: `a link to the folder ${real}, which the walk does not follow: index that folder as a source of its own (\`ragctl add ${real}\`)`,
  };
}

const TOO_LARGE = 'larger than indexing.maxFileBytes';

/**
 * Whether a file record's skip reason is this scan's size limit. Such a file, found within the
 * limit at its old size and time, was let in by a raised limit, not by an edit: it must be read
 * even though nothing about it changed.
 */
export function skippedForSize(reason: string | undefined): boolean {
  return reason?.startsWith(TOO_LARGE) === true;
}

/**
 * Whether a file was skipped because it could not be read: a `chmod` that lets it be read
 * changes neither its size nor its mtime, so it is tried again on every walk, as its stat
 * alone would never say it changed. One failed open a walk, for files that are few.
 */
export function skippedForAccess(reason: string | undefined): boolean {
  return /^cannot read: (?:EACCES|EPERM)\b/.test(reason ?? '');
}

/**
 * The file as found, or skipped for its size. A walk of a folder read by several engines stats
 * with the largest of their limits and applies each file's own engine's here.
 */
export function withinLimit(entry: ScanEntry, maxFileBytes: number): ScanEntry {
  if (entry.kind !== 'file' || entry.size <= maxFileBytes) return entry;
  return {
    kind: 'skipped',
    path: entry.path,
    reason: `${TOO_LARGE} (${entry.size} > ${maxFileBytes} bytes)`,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
  };
}

/**
 * One stat of a path the filter accepted; undefined when it vanished meanwhile. `realRoots`: the
 * walked source folder and the others as links resolve; its links to folders elsewhere are said
 * (`linkedFolder`).
 */
export async function describe(
  path: string,
  entry: Dirent | undefined,
  maxFileBytes: number,
  realRoots?: () => Promise<readonly string[]>,
): Promise<ScanEntry | undefined> {
  try {
    const st = await stat(path);
    // A symlink to a folder: not followed (it can loop, and the real folder's source owns its files).
    if (st.isDirectory()) return realRoots === undefined ? undefined : linkedFolder(path, await realRoots());
    if (!st.isFile()) return { kind: 'skipped', path, reason: 'not a regular file (FIFO, socket or device)' };
    return withinLimit({ kind: 'file', path, size: st.size, mtimeMs: st.mtimeMs }, maxFileBytes);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') {
      const isLink = entry
        ? entry.isSymbolicLink()
        : await lstat(path).then(
            (l) => l.isSymbolicLink(),
            () => false,
          );
      return isLink ? { kind: 'skipped', path, reason: 'broken symbolic link' } : undefined;
    }
    if (code === 'ELOOP') return { kind: 'skipped', path, reason: 'symbolic link loop' };
    return { kind: 'skipped', path, reason: `cannot stat: ${code ?? errorMessage(err)}` };
  }
}
