import type { EmbedOptions } from '../types.js';

export type Priority = NonNullable<EmbedOptions['priority']>;

/**
 * One `embed()` call: the caller's texts, the flat output its requests fill in the caller's
 * order, and its promise. It settles exactly once: when its last request lands, on the first
 * failure, or on abort; anything arriving after that is dropped.
 */
export class PendingCall {
  readonly texts: readonly string[];
  readonly priority: Priority;
  readonly out: Float32Array;
  readonly promise: Promise<Float32Array>;
  /** Numbers per text: the model's dimension, or 1 for late scores. */
  readonly dimension: number;
  /** Scores the texts against this query (`Embedder.lateScores`) instead of embedding them. */
  readonly late: string | undefined;
  #remaining: number;
  #isSettled = false;
  #resolve!: (vectors: Float32Array) => void;
  #reject!: (err: unknown) => void;
  #detach: (() => void) | undefined;
  readonly #onProgress: ((embedded: number) => void) | undefined;

  /** `onAbort` runs when `signal` aborts while the call is pending (the worker unqueues it). */
  constructor(
    texts: readonly string[],
    dimension: number,
    priority: Priority,
    signal: AbortSignal | undefined,
    onAbort: (call: PendingCall, reason: unknown) => void,
    onProgress?: (embedded: number) => void,
    late?: string,
  ) {
    this.texts = texts;
    this.late = late;
    this.#onProgress = onProgress;
    this.priority = priority;
    this.dimension = dimension;
    this.out = new Float32Array(texts.length * dimension);
    // Counted in rows, not requests: the worker may send several planned requests as one.
    this.#remaining = texts.length;
    this.promise = new Promise<Float32Array>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (signal) {
      const listener = (): void => onAbort(this, signal.reason);
      signal.addEventListener('abort', listener, { once: true });
      this.#detach = () => signal.removeEventListener('abort', listener);
    }
  }

  get isSettled(): boolean {
    return this.#isSettled;
  }

  /**
   * Copies one request's rows (`indices.length × dimension`, in `indices` order) into place;
   * the caller has checked the length.
   */
  fill(indices: readonly number[], vectors: Float32Array): void {
    if (this.#isSettled) return;
    const H = this.dimension;
    indices.forEach((textIndex, row) => {
      this.out.set(vectors.subarray(row * H, (row + 1) * H), textIndex * H);
    });
    this.#remaining -= indices.length;
    this.#onProgress?.(this.texts.length - this.#remaining);
    if (this.#remaining === 0) this.#settle(() => this.#resolve(this.out));
  }

  fail(err: unknown): void {
    this.#settle(() => this.#reject(err));
  }

  #settle(action: () => void): void {
    if (this.#isSettled) return;
    this.#isSettled = true;
    this.#detach?.();
    this.#detach = undefined;
    action();
  }
}
