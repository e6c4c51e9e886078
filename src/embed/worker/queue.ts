import type { Batch } from '../batching.js';
import type { PendingCall, Priority } from './call.js';

/** One request to the child: the texts of one call that fit the token budget together. */
export interface Job {
  readonly call: PendingCall;
  /** Into `call.texts`; the child's rows come back in this order. */
  readonly indices: readonly number[];
  /** Rows × padded length: what the request costs the model, and what its deadline scales with. */
  readonly paddedTokens: number;
  /** When it was first queued (performance.now()). */
  readonly queuedAt: number;
  /** Times it was sent to a process that then died or hung. */
  attempts: number;
}

/**
 * One request per planned batch (`planBatches`: length-sorted, under the request token budget),
 * so each request is one forward pass in the child.
 */
export function jobsFor(call: PendingCall, batches: readonly Batch[]): Job[] {
  const queuedAt = performance.now();
  return batches.map((batch) => ({
    call,
    indices: batch.indices,
    paddedTokens: batch.indices.length * batch.seqLen,
    queuedAt,
    attempts: 0,
  }));
}

/**
 * Two lanes of requests: every query request goes out before any index request, so a search
 * waits at most for the one request already in flight. First in, first out within a lane.
 */
export class JobQueue {
  readonly #lanes: Record<Priority, Job[]> = { query: [], index: [] };

  get sizes(): Record<Priority, number> {
    return { query: this.#lanes.query.length, index: this.#lanes.index.length };
  }

  get isEmpty(): boolean {
    return this.#lanes.query.length === 0 && this.#lanes.index.length === 0;
  }

  push(jobs: readonly Job[]): void {
    for (const job of jobs) this.#lanes[job.call.priority].push(job);
  }

  /** A retried request goes back to the head of its lane: it was already the next in line. */
  pushFront(job: Job): void {
    this.#lanes[job.call.priority].unshift(job);
  }

  /**
   * The next request to send: queries first. An index request may take the following requests
   * of the same call along, up to `mergeTokens` padded tokens, as one bigger forward pass.
   */
  take(mergeTokens = 0): Job | undefined {
    const query = this.#lanes.query.shift();
    if (query) return query;
    const first = this.#lanes.index.shift();
    if (!first) return undefined;
    let merged = first;
    for (;;) {
      const next = this.#lanes.index[0];
      if (!next || next.call !== first.call || next.attempts || merged.attempts) break;
      if (merged.paddedTokens + next.paddedTokens > mergeTokens) break;
      this.#lanes.index.shift();
      merged = {
        ...merged,
        indices: [...merged.indices, ...next.indices],
        paddedTokens: merged.paddedTokens + next.paddedTokens,
      };
    }
    return merged;
  }

  /** Drops every queued request of `call`; returns how many there were. */
  removeCall(call: PendingCall): number {
    const lane = this.#lanes[call.priority];
    const kept = lane.filter((job) => job.call !== call);
    const removed = lane.length - kept.length;
    this.#lanes[call.priority] = kept;
    return removed;
  }

  /** Empties both lanes (or one) and returns what was in them. */
  drain(lane?: Priority): Job[] {
    const lanes: Priority[] = lane ? [lane] : ['query', 'index'];
    const jobs = lanes.flatMap((l) => this.#lanes[l]);
    for (const l of lanes) this.#lanes[l] = [];
    return jobs;
  }
}
