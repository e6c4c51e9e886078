import { backoffDelayMs } from './limits.js';
import type { EmbedWorkerLimits } from './types.js';

/** What a death of the child leads to. */
export type AfterDeath =
  | { kind: 'give-up'; startFailures: number }
  | { kind: 'restart'; failures: number; delayMs: number };

/**
 * The worker's restart bookkeeping: how long the current process has run since `ready`, deaths
 * in a row (the back-off grows with them and starts over after `healthyResetMs` of healthy
 * running), and deaths in a row before `ready` — a model that kills every process loading it
 * is given up after `maxStartFailures`, never restarted in a loop.
 */
export class RestartPolicy {
  readonly #limits: EmbedWorkerLimits;
  /** When the current process said `ready` (performance.now()); undefined before. */
  #readyAt: number | undefined;
  #failures = 0;
  #startFailures = 0;

  constructor(limits: EmbedWorkerLimits) {
    this.#limits = limits;
  }

  /** A new process was forked: not ready yet. */
  started(): void {
    this.#readyAt = undefined;
  }

  ready(): void {
    this.#readyAt = performance.now();
    this.#startFailures = 0;
  }

  /** A failed worker tries again (the model may have been fixed): loading gets its tries anew. */
  revive(): void {
    this.#startFailures = 0;
  }

  /** The current process died or was killed: give up on loading, or restart after a back-off. */
  died(): AfterDeath {
    const uptimeMs = this.#readyAt === undefined ? undefined : performance.now() - this.#readyAt;
    this.#readyAt = undefined;
    if (uptimeMs === undefined) {
      this.#startFailures += 1;
      if (this.#startFailures >= this.#limits.maxStartFailures)
        return { kind: 'give-up', startFailures: this.#startFailures };
    }
    this.#failures =
      uptimeMs !== undefined && uptimeMs >= this.#limits.healthyResetMs ? 1 : this.#failures + 1;
    return {
      kind: 'restart',
      failures: this.#failures,
      delayMs: backoffDelayMs(this.#failures, this.#limits),
    };
  }
}
