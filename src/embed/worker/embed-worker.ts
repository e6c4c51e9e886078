import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { RagError } from '../../errors.js';
import type { Logger, LogLevel } from '../../log.js';
import { planBatches } from '../batching.js';
import type { Embedder, EmbedderRuntime, EmbedOptions, TokenEncoder } from '../types.js';
import { PendingCall } from './call.js';
import { ChildEnvironment } from './child-env.js';
import { InFlightRequests } from './in-flight.js';
import { requestDeadlineMs, resolveWorkerLimits } from './limits.js';
import { Outage } from './outage.js';
import { type ChildMessage, WORKER_PROTOCOL_VERSION } from './protocol.js';
import { type Job, JobQueue, jobsFor } from './queue.js';
import { RestartPolicy } from './restart-policy.js';
import { defaultEntry, type HostedEmbedder, parentModel, slotsOf } from './setup.js';
import { countTokens } from './token-counts.js';
import type {
  EmbedWorkerEvents,
  EmbedWorkerLimits,
  EmbedWorkerOptions,
  EmbedWorkerStats,
  ExitReason,
  WorkerState,
} from './types.js';
import {
  abortedError,
  closedError,
  invalidMessageError,
  modelChangedError,
  quarantineError,
  reportedError,
  startFailuresError,
  wrongSizeError,
} from './worker-errors.js';
import { describeExit, type ProcessExit, WorkerProcess } from './worker-process.js';

/**
 * The daemon's embedder: the MLX model runs in one supervised child process, so a native crash
 * or hang in it never takes the daemon (and its socket) down, and inference never blocks the
 * daemon's event loop.
 *
 * - The model is checked here without loading it (MlxEmbedder's cheap constructor), so
 *   `modelId`, `dimension`, `maxTokens` and the tokenizer are known before the child starts.
 * - `embed()` splits its texts into requests of `requestTokens` padded tokens; query requests
 *   go out before any index request. The child runs one at a time, or as many as the embedder's
 *   `maxInFlight` (a remote server), so a search waits for at most one request per slot.
 *   Results are stitched into one Float32Array in the caller's order.
 * - A child that dies or hangs (no answer by the request's deadline: it is SIGKILLed) is
 *   replaced after a back-off and its request retried, up to `maxAttempts` tries; a request
 *   that kills every child is failed with E_EMBED (quarantined) and the rest go on. Queued
 *   requests survive restarts. A model that does not load puts the worker in `failed`.
 */
export class EmbedWorker extends EventEmitter<EmbedWorkerEvents> implements Embedder {
  readonly modelId: string;
  readonly dimension: number;
  readonly name: string;
  readonly limits: EmbedWorkerLimits;
  /** Parent-side model check, ids and tokenizer. Its weights are never loaded in this process. */
  readonly #model: HostedEmbedder;
  readonly #config: EmbedWorkerOptions['config'];
  readonly #log: Logger;
  readonly #env: NodeJS.ProcessEnv;
  readonly #entry: string;
  readonly #requestTokens: number;
  /** Requests kept in flight at once: the embedder's `maxInFlight`, 1 for a local backend. */
  readonly #slots: number;
  /** When the last query arrived (performance.now()); far in the past before the first one. */
  #lastQueryAt = Number.NEGATIVE_INFINITY;
  readonly #queue = new JobQueue();
  #state: WorkerState = 'idle';
  #process: WorkerProcess | undefined;
  readonly #inFlight = new InFlightRequests();
  #loadTimer: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  readonly #restartPolicy: RestartPolicy;
  #failure: { error: RagError; at: number } | undefined;
  #restarts = 0;
  #quarantined = 0;
  #lastError: string | null = null;
  #rssBytes: number | null = null;
  #runtime: EmbedderRuntime | undefined;
  #startWaiters: Array<{ resolve(): void; reject(err: unknown): void }> = [];
  /** Processes given up on (a fatal error): close() awaits their end too. */
  readonly #retired = new Set<WorkerProcess>();
  #closing: Promise<void> | undefined;
  readonly #childEnv: ChildEnvironment;
  /** A remote server that cannot be used now: index requests wait, searches fail at once (outage.ts). */
  readonly #outage = new Outage();

