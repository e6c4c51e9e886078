import type { EmbedderConfig } from '../../config/types.js';
import type { Logger } from '../../log.js';

/**
 * - `idle`: no process yet (it starts on the first `embed()` or on `start()`);
 * - `starting`: the process is loading the model;
 * - `ready`: loaded, nothing in flight; `busy`: requests in flight (one, or up to `maxInFlight`);
 * - `backoff`: the process died or hung and a new one starts after a delay;
 * - `failed`: the model cannot be loaded (or the worker is a stale build): requests fail with
 *   the reason until `failedRetryMs` has passed, then the next request tries again;
 * - `closed`: after `close()`.
 */
export type WorkerState = 'idle' | 'starting' | 'ready' | 'busy' | 'backoff' | 'failed' | 'closed';

/** Why a process was replaced. */
export type ExitReason =
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'timeout'; phase: 'load' | 'request'; afterMs: number };

export interface RestartInfo {
  reason: ExitReason;
  /** The dead process and its successor. */
  previousPid: number | undefined;
  pid: number | undefined;
  /** Failures in a row (the back-off grows with it) and the delay this restart waited. */
  failures: number;
  delayMs: number;
  /** The last lines the dead process wrote to stderr (native crashes say why there). */
  stderr: string;
}

export interface BatchInfo {
  priority: 'query' | 'index';
  texts: number;
  /** Padded tokens: what the request cost the model. */
  tokens: number;
  /** The child's start count (see VectorsMessage.seq) and pid: the order requests ran in. */
  seq: number;
  pid: number | undefined;
  /** 1 unless earlier tries died with their process. */
  attempt: number;
  /** Queued in the parent until sent; computing in the child. */
  waitMs: number;
  computeMs: number;
  rssBytes: number;
}

/** Events, typed as in chokidar's `FSWatcherEventMap`. */
export interface EmbedWorkerEvents {
  state: [state: WorkerState];
  restarted: [info: RestartInfo];
  batch: [info: BatchInfo];
}

/** Every bound the worker keeps. Defaults and the reason for each: `DEFAULT_WORKER_LIMITS`. */
export interface EmbedWorkerLimits {
  readonly requestTokens: number;
  readonly mergedRequestTokens: number;
  readonly queryQuietMs: number;
  readonly maxAttempts: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly healthyResetMs: number;
  readonly requestTimeoutBaseMs: number;
  readonly requestTimeoutPerTokenMs: number;
  readonly loadTimeoutMs: number;
  readonly maxStartFailures: number;
  readonly failedRetryMs: number;
  readonly closeGraceMs: number;
  readonly niceness: number;
}

export interface EmbedWorkerOptions {
  /** The embedder's config block; the child builds the embedder from it through the registry. */
  config: EmbedderConfig;
  /** Its key under `embedders`, for messages (default `default`). */
  name?: string;
  /** The worker logs under `{component: 'embed-worker'}`; the child's log lines come through it. */
  logger: Logger;
  /** Resolves the model in this process and is the child's environment (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Overrides for tests and unusual set-ups; the rest come from `DEFAULT_WORKER_LIMITS`. */
  limits?: Partial<EmbedWorkerLimits>;
  /** The compiled child entry (default: `child.js` beside the compiled worker, in dist/). */
  entry?: string;
}

export interface EmbedWorkerStats {
  state: WorkerState;
  pid: number | undefined;
  /** Requests (sub-batches) waiting in each lane. */
  queued: { query: number; index: number };
  restarts: number;
  /** Requests given up on because their process died `maxAttempts` times. */
  quarantined: number;
  /** Why the worker is `failed` or last restarted; null when it never had trouble. */
  lastError: string | null;
  /** The child's resident set after its last batch; null before the first one. */
  rssBytes: number | null;
  /** A remote server that cannot be used now (indexing waits for it), with the fix; null otherwise. */
  unavailable: { reason: string; fix: string | null; sinceMs: number } | null;
}
