import { App } from '../app.js';
import type { Config } from '../config/types.js';
import { EmbedWorker } from '../embed/worker/embed-worker.js';
import { errorMessage } from '../errors.js';
import { dispatchTo } from '../ipc/dispatch.js';
import type { StatusResult } from '../ipc/protocol.js';
import { IpcServer } from '../ipc/server.js';
import type { Logger } from '../log.js';
import { IndexQueue } from '../queue/index-queue.js';
import { OptimizePolicy } from '../store/optimize-policy.js';
import type { Degradation } from '../watcher/types.js';
import { Watcher } from '../watcher/watcher.js';
import { isDiskFull } from './disk.js';
import { daemonHandlers } from './handlers.js';
import { DataDirLock } from './lock.js';
import { buildStatus } from './status.js';
import type { Trouble } from './types.js';

/**
 * Correctness comes from reconciling, not from events: watchers lose events silently (inotify
 * overflow, sleep, network volumes). A stat walk every 15 minutes costs little and bounds how
 * long a missed change can stay unindexed.
 */
export const RECONCILE_INTERVAL_MS = 15 * 60_000;
/** How often the optimize policy is asked whether compaction is due. */
const OPTIMIZE_CHECK_MS = 5_000;

export interface DaemonOptions {
  config: Config;
  logger: Logger;
}

/**
 * `ragd`: one per data dir. Start-up order: lock the data dir, open the index (the model loads
 * in its worker process), serve the socket (search works from here on, also while the first
 * reconcile runs), start watching, then reconcile disk against the index. Stop order: no new
 * work, abandon the batch in flight (its commit is atomic, so this loses nothing), close the
 * store, remove the socket, release the lock.
 */
export class Daemon {
  readonly config: Config;
  readonly app: App;
  readonly queue: IndexQueue;
  readonly #log: Logger;
  readonly #lock: DataDirLock;
  readonly #watcher: Watcher;
  readonly #ipc: IpcServer;
  readonly #workers: EmbedWorker[];
  readonly #optimize = new OptimizePolicy();
  readonly #degraded = new Map<string, Degradation>();
  readonly #timers: NodeJS.Timeout[] = [];
  #storeTrouble: Trouble | undefined;
  #optimizing = false;
  #stopping: Promise<void> | undefined;
  readonly #startedAt = Date.now();
  #markStopped!: () => void;
  /** Resolves once the daemon has stopped, whoever asked (a signal or the socket's `shutdown`). */
  readonly stopped = new Promise<void>((resolve) => {
    this.#markStopped = resolve;
  });