  /** Checks the model (throws ModelError / ConfigError now, not in the child); starts nothing. */
  constructor(options: EmbedWorkerOptions) {
    super();
    this.name = options.name ?? 'default';
    this.#config = options.config;
    this.#log = options.logger.child({ component: 'embed-worker', embedder: this.name });
    this.#env = options.env ?? process.env;
    this.limits = resolveWorkerLimits(options.limits);
    this.#restartPolicy = new RestartPolicy(this.limits);
    this.#model = parentModel(options.config, this.name, this.#env, this.#log);
    this.modelId = this.#model.modelId;
    this.dimension = this.#model.dimension;
    this.#requestTokens = Math.min(this.limits.requestTokens, options.config.batchTokens);
    this.#slots = slotsOf(this.#model, options.config.type);
    this.#childEnv = new ChildEnvironment(this.#model, this.#env, this.#log);
    if (this.#model.lateScores) this.lateScores = (query, texts, o = {}) => this.#call(texts, o, query);
    this.#entry = options.entry ?? defaultEntry();
    if (!existsSync(this.#entry)) {
      throw new RagError('E_EMBED', `the embed worker's program ${this.#entry} is missing`, {
        fix: 'build ragctl (npm run build)',
      });
    }
  }

  get maxTokens(): number {
    return this.#model.maxTokens;
  }

  get tokenizer(): TokenEncoder {
    return this.#model.tokenizer;
  }

  /** What runs the model in the child, once it said `ready` (its backend and load-time choices). */
  get runtime(): EmbedderRuntime | undefined {
    return this.#runtime;
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** The model process, while there is one. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  stats(): EmbedWorkerStats {
    return {
      state: this.#state,
      pid: this.pid,
      queued: this.#queue.sizes,
      restarts: this.#restarts,
      quarantined: this.#quarantined,
      lastError: this.#lastError,
      rssBytes: this.#rssBytes,
      unavailable: this.#outage.status,
    };
  }

  /** Starts the process now (otherwise the first `embed()` does) and resolves once the model is loaded. */
  start(): Promise<void> {
    if (this.#closing) return Promise.reject(closedError());
    this.#reviveIfDue();
    if (this.#failure) return Promise.reject(this.#failure.error);
    if (this.#state === 'ready' || this.#state === 'busy') return Promise.resolve();
    const waiting = new Promise<void>((resolve, reject) => this.#startWaiters.push({ resolve, reject }));
    if (this.#state === 'idle') this.#spawn();
    return waiting;
  }

  embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array> {
    return this.#call(texts, options, undefined);
  }

  /**
   * Late-interaction scores, computed in the child like vectors (`Embedder.lateScores`): present
   * only where the model's backend has token vectors.
   */
  readonly lateScores?: (
    query: string,
    texts: readonly string[],
    options?: EmbedOptions,
  ) => Promise<Float32Array>;

  /** Vectors of `texts`, or with `late` their scores against that query, through the lanes. */
  async #call(
    texts: readonly string[],
    options: EmbedOptions,
    late: string | undefined,
  ): Promise<Float32Array> {
    this.#assertAccepting(options.signal);
    if (texts.length === 0) return new Float32Array(0);
    if (options.priority === 'query') this.#lastQueryAt = performance.now();
    const counts = await countTokens(this.#model.tokenizer, texts);
    this.#assertAccepting(options.signal); // Counting yielded: things may have changed.
    const batches = planBatches(counts, this.#requestTokens, this.maxTokens);
    const call = new PendingCall(
      texts,
      late === undefined ? this.dimension : 1,
      options.priority ?? 'index',
      options.signal,
      (aborted, reason) => this.#failCall(aborted, abortedError(reason)),
      options.onProgress,
      late,
    );
    this.#queue.push(jobsFor(call, batches));
    if (this.#state === 'idle') this.#spawn();
    this.#pump();
    return call.promise;
  }

  /** Throws why a call cannot be taken now: closed, aborted, or a model that does not load. */
  #assertAccepting(signal: AbortSignal | undefined): void {
    if (this.#closing) throw closedError();
    if (signal?.aborted) throw abortedError(signal.reason);
    this.#reviveIfDue();
    if (this.#failure) throw this.#failure.error;
  }

  /** Idempotent: fails pending calls with E_ABORTED, stops the process (SIGKILL after a grace period) and awaits its end. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#outage.stop();
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#loadTimer);
    this.#failEverything(closedError());
    const proc = this.#process;
    this.#process = undefined;
    this.#setState('closed');
    const ends = [...this.#retired].map((p) => p.reported);
    if (proc) ends.push(proc.stop(this.limits.closeGraceMs).then(() => proc.reported));
    const preparing = this.#childEnv.preparing;
    if (preparing) ends.push(preparing);
    await Promise.all(ends);
    await this.#model.close();
  }

  /** Forks the child; the first time, once the model has said what environment it wants. */
  #spawn(): WorkerProcess | undefined {
    const env = this.#childEnv.env;
    if (!env) {
      // MLX measures OpenBLAS's kernels the first time: seconds, still `starting`. A close or a
      // fatal error meanwhile wins.
      this.#setState('starting');
      this.#childEnv.prepare(() => {
        if (this.#state === 'starting' && !this.#closing && !this.#process) this.#spawn();
      });
      return undefined;
    }
    const proc: WorkerProcess = new WorkerProcess({
      entry: this.#entry,
      env,
      niceness: this.limits.niceness,
      logger: this.#log,
      onMessage: (message) => this.#onMessage(proc, message),
      onInvalid: (reason) => this.#onInvalid(proc, reason),
      onExit: (exit) => this.#onExit(proc, exit),
    });
    this.#process = proc;
    this.#restartPolicy.started();
    this.#setState('starting');
    proc.send({
      v: WORKER_PROTOCOL_VERSION,
      type: 'init',
      config: this.#config,
      name: this.name,
      logLevel: this.#log.level as LogLevel,
    });
    const loadMs = this.limits.loadTimeoutMs;
    this.#loadTimer = setTimeout(
      () => this.#killHung(proc, { kind: 'timeout', phase: 'load', afterMs: loadMs }),
      loadMs,
    );
    return proc;
  }

  /** Sends requests while a slot is free: queries first. */
  #pump(): void {
    const proc = this.#process;
    if ((this.#state !== 'ready' && this.#state !== 'busy') || !proc) return;
    // Before the slots are counted: searches fail at once while the server is unusable, even
    // with requests still out. Then only the probe goes out, not one per slot.
    if (this.#holdForOutage()) return;
    const slots = this.#outage.error ? 1 : this.#slots;
    while (this.#inFlight.size < slots) {
      // Nobody searched lately: send index requests in bigger passes (see mergedRequestTokens).
      const quiet = performance.now() - this.#lastQueryAt >= this.limits.queryQuietMs;
      const job = this.#queue.take(
        quiet ? Math.min(this.limits.mergedRequestTokens, this.#config.batchTokens) : 0,
      );
      if (!job) return;
      this.#send(proc, job);
    }
  }

  #send(proc: WorkerProcess, job: Job): void {
    job.attempts += 1;
    const deadlineMs = requestDeadlineMs(job.paddedTokens, this.limits);
    const id = this.#inFlight.add(job, deadlineMs, () =>
      this.#killHung(proc, { kind: 'timeout', phase: 'request', afterMs: deadlineMs }),
    );
    this.#setState('busy');
    proc.send({
      v: WORKER_PROTOCOL_VERSION,
      type: 'embed',
      id,
      texts: job.indices.map((i) => job.call.texts[i]!),
      priority: job.call.priority,
      ...(job.call.late === undefined ? {} : { query: job.call.late }),
    });
  }

  /**
   * While the server is unusable and no probe is due: fails the searches waiting (they fall
   * back to text) and sends nothing; the probe timer pumps again when one is due.
   */
  #holdForOutage(): boolean {
    if (!this.#outage.holds(() => this.#pump())) return false;
    for (const job of this.#queue.drain('query')) this.#failCall(job.call, this.#outage.error);
    return true;
  }

  /** The child says the server cannot be used: hold index work, fail the search, probe later. */
  #onUnavailable(job: Job, sentAt: number, error: RagError): void {
    if (this.#outage.note(error, this.limits, sentAt)) {
      this.#lastError = error.message;
      this.#log.error(
        { code: error.code, fix: error.fix },
        `embedding server unusable; indexing waits: ${error.message}`,
      );
    }
    if (job.call.priority === 'query') {
      this.#failCall(job.call, error);
      return;
    }
    // Not a death of the process: the try does not count towards quarantine.
    job.attempts -= 1;
    if (!job.call.isSettled) this.#queue.pushFront(job);
  }

  #onMessage(proc: WorkerProcess, message: ChildMessage): void {
    if (proc !== this.#process) return; // A process already given up on.
    switch (message.type) {
      case 'ready':
        if (message.modelId !== this.modelId || message.dimension !== this.dimension) {
          this.#fatal(modelChangedError(this.#config.model, message.modelId, this.modelId));
          return;
        }
        clearTimeout(this.#loadTimer);
        this.#restartPolicy.ready();
        this.#runtime = message.runtime;
        this.#log.info({ pid: proc.pid, ...message.runtime, loadMs: message.loadMs }, 'embed worker ready');
        this.#setState('ready');
        for (const waiter of this.#startWaiters.splice(0)) waiter.resolve();
        this.#pump();
        return;
      case 'fatal':
        this.#fatal(reportedError(message));
        return;
      case 'vectors':
      case 'error':
        this.#onAnswer(proc, message);
        return;
    }
  }

  #onAnswer(proc: WorkerProcess, message: Extract<ChildMessage, { type: 'vectors' | 'error' }>): void {
    const flight = this.#inFlight.take(message.id);
    if (!flight) {
      this.#onInvalid(proc, `an answer to request ${message.id}, which is not in flight`);
      return;
    }
    const { job } = flight;
    if (message.type === 'error' && message.code === 'E_EMBED_UNAVAILABLE') {
      this.#onUnavailable(job, flight.sentAt, reportedError(message));
    } else if (message.type === 'error') {
      this.#failCall(job.call, reportedError({ code: message.code, message: message.message }));
    } else if (message.data.length !== job.indices.length * job.call.dimension) {
      this.#failCall(job.call, wrongSizeError(message.data.length, job.indices.length, job.call.dimension));
    } else {
      job.call.fill(job.indices, message.data);
      const ended = this.#outage.clear();
      if (ended)
        this.#log.info({ was: ended.message }, 'the embedding server answers again; indexing resumes');
      this.#rssBytes = message.rssBytes;
      this.emit('batch', {
        priority: job.call.priority,
        texts: job.indices.length,
        tokens: job.paddedTokens,
        seq: message.seq,
        pid: proc.pid,
        attempt: job.attempts,
        waitMs: flight.sentAt - job.queuedAt,
        computeMs: message.computeMs,
        rssBytes: message.rssBytes,
      });
    }
    if (this.#inFlight.size === 0) this.#setState('ready');
    this.#pump();
  }

  #onInvalid(proc: WorkerProcess, reason: string): void {
    if (proc !== this.#process) return;
    this.#fatal(invalidMessageError(reason));
  }

  #killHung(proc: WorkerProcess, reason: ExitReason): void {
    if (proc !== this.#process || !proc.isAlive) return;
    this.#log.warn({ childPid: proc.pid, reason }, 'the embed worker stopped answering; killing it');
    proc.killReason = reason;
    proc.kill();
  }

  /** A process died (or was killed as hung): retry its request, restart after a back-off. */
  #onExit(proc: WorkerProcess, exit: ProcessExit): void {
    this.#retired.delete(proc);
    if (proc !== this.#process) return;
    this.#process = undefined;
    clearTimeout(this.#loadTimer);
    const reason: ExitReason = proc.killReason ?? { kind: 'exit', code: exit.code, signal: exit.signal };
    const why = describeExit(reason);
    const next = this.#restartPolicy.died();
    // Latest first: each goes back to the head of its lane, so the earliest ends up first again.
    for (const flight of this.#inFlight.takeAll().reverse()) this.#retryOrQuarantine(flight.job, why);
    if (next.kind === 'give-up') {
      this.#fatal(startFailuresError(this.#config.model, next.startFailures, why));
      return;
    }
    const { failures, delayMs } = next;
    const stderr = proc.outputTail;
    this.#lastError = `the embed worker ${why}`;
    this.#log.warn(
      { childPid: proc.pid, reason, failures, delayMs, stderr },
      'the embed worker died; restarting it',
    );
    this.#setState('backoff');
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      const started = this.#spawn();
      this.#restarts += 1;
      this.emit('restarted', {
        reason,
        previousPid: proc.pid,
        pid: started?.pid,
        failures,
        delayMs,
        stderr,
      });
    }, delayMs);
  }

  #retryOrQuarantine(job: Job, why: string): void {
    if (job.call.isSettled) return; // Aborted meanwhile: nobody wants it.
    if (job.attempts < this.limits.maxAttempts) {
      this.#queue.pushFront(job);
      return;
    }
    this.#quarantined += 1;
    this.#log.error(
      { texts: job.indices.length, tokens: job.paddedTokens, attempts: job.attempts, why },
      'an embed request killed the worker every time; giving up on it',
    );
    this.#failCall(job.call, quarantineError(job.indices.length, job.attempts, why));
  }

  /** The child cannot serve (model, protocol): fail what waits, stop the process, no restart. */
  #fatal(error: RagError): void {
    this.#failure = { error, at: performance.now() };
    this.#lastError = error.message;
    this.#log.error({ code: error.code, fix: error.fix }, error.message);
    clearTimeout(this.#loadTimer);
    clearTimeout(this.#restartTimer);
    this.#failEverything(error);
    const proc = this.#process;
    this.#process = undefined;
    if (proc?.isAlive) {
      this.#retired.add(proc);
      proc.kill();
    }
    this.#setState('failed');
  }

  /** After `failedRetryMs` a failed worker may try again: the model may have been fixed. */
  #reviveIfDue(): void {
    if (!this.#failure || performance.now() - this.#failure.at < this.limits.failedRetryMs) return;
    this.#failure = undefined;
    this.#restartPolicy.revive();
    this.#setState('idle');
  }

  #failEverything(error: unknown): void {
    for (const flight of this.#inFlight.takeAll()) flight.job.call.fail(error);
    for (const job of this.#queue.drain()) job.call.fail(error);
    for (const waiter of this.#startWaiters.splice(0)) waiter.reject(error);
  }

  /** Settles a call with an error and drops its queued requests (one in flight is discarded when it lands). */
  #failCall(call: PendingCall, error: unknown): void {
    if (call.isSettled) return;
    this.#queue.removeCall(call);
    call.fail(error);
  }

  #setState(state: WorkerState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }
}
