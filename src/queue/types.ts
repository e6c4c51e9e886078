import type { Logger } from '../log.js';

/**
 * Brings paths up to date; the daemon passes `(paths, signal) => indexer.syncPaths(paths, { signal })`.
 * It must stop soon after `signal` aborts (the queue is closing) and leave nothing half-written:
 * the indexer commits whole groups only. A throw fails the batch, which is retried.
 */
/** `forced`: the paths to read again however their size and time look (`RunOptions.forced`). */
export type SyncWorker = (
  paths: readonly string[],
  signal: AbortSignal,
  forced: ReadonlySet<string>,
) => Promise<unknown>;

/** Walks a folder (or, without `within`, every source); the daemon passes `indexer.reconcile`. */
export type RescanWorker = (request: RescanRequest, signal: AbortSignal) => Promise<unknown>;

/** `within` absent means every source. The watcher's requests fit as they are. */
export interface RescanRequest {
  readonly within?: string;
  readonly reason: string;
}

/** A path (or a walk) that kept failing after every retry: shown by `ragctl status`. */
export interface QueueFailure {
  /** The file, or the folder of a walk (`*` for every source). */
  readonly path: string;
  /** The error's stable code (`E_STORE`, `EACCES`, …), `E_INTERNAL` when it had none. */
  readonly code: string;
  readonly message: string;
  readonly atMs: number;
  /** Tries so far, the first included. */
  readonly attempts: number;
}

export type QueueState = 'idle' | 'busy' | 'paused' | 'closed';

export interface QueueStats {
  readonly state: QueueState;
  /** A batch is being processed right now. */
  readonly busy: boolean;
  /** Paths and walks waiting or being processed: `ragctl status`'s queue depth. */
  readonly depth: number;
  /** Walks (rescans) waiting. */
  readonly rescansQueued: number;
  /** Paths (or walks) waiting for a retry after a failure, within the back-off. */
  readonly retrying: number;
  /** Paths (or walks) that failed every retry, waiting to be tried again later. */
  readonly parked: number;
  /** Files indexed per second over the recent past (`rateWindowMs`); 0 when idle. */
  readonly rate: number;
  /** Seconds until the paths waiting are done at `rate`; `null` when nothing waits or the rate is unknown. */
  readonly etaSeconds: number | null;
  /** Paths handed to the sync worker successfully since start (or covered by a walk). */
  readonly processed: number;
  /** Paths not queued one by one because a walk of everything was queued instead. */
  readonly collapsed: number;
  /** Most recent first, at most `maxLastErrors`. */
  readonly lastErrors: readonly QueueFailure[];
}

/** Every bound and delay of the queue. Defaults and the reason for each: `DEFAULT_QUEUE_LIMITS`. */
export interface QueueLimits {
  readonly batchPaths: number;
  readonly batchDelayMs: number;
  readonly highWaterPaths: number;
  /** Waits before each retry of a failed batch; after the last, the paths are parked. */
  readonly retryDelaysMs: readonly number[];
  readonly parkMs: number;
  readonly maxLastErrors: number;
  readonly rateWindowMs: number;
  /** A batch busy this long is stopped for a newly changed path, which goes first. */
  readonly yieldAfterMs: number;
  /** At most one such stop in this long, so that the long work always gets on. */
  readonly yieldEveryMs: number;
}

export interface IndexQueueOptions {
  sync: SyncWorker;
  rescan: RescanWorker;
  /** The queue logs under `{component: 'queue'}`. */
  logger: Logger;
  /** Overrides for tests and unusual set-ups; the rest come from `DEFAULT_QUEUE_LIMITS`. */
  limits?: Partial<QueueLimits>;
  /** Milliseconds on a monotonic clock; tests of the rate pass their own. Default `performance.now`. */
  now?: () => number;
}
