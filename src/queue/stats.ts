import type { QueueFailure } from './types.js';

/** Slots of the rate's moving window: 60 gives one-second resolution over the default minute. */
const RATE_BUCKETS = 60;

/**
 * Files per second over a moving window, in constant memory: counts go into `RATE_BUCKETS`
 * time slots that are reused as the window moves. After an idle spell the rate is measured from
 * the first file of the new burst, so a fresh burst is not diluted by the quiet minute before it.
 */
export class RateMeter {
  readonly #bucketMs: number;
  readonly #counts = new Float64Array(RATE_BUCKETS);
  /** The slot number (time / bucketMs) each bucket holds counts for. */
  readonly #slots = new Float64Array(RATE_BUCKETS).fill(-1);
  #activeSinceMs: number | undefined;
  #lastMs = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number) {
    this.#bucketMs = windowMs / RATE_BUCKETS;
  }

  record(count: number, nowMs: number): void {
    if (nowMs - this.#lastMs > this.#bucketMs * RATE_BUCKETS) this.#activeSinceMs = nowMs;
    this.#lastMs = nowMs;
    const slot = Math.floor(nowMs / this.#bucketMs);
    const i = slot % RATE_BUCKETS;
    if (this.#slots[i] !== slot) {
      this.#slots[i] = slot;
      this.#counts[i] = 0;
    }
    this.#counts[i]! += count;
  }

  perSecond(nowMs: number): number {
    if (this.#activeSinceMs === undefined) return 0;
    const current = Math.floor(nowMs / this.#bucketMs);
    let total = 0;
    for (let i = 0; i < RATE_BUCKETS; i++) {
      const slot = this.#slots[i]!;
      if (slot > current - RATE_BUCKETS && slot <= current) total += this.#counts[i]!;
    }
    if (!total) return 0;
    const windowMs = this.#bucketMs * RATE_BUCKETS;
    // At least one slot: a burst of a few milliseconds is not a rate of millions per second.
    const spanMs = Math.max(this.#bucketMs, Math.min(windowMs, nowMs - this.#activeSinceMs));
    return (total * 1000) / spanMs;
  }
}

/** The most recent failures, newest first, bounded. */
export class FailureLog {
  readonly #max: number;
  #entries: QueueFailure[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  record(failure: QueueFailure): void {
    // One entry per path: the newest failure replaces the older one.
    this.#entries = [failure, ...this.#entries.filter((f) => f.path !== failure.path)].slice(0, this.#max);
  }

  list(): readonly QueueFailure[] {
    return this.#entries;
  }
}
