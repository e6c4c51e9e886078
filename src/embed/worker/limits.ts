import { RagError } from '../../errors.js';
import type { EmbedWorkerLimits } from './types.js';

/**
 * The worker's bounds. Timings were measured with all-MiniLM-L6-v2 on a 2-core x86 CPU
 * (≈ 2,500–5,000 padded tokens/s, model load ≈ 0.1 s, first JIT of a cold kernel cache ≈ 5 s);
 * Apple Silicon is several times faster, so the deadlines are loose there.
 */
export const DEFAULT_WORKER_LIMITS: EmbedWorkerLimits = Object.freeze({
  /**
   * Index work is cut into requests of 512 padded tokens (≈ 0.12 s on this 2-core CPU): while
   * someone is searching, a query waits for at most one such request in flight (the search
   * target under indexing is a p99 of 250 ms). The config's `batchTokens` caps it.
   */
  requestTokens: 512,
  /**
   * With no search for `queryQuietMs`, consecutive requests of one call go out together up to
   * 2,048 padded tokens: bigger forward passes index ~20 % faster here (bench/embed: 4,290
   * tokens/s at 512, 4,730 at 1,024, 5,210 at 4,096), and nobody is waiting.
   */
  mergedRequestTokens: 2048,
  /** A search in the last 15 s means someone is at the keyboard: keep requests small. */
  queryQuietMs: 15_000,
  /** 3 tries (the first and 2 retries) for a request whose process dies; then it is quarantined. */
  maxAttempts: 3,
  /** Restart back-off: 0.5 s, 1 s, 2 s, … doubling per failure in a row, at most 30 s. */
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
  /** A process that ran 60 s before it died was healthy: the back-off starts over. */
  healthyResetMs: 60_000,
  /**
   * A request's deadline is 30 s plus 10 ms per padded token (≈ 50 s for 2,048 tokens, 25× the
   * slowest time measured): the base covers a cold JIT compile and a busy machine, since the
   * child runs niced. Past it the process counts as hung and is killed.
   */
  requestTimeoutBaseMs: 30_000,
  requestTimeoutPerTokenMs: 10,
  /** 120 s to load the model (≈ 0.1 s measured; a slow disk or a niced start on a busy machine). */
  loadTimeoutMs: 120_000,
  /** 3 deaths in a row before the model is loaded: it will not load; stop trying (no crash loop). */
  maxStartFailures: 3,
  /** 60 s after a load failure the next request tries again (the model may have been re-pulled). */
  failedRetryMs: 60_000,
  /** 2 s for the child to exit when asked, then SIGKILL: it has nothing to save. */
  closeGraceMs: 2_000,
  /** +10 niceness: indexing runs when the machine has time and never makes it sluggish. */
  niceness: 10,
});

/** Defaults with overrides applied, checked once and frozen. */
export function resolveWorkerLimits(overrides: Partial<EmbedWorkerLimits> = {}): EmbedWorkerLimits {
  const limits: EmbedWorkerLimits = { ...DEFAULT_WORKER_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (name === 'niceness') continue;
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new RagError(
        'E_USAGE',
        `embed worker limit ${name} must be a positive integer, not ${String(value)}`,
      );
  }
  // Raising a process's niceness needs no privilege; lowering it below 0 does.
  if (!Number.isSafeInteger(limits.niceness) || limits.niceness < 0 || limits.niceness > 19)
    throw new RagError('E_USAGE', `embed worker limit niceness must be 0‥19, not ${String(limits.niceness)}`);
  if (limits.backoffMaxMs < limits.backoffInitialMs)
    throw new RagError('E_USAGE', 'embed worker limit backoffMaxMs must be at least backoffInitialMs');
  return Object.freeze(limits);
}

/** Delay before restarting after `failures` (≥ 1) failures in a row. */
export function backoffDelayMs(failures: number, limits: EmbedWorkerLimits): number {
  const doublings = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(limits.backoffInitialMs * 2 ** doublings, limits.backoffMaxMs);
}

/** How long a request of `paddedTokens` may take before its process counts as hung. */
export function requestDeadlineMs(paddedTokens: number, limits: EmbedWorkerLimits): number {
  return limits.requestTimeoutBaseMs + limits.requestTimeoutPerTokenMs * paddedTokens;
}
