import type { EmbeddingProgress } from '../pipeline/types.js';

/** A pace measured over less than this is noise (a worker's first batch, a model warming up). */
const MIN_ELAPSED_MS = 2_000;

interface Mark {
  done: number;
  atMs: number;
}

/**
 * How fast the group being embedded goes, measured from the first progress seen for it: a big
 * file is thousands of chunks and minutes of work during which the queue's files-per-second
 * says nothing, so its own chunks-per-second tells how long it still takes.
 */
export class EmbeddingPace {
  #path: string | undefined;
  #first: Mark | undefined;
  #last: Mark | undefined;

  /** Called with each progress report (`undefined` once no group is being embedded). */
  note(progress: EmbeddingProgress | undefined, nowMs = Date.now()): void {
    if (!progress) {
      this.#path = this.#first = this.#last = undefined;
      return;
    }
    const mark = { done: progress.chunksDone, atMs: nowMs };
    if (this.#path !== progress.path || !this.#first || !this.#last || mark.done < this.#first.done) {
      // Another group, or this one started over.
      this.#path = progress.path;
      this.#first = this.#last = mark;
    } else if (mark.done !== this.#last.done) this.#last = mark;
  }

  /**
   * Seconds left for the group at its pace between the first and the latest report, less the
   * time since that report (progress comes a batch at a time: counted from now, the estimate
   * would climb between batches); `null` until it has moved for a while.
   */
  secondsLeft(progress: EmbeddingProgress, nowMs = Date.now()): number | null {
    const first = this.#first;
    const last = this.#last;
    if (!first || !last || this.#path !== progress.path) return null;
    const elapsed = last.atMs - first.atMs;
    const moved = last.done - first.done;
    if (elapsed < MIN_ELAPSED_MS || moved <= 0) return null;
    const left = ((progress.chunks - last.done) * elapsed) / moved - (nowMs - last.atMs);
    return Math.max(1, Math.round(left / 1000));
  }
}
