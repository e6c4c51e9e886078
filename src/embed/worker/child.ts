import { pino } from 'pino';
import type { EmbedderConfig } from '../../config/types.js';
import { errorMessage, isRagError } from '../../errors.js';
import type { Logger, LogLevel } from '../../log.js';
import { createRegistry } from '../../registry/builtins.js';
import { lateScoresOf } from '../late.js';
import type { Embedder, EmbedderRuntime } from '../types.js';
import { injectFaults, isFaultInjectionEnabled } from './faults.js';
import {
  type ChildMessage,
  type EmbedMessage,
  type ParentMessage,
  parseParentMessage,
  WORKER_PROTOCOL_VERSION,
} from './protocol.js';

/**
 * The embed worker process (forked by WorkerProcess with an IPC channel). It builds the
 * embedder from the config it is sent, loads the model at once, says `ready`, and serves one
 * request at a time — or, for an embedder that declares `maxInFlight` (a remote server), each
 * as it comes: the parent bounds how many it sends. It exits when told to, when the channel closes, or when its parent is gone.
 */

/** Exit codes the parent may see in logs. */
const EXIT_FATAL = 3;
/** Every 2 s the child checks that its parent is alive: a parent killed by SIGKILL leaves no channel to close. */
const PARENT_POLL_MS = 2_000;

class WorkerChild {
  readonly #parentPid = process.ppid;
  readonly #hasFaults = isFaultInjectionEnabled(process.env);
  #log: Logger = pino({ level: 'info' }, pino.destination({ dest: 2, sync: true }));
  #embedder: Embedder | undefined;
  #seq = 0;
  /** The init, then requests one after another (those of a single-flight embedder). */
  #queue: Promise<void> = Promise.resolve();
  /** Requests running beside each other (a `maxInFlight` embedder); #serve never rejects. */
  readonly #running = new Set<Promise<void>>();

  run(): void {
    process.on('message', (raw: unknown) => this.#onMessage(raw));
    process.on('disconnect', () => process.exit(0));
    setInterval(() => {
      if (process.ppid !== this.#parentPid) process.exit(0);
    }, PARENT_POLL_MS).unref();
  }

  #onMessage(raw: unknown): void {
    const parsed = parseParentMessage(raw);
    if (!parsed.ok) {
      this.#fatal('E_PROTOCOL', `the embed worker got an invalid message: ${parsed.reason}`, null);
      return;
    }
    const message: ParentMessage = parsed.message;
    switch (message.type) {
      case 'init':
        this.#queue = this.#queue.then(() => this.#init(message.config, message.name, message.logLevel));
        return;
      case 'embed':
        this.#queue = this.#queue.then(() => this.#dispatch(message));
        return;
      case 'shutdown':
        process.exit(0);
    }
  }

  async #init(config: EmbedderConfig, name: string, level: LogLevel): Promise<void> {
    this.#log.level = level;
    const started = performance.now();
    try {
      const registry = createRegistry();
      const factory = registry.embedderFactory(config.type, `embedders.${name}.type`);
      const embedder = await factory(config, { logger: this.#log, env: process.env });
      const runtime: EmbedderRuntime = (await embedder.load?.()) ?? { backend: config.type, details: {} };
      // The tokenizer too: one that does not match the weights fails here, not on the first request.
      void embedder.tokenizer;
      this.#embedder = embedder;
      this.#send({
        v: WORKER_PROTOCOL_VERSION,
        type: 'ready',
        modelId: embedder.modelId,
        dimension: embedder.dimension,
        runtime,
        loadMs: Math.round(performance.now() - started),
      });
    } catch (err) {
      const fix = isRagError(err) ? (err.fix ?? null) : null;
      this.#fatal(isRagError(err) ? err.code : 'E_MODEL', errorMessage(err), fix);
    }
  }

  /** Awaits a single-flight embedder's request; starts one of a concurrent embedder and moves on. */
  #dispatch(request: EmbedMessage): Promise<void> {
    if ((this.#embedder?.maxInFlight ?? 1) <= 1) return this.#serve(request);
    const serving = this.#serve(request).finally(() => this.#running.delete(serving));
    this.#running.add(serving);
    return Promise.resolve();
  }

  async #serve(request: EmbedMessage): Promise<void> {
    const embedder = this.#embedder;
    if (!embedder) {
      this.#fatal('E_PROTOCOL', 'the embed worker got a request before the model was loaded', null);
      return;
    }
    const started = performance.now();
    // Numbered as it starts: with several in flight they may finish in another order.
    const seq = ++this.#seq;
    if (this.#hasFaults) injectFaults(request.texts);
    try {
      const options = { priority: request.priority };
      const data =
        request.query === undefined
          ? await embedder.embed(request.texts, options)
          : await lateScoresOf(embedder, request.query, request.texts, options);
      this.#send({
        v: WORKER_PROTOCOL_VERSION,
        type: 'vectors',
        id: request.id,
        data,
        seq,
        computeMs: performance.now() - started,
        rssBytes: process.memoryUsage.rss(),
      });
    } catch (err) {
      const code = isRagError(err) ? err.code : 'E_EMBED';
      this.#send({
        v: WORKER_PROTOCOL_VERSION,
        type: 'error',
        id: request.id,
        code,
        message: errorMessage(err),
        ...(isRagError(err) && err.fix ? { fix: err.fix } : {}),
      });
    }
  }

  /** Says why it cannot serve, then exits: restarting would only fail the same way. */
  #fatal(code: Extract<ChildMessage, { type: 'fatal' }>['code'], message: string, fix: string | null): void {
    this.#log.error({ code, fix }, message);
    process.send?.(
      { v: WORKER_PROTOCOL_VERSION, type: 'fatal', code, message, fix } satisfies ChildMessage,
      () => process.exit(EXIT_FATAL),
    );
  }

  #send(message: ChildMessage): void {
    process.send?.(message);
  }
}

if (!process.send) {
  process.stderr.write('the embed worker must be started by EmbedWorker (node:child_process fork)\n');
  process.exit(2);
}
new WorkerChild().run();
