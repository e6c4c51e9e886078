/**
 * When the daemon should call `LanceStore.optimize()`.
 *
 * Every `replaceFiles` or record upsert is one LanceDB commit: a small fragment, a manifest,
 * rows the indexes have not seen. Left alone, writes and searches slow down with them
 * (`bench/store/fragmentation.mjs`, 10k rows: hybrid p50 20 → 83 ms and replace p50
 * 18 → 80 ms after 800 commits). But an optimize is not free: under LanceDB's 1M-row
 * fragment target (not settable from the Node SDK 0.31) compaction rewrites the whole
 * table into one fragment each time, about 0.2–0.3 s at 10k–50k rows and disk writes the
 * size of the table. So: compact after a burst, or after a pause once enough has piled up,
 * never after every single save.
 */

/**
 * Optimize once this many commits are pending, even while writes keep coming (a
 * `git checkout` of thousands of files). In the benchmark, 100 commits (50 saves) kept
 * hybrid p50 within a few ms of a fresh table, at one whole-table rewrite per 50 saves.
 */
export const OPTIMIZE_AFTER_COMMITS = 100;

/** A pause this long (no write) counts as the end of a burst. */
export const OPTIMIZE_IDLE_MS = 30_000;

/**
 * After a pause, optimize only if at least this many commits are pending, so a person who
 * saves one note a minute does not rewrite the table after every save…
 */
export const OPTIMIZE_IDLE_MIN_COMMITS = 20;

/** …unless the oldest pending commit is this old: nothing stays unindexed for long. */
export const OPTIMIZE_MAX_DELAY_MS = 10 * 60_000;

export interface OptimizePolicyOptions {
  afterCommits: number;
  idleMs: number;
  idleMinCommits: number;
  maxDelayMs: number;
}

/**
 * Counts commits and says when to optimize. Pure bookkeeping: the caller owns the timer
 * (`msUntilDue`) and the call. Writes that land while an optimize runs count toward the
 * next one, because `noteOptimizing` resets the count as the optimize starts.
 */
export class OptimizePolicy {
  readonly #options: OptimizePolicyOptions;
  readonly #now: () => number;
  #pending = 0;
  #firstPendingAt = 0;
  #lastWriteAt = 0;

  constructor(options: Partial<OptimizePolicyOptions> = {}, now: () => number = Date.now) {
    this.#options = {
      afterCommits: options.afterCommits ?? OPTIMIZE_AFTER_COMMITS,
      idleMs: options.idleMs ?? OPTIMIZE_IDLE_MS,
      idleMinCommits: options.idleMinCommits ?? OPTIMIZE_IDLE_MIN_COMMITS,
      maxDelayMs: options.maxDelayMs ?? OPTIMIZE_MAX_DELAY_MS,
    };
    this.#now = now;
  }

  /** Commits since the last optimize started. */
  get pendingCommits(): number {
    return this.#pending;
  }

  /** Call after each landed write with the commits it made (a replace plus a record upsert is 2). */
  noteWrite(commits = 1): void {
    if (commits <= 0) return;
    const now = this.#now();
    if (this.#pending === 0) this.#firstPendingAt = now;
    this.#pending += commits;
    this.#lastWriteAt = now;
  }

  shouldOptimize(): boolean {
    return this.msUntilDue() === 0;
  }

  /**
   * Milliseconds until an optimize is due if no other write comes (0: due now), or
   * undefined with nothing pending. A daemon sets its timer to this after each write.
   */
  msUntilDue(): number | undefined {
    if (this.#pending === 0) return undefined;
    const { afterCommits, idleMs, idleMinCommits, maxDelayMs } = this.#options;
    if (this.#pending >= afterCommits) return 0;
    const idleAt = this.#lastWriteAt + idleMs;
    const dueAt =
      this.#pending >= idleMinCommits ? idleAt : Math.max(idleAt, this.#firstPendingAt + maxDelayMs);
    return Math.max(0, dueAt - this.#now());
  }

  /** Call as the optimize starts. If it fails, `noteWrite(n)` puts the commits back. */
  noteOptimizing(): void {
    this.#pending = 0;
  }
}