  private constructor(options: DaemonOptions, lock: DataDirLock, app: App, workers: EmbedWorker[]) {
    this.config = options.config;
    this.#log = options.logger.child({ component: 'daemon' });
    this.#lock = lock;
    this.app = app;
    this.#workers = workers;
    this.queue = new IndexQueue({
      sync: (paths, signal) => this.#write(() => app.indexer.syncPaths(paths, { signal })),
      rescan: (request, signal) =>
        this.#write(() => app.indexer.reconcile({ within: request.within, signal })),
      logger: options.logger,
    });
    this.#watcher = new Watcher({
      filters: this.config.sources.map((s) => app.indexer.filterFor(s)),
      dataDir: this.config.dataDir,
      logger: options.logger,
    });
    this.#watcher.on('changes', (paths) => this.queue.add(paths));
    this.#watcher.on('rescan', (r) => this.queue.rescan(r.within, r.reason));
    this.#watcher.on('degraded', (d) => {
      this.#degraded.set(d.source, d);
      this.#log.warn({ source: d.source, code: d.code, reason: d.reason }, 'watcher degraded');
    });
    this.#watcher.on('recovered', (r) => {
      this.#degraded.delete(r.source);
      this.#log.info({ source: r.source, code: r.code }, 'watcher recovered');
    });
    this.#ipc = new IpcServer({
      socketPath: this.config.socketPath,
      handler: dispatchTo(daemonHandlers(this)),
      logger: options.logger,
    });
  }

  static async start(options: DaemonOptions): Promise<Daemon> {
    const { config, logger } = options;
    const lock = DataDirLock.acquire(config.dataDir, 'daemon');
    const workers: EmbedWorker[] = [];
    let app: App | undefined;
    try {
      app = await App.open(config, {
        logger,
        makeEmbedder: (name) => {
          const worker = new EmbedWorker({ config: config.embedders[name]!, name, logger });
          worker.on('restarted', (info) =>
            logger.warn(
              { component: 'daemon', embedder: name, reason: info.reason, stderr: info.stderr },
              'embed worker restarted',
            ),
          );
          workers.push(worker);
          return worker;
        },
      });
      const daemon = new Daemon(options, lock, app, workers);
      await daemon.#start();
      return daemon;
    } catch (err) {
      await app?.close();
      lock.release();
      throw err;
    }
  }

  async #start(): Promise<void> {
    await this.#ipc.listen();
    for (const w of this.#workers)
      void w
        .start()
        .catch((err) => this.#log.error({ err: errorMessage(err) }, 'embed worker failed to start'));
    await this.#watcher.start();
    this.queue.rescan(undefined, 'start-up: changes made while the daemon was down');
    this.#timers.push(
      setInterval(() => this.queue.rescan(undefined, 'periodic reconcile'), RECONCILE_INTERVAL_MS),
    );
    this.#timers.push(setInterval(() => void this.#maybeOptimize(), OPTIMIZE_CHECK_MS));
    for (const t of this.#timers) t.unref();
    this.#log.info(
      { socket: this.config.socketPath, sources: this.config.sources.map((s) => s.path), pid: process.pid },
      'ragd started',
    );
  }

  async status(): Promise<StatusResult> {
    return buildStatus({
      app: this.app,
      queue: this.queue,
      workers: this.#workers,
      watcherTrouble: [...this.#degraded.values()],
      storeTrouble: this.#storeTrouble,
    });
  }

  /** Idempotent; resolves when everything is closed and the lock released. */
  stop(why: string): Promise<void> {
    this.#stopping ??= (async () => {
      this.#log.info({ why, uptimeS: Math.round((Date.now() - this.#startedAt) / 1000) }, 'ragd stopping');
      for (const t of this.#timers) clearInterval(t);
      await this.#watcher.close();
      await this.queue.close();
      await this.#ipc.close();
      await this.app.close();
      this.#lock.release();
      this.#log.info('ragd stopped');
      this.#markStopped();
    })();
    return this.#stopping;
  }

  /** Runs one unit of indexing; a failure is reported (disk full → degraded) and rethrown for the queue to retry. */
  async #write(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
      this.#optimize.noteWrite(2);
      if (this.#storeTrouble) {
        this.#log.info({ was: this.#storeTrouble.reason }, 'writes succeed again');
        this.#storeTrouble = undefined;
      }
    } catch (err) {
      if (await isDiskFull(this.config.dataDir)) {
        this.#storeTrouble ??= {
          reason: `the disk holding ${this.config.dataDir} is full: the index cannot be updated (search still works)`,
          fix: 'free some space; indexing resumes by itself',
          sinceMs: Date.now(),
        };
        this.#log.warn({ err: errorMessage(err) }, 'write failed: disk full');
      }
      throw err;
    }
  }

  async #maybeOptimize(): Promise<void> {
    if (this.#optimizing || this.#stopping || !this.#optimize.shouldOptimize()) return;
    const stats = this.queue.stats();
    if (stats.busy && this.#optimize.pendingCommits < 100) return;
    this.#optimizing = true;
    this.#optimize.noteOptimizing();
    try {
      await this.app.store.optimize();
    } catch (err) {
      this.#log.warn({ err: errorMessage(err) }, 'optimize failed; will try again later');
    } finally {
      this.#optimizing = false;
    }
  }
}
