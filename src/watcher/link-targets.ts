import { type FSWatcher, watch } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { runInBackground } from '../background.js';
import { errnoCode } from '../errors.js';
import type { Logger } from '../log.js';
import { isInside } from '../paths.js';
import { isWatcherNoise } from './health.js';

export interface LinkTargetsOptions {
  /** The target of this symlinked file may have changed: look at the link again. */
  onChange: (link: string) => void;
  /**
   * A tracked link is a plain file now. chokidar may have missed it (see the class comment):
   * the caller makes chokidar look at the path afresh.
   */
  onReplaced: (path: string) => void;
  /** At most this many folders are watched for targets (`WatcherLimits.maxLinkTargetFolders`). */
  maxFolders: number;
  logger: Logger;
}

/** One watched folder, and the links whose target — or which themselves — lie there, by name. */
interface TargetFolder {
  readonly watcher: FSWatcher;
  readonly links: Map<string, Set<string>>;
}

/** Where a link points, as `#resolve` found it. */
interface Watched {
  readonly target: string;
  /** The folder entries watched for it: the target's, and the link's own. */
  readonly entries: readonly string[];
}

/**
 * The targets of a source's symlinked files. The indexer reads a symlinked file through the
 * link, but chokidar does not follow links (`followSymlinks: false`, so that linked folders
 * cannot loop): an edit of the target — inside the source or outside it — reported nothing for
 * the link, whose chunks then kept the old text, and a deleted target left them searchable.
 *
 * Each link's target folder is watched (one `fs.watch` per folder, shared by its links), not
 * the target itself: an editor's atomic save replaces the target's inode, and a delete followed
 * by a re-create keeps only the name. Any event for the target's name reports the link.
 * A target folder that is itself moved or removed whole is not followed: its links are looked
 * at again by the next reconcile (or when the link itself changes).
 *
 * The link's own name is watched the same way. chokidar (5.0) tracks a link it found by name
 * only: when such a link is replaced by a plain file, it may report nothing, then or for any
 * later edit of that file. Seeing the replacement here, `onReplaced` has chokidar look again.
 */
export class LinkTargets {
  readonly #options: LinkTargetsOptions;
  readonly #log: Logger;
  /** Link → the target path it was watched for, and the entries watched. */
  readonly #targets = new Map<string, Watched>();
  readonly #folders = new Map<string, TargetFolder>();
  /** Links being resolved, with the number of their latest resolution: an older one is dropped. */
  readonly #resolving = new Map<string, number>();
  #resolutions = 0;
  #isCapLogged = false;
  #isClosed = false;

  constructor(options: LinkTargetsOptions) {
    this.#options = options;
    this.#log = options.logger;
  }

