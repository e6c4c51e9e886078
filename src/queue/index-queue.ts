import { existsSync } from 'node:fs';
import BetterQueue from 'better-queue';
import { runInBackground } from '../background.js';
import { errnoCode, errorMessage, RagError } from '../errors.js';
import type { Logger } from '../log.js';
import { isInside } from '../paths.js';
import { resolveQueueLimits } from './limits.js';
import { FailureLog, RateMeter } from './stats.js';
import type { IndexQueueOptions, QueueLimits, QueueStats, RescanWorker, SyncWorker } from './types.js';

interface PathTask {
  readonly id: string;
  readonly kind: 'path';
  readonly path: string;
  /** Failed tries so far. */
  readonly attempt: number;
  /** Times its batch was stopped for a newer change (`#yieldTo`). */
  readonly yields?: number;
}

interface RescanTask {
  readonly id: string;
  readonly kind: 'rescan';
  readonly within: string | undefined;
  readonly reason: string;
  readonly attempt: number;
  readonly yields?: number;
}

type Task = PathTask | RescanTask;

/** The batch the workers are running. */
interface InFlight {
  controller: AbortController;
  tasks: readonly Task[];
  /** Its path tasks' paths (a big file's embedding can take minutes: `#isBeingIndexed`). */
  paths: ReadonlySet<string>;
  rescans: number;
  done: Promise<void>;
  /** Interrupted (`#interrupt`): its tasks are queued again once it has stopped. */
  again?: boolean;
  /** Stopped for a newer change (`#yieldTo`): that change's batch runs before its tasks do. */
  yielded?: boolean;
  readonly startedMs: number;
  /** How long it runs before a newer change may stop it (`#yieldTo`). */
  readonly yieldAfterMs: number;
  /** A change came too soon to stop it: it looks again once it may (`#yieldTo`). */
  yieldTimer?: NodeJS.Timeout;
}

/** A task waiting on a timer after a failure: `parked` once every retry failed. */
interface Waiting {
  readonly task: Task;
  readonly parked: boolean;
}

const pathKey = (path: string) => `path:${path}`;
/** One key per folder, `*` for every source: requests for the same folder merge. */
const rescanKey = (within: string | undefined) => `rescan:${within ?? '*'}`;

/**
 * The daemon's work queue, over better-queue: one entry per path (a newer event merges into the
 * queued one by id), batches handed to the sync worker, rescans (folder walks) queued beside
 * paths under one key per folder. A failed batch is split to find the path at fault; what still
 * fails is retried with back-off, then listed in `lastErrors` and tried again after `parkMs`.
 * Past `highWaterPaths` waiting, paths are no longer queued one by one: one walk of everything
 * is queued instead. `close()` aborts the batch in flight through its `AbortSignal`.
 */
export class IndexQueue {
  readonly limits: QueueLimits;
  readonly #sync: SyncWorker;
  readonly #rescan: RescanWorker;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #bq: BetterQueue<Task>;
  /**
   * Keys pushed to better-queue and not yet started: depth, dedupe and the high-water mark are
   * decided here, synchronously (better-queue writes its tasks later, on timers).
   */
  readonly #queued = new Map<string, Task['kind']>();
  #queuedPaths = 0;
  readonly #waiting = new Map<string, Waiting>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #inFlight: InFlight | undefined;
  /** The tasks of a batch that yielded: queued once the batch of the change it yielded to has started. */
  #deferred: Task[] = [];
  #lastYieldMs = Number.NEGATIVE_INFINITY;
  /** Paths asked to be read again whatever their stat says, until their batch runs. */
  readonly #forced = new Set<string>();
  /** A walk of everything is queued because of the high-water mark: new paths are covered by it. */
  #isCollapsed = false;
  #isPaused = false;
  #closing: Promise<void> | undefined;
  readonly #drainWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  readonly #rate: RateMeter;
  readonly #failures: FailureLog;
  #processed = 0;
  #collapsed = 0;

