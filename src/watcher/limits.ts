import { RagError } from '../errors.js';
import type { WatcherLimits } from './types.js';

/**
 * The watcher's bounds. Events only make updates arrive sooner (reconciliation is the guarantee),
 * so every bound here prefers "walk the folder again" to unbounded memory or busy work.
 */
export const DEFAULT_WATCHER_LIMITS: WatcherLimits = Object.freeze({
  /**
   * 200 ms of quiet on a path before it is reported: an editor's save (write a temp file, rename
   * it over, chmod) and `git checkout` of one file land within ~100 ms, so one save is one look.
   */
  debounceMs: 200,
  /**
   * 2 s at most from a path's first event to its report, however often it keeps changing: a file
   * rewritten every 100 ms (a log, a build output) is indexed every 2 s, neither 10 times a
   * second nor never.
   */
  maxDelayMs: 2_000,
  /**
   * 50,000 distinct paths buffered per source (≈ 10 MB of strings and timestamps). A storm larger
   * than that (a checkout of another branch, an unpacked archive) is cheaper to handle as one walk
   * of the source, which stats each file once, than as 50,000 single looks.
   */
  maxBufferedPaths: 50_000,
  /**
   * 64 folders waiting to be walked per source. Each walk reads every file record of the store,
   * so past a few dozen folders (a checkout creating many directories) one walk of the whole
   * source is cheaper.
   */
  maxFolderRescans: 64,
  /**
   * 500 paths per `changes` event: one batch is handled in one short tick by the consumer, and a
   * storm reaches the queue in slices rather than one huge array (VS Code's watcher uses 500).
   */
  batchPaths: 500,
  /**
   * 5 s between checks that the source folder still exists (and is the same folder): one `stat`,
   * and a returning USB disk or network share is watched again within seconds.
   */
  rootPollMs: 5_000,
  /**
   * 2 s after a folder appears, chokidar reads it again and it is walked again. chokidar reads a
   * new folder before it starts watching it, so a file written in between is never reported,
   * nor its later removal, while the walk of the new folder indexes it. Its read takes
   * milliseconds; seconds leave room for a loaded machine, and the second walk of a folder that
   * did not change costs a stat per file.
   */
  folderRecheckMs: 2_000,
  /**
   * 256 folders holding the targets of a source's symlinked files. chokidar does not follow
   * links, so each such folder costs one more inotify watch, from the same per-user limit
   * chokidar's watches come from. A few notes linked in from elsewhere need a handful; a tree of
   * links into a store (GNU stow, a Nix profile) past this is left to the periodic reconcile
   * rather than spending the watch limit.
   */
  maxLinkTargetFolders: 256,
  /**
   * After an error (watch limit, out of descriptors) the source's watcher is rebuilt 10 s later,
   * then after 1 min, then every 5 min: once the user raised the limit, watching recovers by
   * itself, and a limit still too low costs one attempt per 5 min, not a busy loop.
   */
  restartDelaysMs: Object.freeze([10_000, 60_000, 300_000]),
});

/** Defaults with overrides applied, checked once and frozen. */
export function resolveWatcherLimits(overrides: Partial<WatcherLimits> = {}): WatcherLimits {
  const limits: WatcherLimits = { ...DEFAULT_WATCHER_LIMITS, ...overrides };
  const { restartDelaysMs, ...numbers } = limits;
  for (const [name, value] of Object.entries(numbers)) {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new RagError('E_USAGE', `watcher limit ${name} must be a positive integer, not ${String(value)}`);
  }
  if (!restartDelaysMs.length || restartDelaysMs.some((ms) => !Number.isSafeInteger(ms) || ms <= 0))
    throw new RagError('E_USAGE', 'watcher limit restartDelaysMs must list positive integers');
  if (limits.maxDelayMs < limits.debounceMs)
    throw new RagError('E_USAGE', 'watcher limit maxDelayMs must be at least debounceMs');
  return Object.freeze({ ...limits, restartDelaysMs: Object.freeze([...restartDelaysMs]) });
}
