import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import { type ChokidarOptions, watch } from 'chokidar';
import { mayRead } from '../access.js';
import { isInside } from '../paths.js';
import type { FolderFilter } from '../pipeline/path-filter.js';
import type { FsWatcherFactory } from './types.js';

/** chokidar's own `watch()`: the default factory. */
export const createChokidar: FsWatcherFactory = (root, options) => watch(root, options);

/**
 * chokidar's options for one source. Fixed, not configurable: each is what correctness needs.
 */
export function chokidarOptions(
  filter: FolderFilter,
  dataDir: string,
  toSourcePath: (path: string) => string = (path) => path,
  seen: SeenHooks = {},
): ChokidarOptions {
  return {
    // The daemon reconciles disk against the index at start; an `add` per existing file would
    // repeat that walk through the queue.
    ignoreInitial: true,
    // The walker does not descend into symlinked folders (they can loop, and their files belong
    // to whichever source holds the real folder); the watcher must not either.
    followSymlinks: false,
    // Editors save by writing a temp file and renaming it over the original: chokidar turns the
    // unlink + add within 100 ms into one `change` and ignores swap/backup names (`.x.swp`, `x~`).
    atomic: true,
    // Not `awaitWriteFinish`: it polls every changed file's size on a timer of its own. The
    // debounce does the same job for free, and a file read half-written is read again when its
    // next write event arrives.
    awaitWriteFinish: false,
    // Native events (inotify, FSEvents); polling is for network volumes and costs a stat per file.
    usePolling: false,
    // A folder we may not read is reported by the walker as a skipped path with its reason; as
    // a watcher error it would wrongly mark the whole source untrustworthy.
    ignorePermissionErrors: true,
    ignored: ignoreMatcher(filter, dataDir, toSourcePath, seen),
  };
}

/** What the matcher tells of the accepted files it sees with stats; it may tell of one many times. */
export interface SeenHooks {
  /** A symlink: its target must be watched apart (see link-targets.ts). */
  link?(path: string): void;
  /**
   * A file this process may not read. inotify needs read access, so chokidar cannot watch it:
   * neither a `chmod` that lets it in nor a later save would be reported by chokidar.
   */
  unreadable?(path: string): void;
}

/**
 * The `ignored` function: true for what the source does not index, so chokidar neither reads
 * those folders nor spends an inotify watch on those files. chokidar calls it with `lstat`
 * stats when it has them and without when it does not (a removal, a first look); without stats
 * only what is neither an accepted folder nor an accepted file is ignored. `toSourcePath` maps
 * chokidar's paths back below the configured root when that root is a symlink.
 *
 * chokidar's scans pass each folder entry's `lstat` here (its initial scan included, which emits
 * no events): `seen` hears of the accepted files that need more than chokidar's own watch.
 */
export function ignoreMatcher(
  filter: FolderFilter,
  dataDir: string,
  toSourcePath: (path: string) => string = (path) => path,
  seen: SeenHooks = {},
): (path: string, stats?: Stats) => boolean {
  const root = filter.root;
  return (watchedPath, stats) => {
    const path = toSourcePath(watchedPath);
    if (path === root) return false;
    // chokidar looks above a missing root to wait for it to appear; we poll for it instead.
    if (!isInside(path, root)) return true;
    if (path === dataDir || isInside(path, dataDir)) return true;
    // Ignore files are watched whatever the globs say: when one changes, the folder's rules do.
    if (filter.isIgnoreFile(path)) return !filter.acceptsDir(dirname(path));
    if (!stats) return !filter.acceptsDir(path) && !filter.acceptsFile(path);
    if (stats.isDirectory()) return !filter.acceptsDir(path);
    // A symlink is watched as a link (`followSymlinks: false`); the indexer reads a symlinked file.
    if (!filter.acceptsFile(path)) return true;
    if (stats.isSymbolicLink()) seen.link?.(path);
    else if (!mayRead(stats)) seen.unreadable?.(path);
    return false;
  };
}
