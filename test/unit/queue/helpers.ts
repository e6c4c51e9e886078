import { EventEmitter } from 'node:events';
import { expect } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { IndexQueue } from '../../../src/queue/index-queue.js';
import type { QueueLimits, RescanRequest } from '../../../src/queue/types.js';

/** Fast retries and small batches, so every path of the queue is exercised in milliseconds. */
export const FAST: Partial<QueueLimits> = {
  batchPaths: 64,
  batchDelayMs: 5,
  retryDelaysMs: [40, 80, 120],
  parkMs: 300,
};

/** One call of a worker, as the queue made it. */
export interface Call {
  paths: readonly string[];
  /** The paths the queue asked to be read again whatever their stat says. */
  forced: readonly string[];
  atMs: number;
}

/**
 * Workers that record what they were given. `failWith(paths)` decides per call whether the
 * sync worker throws (and what); `hold` makes a call wait until released or aborted.
 */
export class Work {
  readonly calls: Call[] = [];
  readonly rescans: { request: RescanRequest; atMs: number }[] = [];
  readonly signals: AbortSignal[] = [];
  failWith: (paths: readonly string[], call: number) => Error | undefined = () => undefined;
  hold: Promise<void> | undefined;
  /** Which calls `hold` holds: every one by default. */
  holds: (paths: readonly string[]) => boolean = () => true;
  readonly #updates = new EventEmitter();

  readonly sync = async (
    paths: readonly string[],
    signal: AbortSignal,
    forced: ReadonlySet<string>,
  ): Promise<void> => {
    this.signals.push(signal);
    this.calls.push({ paths: [...paths], forced: [...forced].sort(), atMs: performance.now() });
    this.#updates.emit('update');
    if (this.hold && this.holds(paths)) {
      await Promise.race([
        this.hold,
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        ),
      ]);
    }
    const err = this.failWith(paths, this.calls.length);
    if (err) throw err;
  };

  readonly rescan = async (request: RescanRequest, signal: AbortSignal): Promise<void> => {
    this.signals.push(signal);
    this.rescans.push({ request, atMs: performance.now() });
    this.#updates.emit('update');
  };

  /** How many times the sync worker was given `path`. */
  count(path: string): number {
    return this.calls.reduce((n, c) => n + c.paths.filter((p) => p === path).length, 0);
  }

  /** Resolves when `condition` holds, checked after every call of a worker. */
  until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.#updates.off('update', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#updates.off('update', check);
        reject(new Error(`timed out waiting for ${what}; ${this.calls.length} calls`));
      }, timeoutMs);
      this.#updates.on('update', check);
    });
  }
}

export class QueueTest {
  readonly #queues: IndexQueue[] = [];

  make(work: Work, limits: Partial<QueueLimits> = {}): IndexQueue {
    const queue = new IndexQueue({
      sync: work.sync,
      rescan: work.rescan,
      logger: silentLogger(),
      limits: { ...FAST, ...limits },
    });
    this.#queues.push(queue);
    return queue;
  }

  async teardown(): Promise<void> {
    for (const queue of this.#queues) await queue.close();
    for (const queue of this.#queues) {
      const stats = queue.stats();
      expect(stats.state).toBe('closed');
      expect(stats.busy).toBe(false);
      expect(stats.depth).toBe(0);
      expect(stats.retrying + stats.parked).toBe(0);
    }
  }
}

export class CodedError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Polls an observable condition until it holds or the deadline passes. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves after `ms`: only to let time pass where the test asserts that nothing happens. */
export const elapse = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const paths = (n: number, dir = '/src') => Array.from({ length: n }, (_, i) => `${dir}/f${i}.md`);
