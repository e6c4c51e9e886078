import { RagError } from '../errors.js';
import type { QueueLimits } from './types.js';

/** The queue's bounds: memory stays flat in a storm, and a failing file never blocks the rest. */
export const DEFAULT_QUEUE_LIMITS: QueueLimits = Object.freeze({
  /**
   * 256 paths per call of the sync worker: the indexer's default commit group (`commitFiles`),
   * so one batch is about one store commit — few table versions, bounded memory.
   */
  batchPaths: 256,
  /**
   * 50 ms to gather a batch: the watcher hands over its batches in one tick, so they are
   * grouped; a single save waits 50 ms more at most (it already waited the watcher's debounce).
   */
  batchDelayMs: 50,
  /**
   * 20,000 paths waiting (≈ 4 MB with better-queue's per-task bookkeeping). Past it, new paths
   * are not queued one by one: one walk of every source is queued instead, which stats each file
   * once — cheaper than 20,000 single looks, and memory stays flat however big the storm.
   */
  highWaterPaths: 20_000,
  /**
   * Retries of a failed batch after 1 s (a busy or locked store), 5 s (the embed worker being
   * restarted after a crash reloads the model) and 30 s (a disk being cleaned up, a slow
   * volume): transient causes pass within these, and a failing batch costs 4 tries in ~36 s.
   */
  retryDelaysMs: Object.freeze([1_000, 5_000, 30_000]),
  /**
   * 5 min before a path that failed every retry is tried again: a lasting cause (a file that
   * crashes the model, a full disk) costs one try per 5 min, not a busy loop, and is fixed
   * without a restart once the cause is gone. A new edit of the file retries it at once.
   */
  parkMs: 300_000,
  /** 50 failures listed in status: enough to see a pattern, small enough for one screen. */
  maxLastErrors: 50,
  /** 60 s window for the indexing rate: smooth across batches, yet follows a change of pace. */
  rateWindowMs: 60_000,
  /**
   * A save goes ahead of long work. A batch that has run 2 s (a first walk of a folder, a big
   * file's embedding: minutes on a CPU) is stopped when another path changes; that path runs in
   * a batch of its own, then the stopped work again, which keeps what it committed and the
   * vectors it embedded (`VectorReuse.carry`), so a stop costs it about one embed slice and
   * a re-read. Batches of a few notes take well under 2 s and are not stopped.
   */
  yieldAfterMs: 2_000,
  /**
   * 30 s at least between two such stops: a log written every second, or an editor's autosave,
   * would otherwise stop the long work before it ever got on. Work stopped before runs this
   * long (then twice, four times as long…) before it may stop again, so that even a re-read
   * longer than the window is not redone forever. A save waits 30 s at worst, more only behind
   * work that has already let saves go first several times.
   */
  yieldEveryMs: 30_000,
});

/** Defaults with overrides applied, checked once and frozen. */
export function resolveQueueLimits(overrides: Partial<QueueLimits> = {}): QueueLimits {
  const limits: QueueLimits = { ...DEFAULT_QUEUE_LIMITS, ...overrides };
  const { retryDelaysMs, ...numbers } = limits;
  for (const [name, value] of Object.entries(numbers)) {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new RagError('E_USAGE', `queue limit ${name} must be a positive integer, not ${String(value)}`);
  }
  if (retryDelaysMs.some((ms) => !Number.isSafeInteger(ms) || ms <= 0))
    throw new RagError('E_USAGE', 'queue limit retryDelaysMs must list positive integers');
  if (limits.batchPaths < 2)
    throw new RagError('E_USAGE', 'queue limit batchPaths must be at least 2 (a batch is an array of paths)');
  return Object.freeze({ ...limits, retryDelaysMs: Object.freeze([...retryDelaysMs]) });
}