  /** A symlinked file was seen (chokidar's scan): watch its target, unless already done. */
  track(link: string): void {
    if (this.#targets.has(link) || this.#resolving.has(link)) return;
    this.#resolve(link);
  }

  /**
   * Something happened at a path (chokidar's add, change or unlink). A link there may now point
   * elsewhere, be a plain file, or be gone: its target is resolved again. Other paths: nothing.
   */
  recheck(path: string): void {
    if (this.#targets.has(path) || this.#resolving.has(path)) this.#resolve(path);
  }

  /** Forgets the links at or below `dir` (the folder went away). */
  forgetBelow(dir: string): void {
    for (const link of [...this.#targets.keys()])
      if (link === dir || isInside(link, dir)) this.#unwatch(link);
    for (const link of [...this.#resolving.keys()])
      if (link === dir || isInside(link, dir)) this.#resolving.delete(link);
  }

  /** Stops every folder watch; links are tracked again as chokidar's next scan finds them. */
  clear(): void {
    for (const folder of this.#folders.values()) folder.watcher.close();
    this.#folders.clear();
    this.#targets.clear();
    this.#resolving.clear();
  }

  close(): void {
    this.#isClosed = true;
    this.clear();
  }

  #resolve(link: string): void {
    const resolution = ++this.#resolutions;
    this.#resolving.set(link, resolution);
    runInBackground(this.#log, 'following a symlinked file', async () => {
      const found = await targetOf(link);
      if (this.#isClosed || this.#resolving.get(link) !== resolution) return;
      this.#resolving.delete(link);
      const wasTracked = this.#targets.has(link);
      if (typeof found === 'string' && this.#targets.get(link)?.target === found) return;
      this.#unwatch(link);
      if (typeof found === 'string') this.#watch(link, found);
      else if (found === 'plain' && wasTracked) this.#options.onReplaced(link);
    });
  }

  #watch(link: string, target: string): void {
    const entries = [...new Set([target, link])].filter((entry) => this.#watchEntry(entry, link));
    if (entries.length) this.#targets.set(link, { target, entries });
  }

  #watchEntry(entry: string, link: string): boolean {
    const dir = dirname(entry);
    const folder = this.#folders.get(dir) ?? this.#openFolder(dir);
    if (!folder) return false;
    const name = basename(entry);
    const links = folder.links.get(name) ?? new Set<string>();
    folder.links.set(name, links);
    links.add(link);
    return true;
  }

  #openFolder(dir: string): TargetFolder | undefined {
    if (this.#folders.size >= this.#options.maxFolders) {
      if (!this.#isCapLogged) {
        this.#isCapLogged = true;
        this.#log.warn(
          { maxLinkTargetFolders: this.#options.maxFolders, folder: dir },
          'symlinked files point into too many folders to watch them all: edits of the other targets show at the next reconcile (within 15 min)',
        );
      }
      return undefined;
    }
    let watcher: FSWatcher;
    try {
      // Not persistent: the daemon's lifetime is decided elsewhere.
      watcher = watch(dir, { persistent: false });
    } catch (err) {
      // A dangling link into a folder that does not exist: nothing to watch until the link changes.
      if (!isWatcherNoise(err))
        this.#log.debug({ err, folder: dir }, 'cannot watch the folder of a link target');
      return undefined;
    }
    const folder: TargetFolder = { watcher, links: new Map() };
    watcher.on('change', (_event, name) => this.#onEvent(dir, name));
    watcher.on('error', (err) => {
      this.#log.debug({ err, folder: dir }, 'the watch of a link target folder ended');
      this.#closeFolder(dir, true);
    });
    this.#folders.set(dir, folder);
    return folder;
  }

  #onEvent(dir: string, name: string | Buffer | null): void {
    const folder = this.#folders.get(dir);
    if (!folder) return;
    if (name === null) {
      // The platform did not say which entry changed: any of the folder's targets may have.
      for (const links of folder.links.values()) for (const link of links) this.#onLinkEvent(link);
      return;
    }
    for (const link of folder.links.get(name.toString()) ?? []) this.#onLinkEvent(link);
  }

  #onLinkEvent(link: string): void {
    this.#options.onChange(link);
    // The link itself may have been replaced or re-pointed: resolved again (a no-op when not).
    this.#resolve(link);
  }

  #unwatch(link: string): void {
    const watched = this.#targets.get(link);
    if (watched === undefined) return;
    this.#targets.delete(link);
    for (const entry of watched.entries) {
      const dir = dirname(entry);
      const folder = this.#folders.get(dir);
      if (!folder) continue;
      const name = basename(entry);
      const links = folder.links.get(name);
      links?.delete(link);
      if (links?.size === 0) folder.links.delete(name);
      if (folder.links.size === 0) this.#closeFolder(dir, false);
    }
  }

  /** Closes a folder's watch; after an error its links are reported (their targets are unknown now). */
  #closeFolder(dir: string, isFailed: boolean): void {
    const folder = this.#folders.get(dir);
    if (!folder) return;
    this.#folders.delete(dir);
    folder.watcher.close();
    for (const links of folder.links.values()) {
      for (const link of links) {
        // Also drops its entry in the other folder: it is resolved again when chokidar reports it.
        this.#unwatch(link);
        if (isFailed) this.#options.onChange(link);
      }
    }
  }
}

/**
 * Where a symlinked file leads: the real path, or for a dangling link the path it names (so a
 * target created later is seen); `plain` when the path is no longer a symlink, `gone` when
 * nothing is there.
 */
async function targetOf(link: string): Promise<string | 'plain' | 'gone'> {
  try {
    if (!(await lstat(link)).isSymbolicLink()) return 'plain';
  } catch (err) {
    if (isWatcherNoise(err)) return 'gone';
    throw err;
  }
  try {
    return await realpath(link);
  } catch (err) {
    if (!isWatcherNoise(err) && errnoCode(err) !== 'ELOOP') throw err;
  }
  try {
    return resolve(dirname(link), await readlink(link));
  } catch (err) {
    // Replaced or removed between the two looks: the event of that change resolves it again.
    if (isWatcherNoise(err) || errnoCode(err) === 'EINVAL') return 'gone';
    throw err;
  }
}
