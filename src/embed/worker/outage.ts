import type { RagError } from '../../errors.js';
import { backoffDelayMs } from './limits.js';
import type { EmbedWorkerLimits, EmbedWorkerStats } from './types.js';

/**
 * A remote embedding server that cannot be used now (the child answered `E_EMBED_UNAVAILABLE`:
 * down, overloaded past its retries, refusing the key). The process is fine, so nothing is
 * restarted; instead the worker holds index requests (they wait at the head of their lane, so
 * the index queue's batch waits rather than failing file after file) and fails searches at once
 * (they fall back to text). One request goes out as a probe after a back-off — 0.5 s, 1 s, 2 s …
 * at most `backoffMaxMs` — and the first answer with vectors ends the outage.
 */
export class Outage {
  #error: RagError | undefined;
  #sinceMs = 0;
  #failures = 0;
  #probeAt = 0;
  /** When the last refusal that counted was noted. */
  #notedAt = Number.NEGATIVE_INFINITY;
  #probeTimer: NodeJS.Timeout | undefined;

  /** The last refusal while the outage lasts; undefined when the server answers. */
  get error(): RagError | undefined {
    return this.#error;
  }

  /** Wall-clock start of the outage, for `status`. */
  get sinceMs(): number {
    return this.#sinceMs;
  }

  /** The outage as `stats().unavailable` reports it; null when the server answers. */
  get status(): EmbedWorkerStats['unavailable'] {
    if (!this.#error) return null;
    return { reason: this.#error.message, fix: this.#error.fix ?? null, sinceMs: this.#sinceMs };
  }

  /**
   * Records a refusal of a request sent at `sentAt` (performance.now()); true when it starts an
   * outage. Returns with the next probe scheduled. Requests that were already in flight together
   * when the last refusal came fail for the same reason: they do not lengthen the back-off.
   */
  note(error: RagError, limits: EmbedWorkerLimits, sentAt: number): boolean {
    const starts = this.#error === undefined;
    if (starts) this.#sinceMs = Date.now();
    this.#error = error;
    if (!starts && sentAt < this.#notedAt) return false;
    this.#notedAt = performance.now();
    this.#failures += 1;
    this.#probeAt = this.#notedAt + backoffDelayMs(this.#failures, limits);
    return starts;
  }

  /** The server answered: returns the outage that ended, if there was one. */
  clear(): RagError | undefined {
    const was = this.#error;
    this.#error = undefined;
    this.#failures = 0;
    return was;
  }

  /** Milliseconds until the next probe may go out (0: now); undefined when there is no outage. */
  msUntilProbe(): number | undefined {
    if (!this.#error) return undefined;
    return Math.max(0, this.#probeAt - performance.now());
  }

  /**
   * True while the server is unusable and no probe is due: nothing may be sent. `onProbeDue`
   * then runs once when one is (a single timer however often this is asked).
   */
  holds(onProbeDue: () => void): boolean {
    const waitMs = this.msUntilProbe();
    if (waitMs === undefined || waitMs === 0) return false;
    this.#probeTimer ??= setTimeout(() => {
      this.#probeTimer = undefined;
      onProbeDue();
    }, waitMs);
    return true;
  }

  /** Stops a pending probe timer (the worker closes). */
  stop(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }
}
