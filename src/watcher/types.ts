import type { ChokidarOptions, FSWatcher } from 'chokidar';
import type { Logger } from '../log.js';
import type { PathFilter } from '../pipeline/path-filter.js';

/** Why a folder (or a whole source) must be walked again rather than looked at path by path. */
export type RescanReason =
  /** A folder appeared (moved or copied in): its files may not each get an `add`. */
  | 'folder-added'
  /**
   * A folder that appeared, walked once more after it settled: files written while chokidar
   * was starting to watch it were never reported, so their removal would not be either.
   */
  | 'folder-recheck'
  /** A folder went away: the reconcile drops what was indexed below it. */
  | 'folder-removed'
  /** A `.gitignore` / `.ragignore` changed: what the folder includes may have changed. */
  | 'ignore-file-changed'
  /** More changes at once than the buffer keeps: per-path detail was dropped. */
  | 'storm'
  /** The watcher reported an error; events may have been lost. */
  | 'watcher-error'
  /** The watcher was started again after an error; events of the gap may be missing. */
  | 'watcher-restarted'
  /** The source folder came back after it had vanished. */
  | 'root-returned'
  /** The source folder was replaced by another (same path, another inode). */
  | 'root-replaced';

/** `within` absent means every source. */
export interface RescanRequest {
  readonly within?: string;
  readonly reason: RescanReason;
}

/** What makes a source's watcher untrustworthy; each comes with a fix for the user. */
export type DegradedCode =
  /** inotify's per-user watch limit (ENOSPC). */
  | 'watch-limit'
  /** The process or system ran out of file descriptors (EMFILE / ENFILE). */
  | 'open-file-limit'
  /** The source folder is gone (unmounted, deleted, renamed). */
  | 'root-missing'
  /** Any other watcher error. */
  | 'watcher-error';

export interface Degradation {
  /** The source folder concerned. */
  readonly source: string;
  readonly code: DegradedCode;
  /** What happened, for the log and `ragctl status`. */
  readonly reason: string;
  /** What the user can do about it. */
  readonly fix: string;
}

export interface Recovery {
  readonly source: string;
  /** The degradation that ended. */
  readonly code: DegradedCode;
  readonly reason: string;
}

/** The watcher's events, typed like chokidar's `FSWatcherEventMap`. */
export interface WatcherEventMap {
  /** Absolute paths that may have changed (added, changed, removed: all mean "look again"). */
  changes: [paths: string[]];
  /** Events may have been missed: walk again and compare with the index. */
  rescan: [request: RescanRequest];
  degraded: [degradation: Degradation];
  recovered: [recovery: Recovery];
}

export type SourceState =
  /** The initial scan has not finished yet. */
  | 'starting'
  | 'watching'
  /** Watching, but an error means events may be lost; a restart is scheduled. */
  | 'degraded'
  /** The folder is gone; it is polled for and watched again when it returns. */
  | 'suspended'
  | 'closed';

export interface SourceStatus {
  readonly root: string;
  readonly state: SourceState;
  /** Set while `degraded` or `suspended`. */
  readonly degradation: Degradation | null;
  /** Paths waiting in the coalescing buffer. */
  readonly buffered: number;
}

/** Every bound and delay of the watcher. Defaults and the reason for each: `DEFAULT_WATCHER_LIMITS`. */
export interface WatcherLimits {
  readonly debounceMs: number;
  readonly maxDelayMs: number;
  readonly maxBufferedPaths: number;
  readonly maxFolderRescans: number;
  readonly batchPaths: number;
  readonly rootPollMs: number;
  /** After a folder appears: when chokidar reads it again and it is walked again (see limits.ts). */
  readonly folderRecheckMs: number;
  /** Folders watched for the targets of symlinked files, per source (see link-targets.ts). */
  readonly maxLinkTargetFolders: number;
  /** Waits before each restart after an error; the last one repeats. */
  readonly restartDelaysMs: readonly number[];
}

/** Makes the chokidar instance of one source; tests pass one that keeps the instance. */
export type FsWatcherFactory = (root: string, options: ChokidarOptions) => FSWatcher;

export interface WatcherOptions {
  /**
   * One filter per source: pass the indexer's (`indexer.filterFor(source)`), so that the walker
   * and the watcher agree and an ignore file forgotten by one is forgotten by both. Sources of
   * one folder (one per engine) share a chokidar instance.
   */
  filters: readonly PathFilter[];
  /** Never watched, even when it lies inside a source. */
  dataDir: string;
  /** The watcher logs under `{component: 'watcher'}`. */
  logger: Logger;
  /** Overrides for tests and unusual set-ups; the rest come from `DEFAULT_WATCHER_LIMITS`. */
  limits?: Partial<WatcherLimits>;
  /** Default: chokidar's `watch()`. */
  createFsWatcher?: FsWatcherFactory;
}