  constructor(options: IndexQueueOptions) {
    this.limits = resolveQueueLimits(options.limits);
    this.#sync = options.sync;
    this.#rescan = options.rescan;
    this.#log = options.logger.child({ component: 'queue' });
    this.#now = options.now ?? (() => performance.now());
    this.#rate = new RateMeter(this.limits.rateWindowMs);
    this.#failures = new FailureLog(this.limits.maxLastErrors);
    this.#bq = new BetterQueue<Task>({
      process: (batch: unknown, done) => this.#process(batch as Task | Task[], done),
      id: 'id',
      // The store's own guarantee of one entry per key (see #enqueue): newer replaces older,
      // keeping the count of failed tries, so a file that keeps failing is still parked.
      merge: (older, newer, cb) =>
        cb(null, {
          ...newer,
          attempt: Math.max(older.attempt, newer.attempt),
          yields: Math.max(older.yields ?? 0, newer.yields ?? 0),
        }),
      batchSize: this.limits.batchPaths,
      batchDelay: this.limits.batchDelayMs,
      // One batch at a time: the store has one writer and the model one worker, so a second
      // batch would only wait for them, and two commits of one table would conflict.
      concurrent: 1,
      // Oldest first: a file changed long ago is not starved by a stream of newer changes.
      filo: false,
      // Retries are ours (back-off, bisection, parking); better-queue's are one fixed delay.
      maxRetries: 0,
    });
    this.#bq.on('error', (err: unknown) => this.#log.error({ err }, 'better-queue error'));
    this.#bq.on('task_failed', (id: unknown, message: unknown) =>
      this.#log.error({ id, message }, 'a batch failed outside the retry logic'),
    );
  }

  /**
   * Paths that may have changed. Cheap: merging and batching happen later. `force`: read them
   * again however their size and time look (`ragctl reindex <file>`).
   */
  add(paths: Iterable<string>, options: { force?: boolean } = {}): void {
    if (this.#closing) return;
    for (const path of paths) {
      if (options.force) this.#forced.add(path);
      const key = pathKey(path);
      const waiting = this.#waiting.get(key);
      // Its retry comes within seconds and reads the file as it is then.
      if (waiting && !waiting.parked) continue;
      if (this.#isCollapsed) {
        this.#collapsed++;
        continue;
      }
      if (!this.#queued.has(key) && this.#queuedPaths + this.#waiting.size >= this.limits.highWaterPaths) {
        this.#collapse();
        this.#collapsed++;
        continue;
      }
      // A parked path that changed again is tried at once: the edit may have fixed it.
      if (waiting) this.#waiting.delete(key);
      this.#enqueue({ id: key, kind: 'path', path, attempt: 0 });
      if (!this.#isBeingIndexed(path)) this.#yieldTo(path);
      else if (!existsSync(path)) this.#interrupt(`${path}, which it was indexing, was deleted`);
    }
  }

  /**
   * Lets a newly changed path go ahead of long work: the batch in flight, once it has run
   * `yieldAfterMs`, is stopped and queued again behind it — at most once per `yieldEveryMs`,
   * and work stopped before must run `yieldEveryMs` doubled with each stop before it stops
   * again: a re-read of a big file that takes longer than the window still gets on.
   * A person who saves a note during a first index or a big file's embedding finds it in
   * seconds, not when that work ends.
   */
  #yieldTo(path: string): void {
    const inFlight = this.#inFlight;
    if (!inFlight || this.#isPaused || inFlight.again || inFlight.controller.signal.aborted) return;
    const now = this.#now();
    const at = Math.max(
      inFlight.startedMs + inFlight.yieldAfterMs,
      this.#lastYieldMs + this.limits.yieldEveryMs,
    );
    if (now < at) {
      // Too soon: looked at again when it may stop, if the change is still waiting then (a save
      // a second into a first index must not wait for all of it).
      if (inFlight.yieldTimer) return;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        inFlight.yieldTimer = undefined;
        if (this.#inFlight === inFlight && this.#queued.has(pathKey(path))) this.#yieldTo(path);
      }, at - now);
      timer.unref();
      this.#timers.add(timer);
      inFlight.yieldTimer = timer;
      return;
    }
    this.#lastYieldMs = now;
    inFlight.yielded = true;
    this.#interrupt(`${path} changed and goes first`);
  }

  /** Whether the batch in flight holds this path. */
  #isBeingIndexed(path: string): boolean {
    return this.#inFlight?.paths.has(path) === true;
  }

  /**
   * Stops the batch in flight (its worker sees the signal; what it committed stays) and queues
   * its tasks again: a pause must stop the CPU now, not after minutes of a big file's embedding,
   * and a file deleted while it was embedded must not hold every other change back until then.
   * Not for an edit: a file saved every few seconds would then never finish.
   */
  #interrupt(why: string): void {
    const inFlight = this.#inFlight;
    if (!inFlight || inFlight.again || inFlight.controller.signal.aborted) return;
    inFlight.again = true;
    this.#log.info({ why }, 'stopping the batch in flight; its paths are queued again');
    inFlight.controller.abort(new RagError('E_ABORTED', `indexing stopped: ${why}`));
  }

  /**
   * Queues a walk of a folder, or of every source without `within`; requests for one folder
   * merge. `reason` is for the log (the watcher's `RescanRequest.reason`).
   */
  rescan(within?: string, reason = 'requested'): void {
    if (this.#closing) return;
    const key = rescanKey(within);
    if (this.#queued.has(rescanKey(undefined))) return; // a walk of everything covers it
    if (this.#waiting.get(key)?.parked === false) return;
    this.#waiting.delete(key);
    this.#enqueue({ id: key, kind: 'rescan', within, reason, attempt: 0 });
  }

  /** Stops taking batches and the one in flight (queued again); events still queue (merged). */
  pause(): void {
    if (this.#closing || this.#isPaused) return;
    this.#isPaused = true;
    this.#bq.pause();
    this.#log.info('paused');
    this.#interrupt('paused');
    for (const task of this.#deferred.splice(0)) this.#enqueue(task);
  }

  resume(): void {
    if (this.#closing || !this.#isPaused) return;
    this.#isPaused = false;
    this.#bq.resume();
    this.#log.info('resumed');
  }

  get paused(): boolean {
    return this.#isPaused;
  }

  /**
   * Resolves when nothing is queued, in flight or waiting for a back-off retry (paths parked
   * for minutes do not hold it). While paused it waits for resume. Rejects with `E_ABORTED` if
   * the queue closes first.
   */
  drain(): Promise<void> {
    if (this.#closing) return Promise.reject(closedError());
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  stats(): QueueStats {
    let retrying = 0;
    let parked = 0;
    for (const w of this.#waiting.values()) {
      if (w.parked) parked++;
      else retrying++;
    }
    const deferredPaths = this.#deferred.filter((t) => t.kind === 'path').length;
    const paths = this.#queuedPaths + (this.#inFlight?.paths.size ?? 0) + deferredPaths;
    const rescansQueued = this.#queued.size - this.#queuedPaths + this.#deferred.length - deferredPaths;
    const rate = this.#rate.perSecond(this.#now());
    const backlog = paths + retrying;
    return {
      state: this.#closing ? 'closed' : this.#isPaused ? 'paused' : this.#isIdle() ? 'idle' : 'busy',
      busy: this.#inFlight !== undefined,
      depth: paths + rescansQueued + (this.#inFlight?.rescans ?? 0),
      rescansQueued,
      retrying,
      parked,
      rate,
      etaSeconds: backlog && rate ? backlog / rate : null,
      processed: this.#processed,
      collapsed: this.#collapsed,
      lastErrors: this.#failures.list(),
    };
  }

  /**
   * Idempotent. Aborts the batch in flight (its worker sees the signal) and waits for it to
   * return, drops what is queued (the next start reconciles), and stops every timer.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#waiting.clear();
    this.#bq.pause();
    const inFlight = this.#inFlight;
    if (inFlight) {
      inFlight.controller.abort(new RagError('E_ABORTED', 'the index queue is closing'));
      await inFlight.done;
    }
    await new Promise<void>((resolve) => this.#bq.destroy(() => resolve()));
    const abandoned = this.#queued.size + this.#deferred.length;
    this.#queued.clear();
    this.#deferred = [];
    this.#queuedPaths = 0;
    for (const waiter of this.#drainWaiters.splice(0)) waiter.reject(closedError());
    this.#log.info({ abandoned, interrupted: inFlight !== undefined }, 'queue closed');
  }

  /**
   * One entry per key: a key already waiting is not pushed again, since that entry will look at
   * the path when its turn comes and so covers the newer event. Leaving the merge to better-queue
   * alone would race: it writes pushes on a timer, so a batch can take the waiting entry while the
   * merge is still on its way, and the merge then lands as a second entry this count never saw.
   * better-queue's `id`/`merge` stay the store's own guarantee of one entry per key.
   */
  #enqueue(task: Task): void {
    if (this.#queued.has(task.id)) return;
    this.#queued.set(task.id, task.kind);
    if (task.kind === 'path') this.#queuedPaths++;
    this.#bq.push(task);
  }

  #collapse(): void {
    if (this.#isCollapsed) return;
    this.#isCollapsed = true;
    this.#log.warn(
      { highWaterPaths: this.limits.highWaterPaths },
      'more changes waiting than the high-water mark: every source will be walked once instead',
    );
    this.#enqueue({
      id: rescanKey(undefined),
      kind: 'rescan',
      within: undefined,
      reason: 'queue-full',
      attempt: 0,
    });
  }

  #process(batch: Task | Task[], done: (err?: unknown) => void): void {
    const tasks = Array.isArray(batch) ? batch : [batch];
    const controller = new AbortController();
    const paths = new Set(tasks.flatMap((t) => (t.kind === 'path' ? [t.path] : [])));
    const run = this.#runBatch(tasks, controller.signal);
    const inFlight: InFlight = {
      controller,
      tasks,
      paths,
      rescans: tasks.length - paths.size,
      done: run.then(noop, noop),
      startedMs: this.#now(),
      yieldAfterMs: yieldAfter(this.limits, Math.max(...tasks.map((t) => t.yields ?? 0))),
    };
    this.#inFlight = inFlight;
    // The work this batch's change went ahead of: behind it now, before anything queued later.
    for (const task of this.#deferred.splice(0)) this.#enqueue(task);
    runInBackground(this.#log, 'finishing an index batch', async () => {
      let failure: unknown;
      try {
        await run;
      } catch (err) {
        failure = err;
        this.#log.error({ err }, 'batch failed unexpectedly');
      }
      this.#inFlight = undefined;
      if (inFlight.yieldTimer) {
        clearTimeout(inFlight.yieldTimer);
        this.#timers.delete(inFlight.yieldTimer);
      }
      // Interrupted, not closed: its work is still to do (what it committed is skipped then).
      // Having yielded, it waits for the next batch to start, so that batch is the change alone.
      if (inFlight.again && !this.#closing) {
        const yields = (task: Task) => (task.yields ?? 0) + (inFlight.yielded ? 1 : 0);
        const again = tasks.map((task) => ({ ...task, attempt: 0, yields: yields(task) }));
        if (inFlight.yielded && this.#queued.size && !this.#isPaused) this.#deferred.push(...again);
        else for (const task of again) this.#enqueue(task);
      }
      this.#settle();
      done(failure);
    });
  }

  async #runBatch(tasks: Task[], signal: AbortSignal): Promise<void> {
    for (const task of tasks) {
      if (this.#queued.delete(task.id) && task.kind === 'path') this.#queuedPaths--;
    }
    const rescans = outermost(tasks.filter((t): t is RescanTask => t.kind === 'rescan'));
    // From here on the walk of everything is running: paths pushed now may be behind it.
    if (rescans.some((r) => r.within === undefined)) this.#isCollapsed = false;
    const paths: PathTask[] = [];
    for (const task of tasks) {
      if (task.kind !== 'path') continue;
      // A walk in this batch covers the path: it runs now, after the event, so it sees the change
      // (not one asked to be read again whatever its stat says: a walk goes by the stat).
      const covered = rescans.some((r) => r.within === undefined || isInside(task.path, r.within));
      if (covered && !this.#forced.has(task.path)) this.#processed++;
      else paths.push(task);
    }
    // The paths first: a file or a few each, where a walk can be minutes of work (a folder's
    // first index), and a note saved meanwhile must not wait for it. None lies in a walk of
    // this batch, unless asked to be read again, which the walk then finds done.
    if (paths.length && !signal.aborted) {
      const err = await this.#trySync(paths, signal);
      if (err !== undefined) await this.#isolate(paths, err, signal);
    }
    for (const task of rescans) {
      if (signal.aborted) return;
      await this.#runRescan(task, signal);
    }
  }

  async #runRescan(task: RescanTask, signal: AbortSignal): Promise<void> {
    try {
      const request =
        task.within === undefined ? { reason: task.reason } : { within: task.within, reason: task.reason };
      await this.#rescan(request, signal);
    } catch (err) {
      if (!signal.aborted) this.#retryLater([task], err);
    }
  }

  /** Runs the sync worker; returns what it threw, or undefined when it succeeded. */
  async #trySync(tasks: readonly PathTask[], signal: AbortSignal): Promise<unknown> {
    const forced = new Set(tasks.map((t) => t.path).filter((p) => this.#forced.has(p)));
    try {
      await this.#sync(
        tasks.map((t) => t.path),
        signal,
        forced,
      );
      for (const path of forced) this.#forced.delete(path);
    } catch (err) {
      return err ?? new Error('the sync worker threw without a reason');
    }
    // Aborted, the worker may have stopped early and returned: that is not "indexed".
    if (signal.aborted) return undefined;
    this.#processed += tasks.length;
    this.#rate.record(tasks.length, this.#now());
    return undefined;
  }

  /**
   * A batch failed. Split it in halves and try each: a half that succeeds is done, a half that
   * fails alone is split again, down to the one path at fault — ~2·log2(n) calls for one bad file
   * in n. When both halves fail, the cause is likely not one path (the store, the model), so the
   * whole group waits for the back-off instead of being split into n failing calls.
   */
  async #isolate(tasks: readonly PathTask[], err: unknown, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (tasks.length === 1) {
      this.#retryLater(tasks, err);
      return;
    }
    const middle = Math.ceil(tasks.length / 2);
    const halves = [tasks.slice(0, middle), tasks.slice(middle)] as const;
    const first = await this.#trySync(halves[0], signal);
    if (signal.aborted) return;
    const second = await this.#trySync(halves[1], signal);
    if (signal.aborted) return;
    if (first !== undefined && second !== undefined) {
      this.#retryLater(tasks, first);
      return;
    }
    if (first !== undefined) await this.#isolate(halves[0], first, signal);
    if (second !== undefined) await this.#isolate(halves[1], second, signal);
  }

  /** Queues the tasks again after the next back-off delay, or parks them once retries are spent. */
  #retryLater(tasks: readonly Task[], err: unknown): void {
    if (this.#closing) return;
    const attempt = Math.max(...tasks.map((t) => t.attempt)) + 1;
    const delays = this.limits.retryDelaysMs;
    const parked = attempt > delays.length;
    const code = errnoCode(err) ?? 'E_INTERNAL';
    const message = errorMessage(err);
    if (parked) {
      const atMs = Date.now();
      for (const task of tasks)
        this.#failures.record({ path: failurePath(task), code, message, atMs, attempts: attempt });
      this.#log.warn(
        { code, message, paths: tasks.length, first: failurePath(tasks[0]!), retryInMs: this.limits.parkMs },
        'indexing failed after every retry; trying again later',
      );
    } else {
      this.#log.info({ code, message, paths: tasks.length, attempt }, 'indexing failed; retrying');
    }
    const next = tasks.map((t) => ({ ...t, attempt: parked ? 0 : attempt }));
    for (const task of next) this.#waiting.set(task.id, { task, parked });
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        for (const task of next) {
          // Skipped when superseded: a new event took the path, or a newer failure re-timed it.
          if (this.#waiting.get(task.id)?.task !== task) continue;
          this.#waiting.delete(task.id);
          this.#enqueue(task);
        }
        this.#settle();
      },
      parked ? this.limits.parkMs : delays[attempt - 1],
    );
    // A parked retry is minutes away and must not keep a process alive by itself.
    if (parked) timer.unref();
    this.#timers.add(timer);
  }

  #isIdle(): boolean {
    if (this.#queued.size || this.#inFlight || this.#deferred.length) return false;
    for (const w of this.#waiting.values()) if (!w.parked) return false;
    return true;
  }

  /** Wakes drain() waiters once idle (when closing, close() rejects them instead). */
  #settle(): void {
    if (this.#closing || !this.#drainWaiters.length || !this.#isIdle()) return;
    for (const waiter of this.#drainWaiters.splice(0)) waiter.resolve();
  }
}

/** How long a batch runs before it may yield: longer for work that already yielded `yields` times. */
function yieldAfter(limits: QueueLimits, yields: number): number {
  return yields === 0 ? limits.yieldAfterMs : limits.yieldEveryMs * 2 ** Math.min(yields - 1, 10);
}

/** The walks to run: one of everything replaces the rest; otherwise the outermost folders. */
function outermost(rescans: RescanTask[]): RescanTask[] {
  const all = rescans.find((r) => r.within === undefined);
  if (all) return [all];
  return rescans.filter((r) => !rescans.some((o) => o !== r && isInside(r.within!, o.within!)));
}

function failurePath(task: Task): string {
  return task.kind === 'path' ? task.path : (task.within ?? '*');
}

function closedError(): RagError {
  return new RagError('E_ABORTED', 'the index queue was closed');
}

function noop(): void {}
