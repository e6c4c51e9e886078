import { App } from '../app.js';
import { runInBackground } from '../background.js';
import { enginesInUse, loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { EmbedWorker } from '../embed/worker/embed-worker.js';
import { errorMessage } from '../errors.js';
import { dispatchTo } from '../ipc/dispatch.js';
import type { StatusParams, StatusResult } from '../ipc/protocol.js';
import { IpcServer } from '../ipc/server.js';
import type { Logger } from '../log.js';
import { sourceFolders } from '../paths.js';
import { unmatchedSources } from '../pipeline/source-check.js';
import type { EmbeddingProgress, IndexProgress, IndexSummary, UnreadFiles } from '../pipeline/types.js';
import { IndexQueue } from '../queue/index-queue.js';
import type { QueueLimits } from '../queue/types.js';
import { unindexedTextRows } from '../store/indexes.js';
import { OptimizePolicy } from '../store/optimize-policy.js';
import type { ChunkTable } from '../store/types.js';
import type { Degradation, WatcherLimits } from '../watcher/types.js';
import { Watcher } from '../watcher/watcher.js';
import { isDiskFull } from './disk.js';
import { EmbeddingPace } from './embedding-pace.js';
import { daemonHandlers } from './handlers.js';
import { DataDirLock } from './lock.js';
import { buildStatus, type IndexContents, sourcesStatus } from './status.js';
import type { StopReport, Trouble, WalkProgress } from './types.js';

/**
 * Correctness comes from reconciling, not from events: watchers lose events silently (inotify
 * overflow, sleep, network volumes). A stat walk every 15 minutes costs little and bounds how
 * long a missed change can stay unindexed.
 */
export const RECONCILE_INTERVAL_MS = 15 * 60_000;
/**
 * A live log's last entry is held back until the file has not changed for this long (its end
 * is known only when the next entry begins; a server writes an entry in one go, so a quiet
 * second means it is complete). The daemon syncs such files again after it.
 */
export const LOG_TAIL_SETTLE_MS = 1000;
/** Past the settle time, so the file's mtime is surely old enough when the sync runs. */
const REVISIT_MARGIN_MS = 250;
/**
 * Compaction follows the store's measured policy (OptimizePolicy: after 100 commits, after 30 s
 * without writes once 20 are pending, or 10 min after the oldest). One more reason to optimize:
 * LanceDB 0.31's full-text search scores rows its FTS index has not folded in unreliably — a
 * note just saved was found by a rare word but not by its common ones ('ferry', 'captain':
 * test/integration/daemon/live-changes.test.ts). So once writes pause for FTS_CHECK_MS and a
 * chunk table has unindexed rows, the daemon rebuilds its full-text index — not an optimize,
 * which rewrites a table under a million rows whole (~47 MB at 20k rows, against 3.4 MB for
 * the index; both ~0.37 s) — at most once per FTS_DUTY × the last one's duration, so a burst of
 * saves costs at most 1/FTS_DUTY of the time, and text search may lag a save by that long.
 */
const FTS_CHECK_MS = 500;
const FTS_DUTY = 10;
/**
 * While the queue is busy (a cold index, a storm), catch up once 1,000 rows are unindexed, or
 * once a save that went ahead of that work has landed (`#savedWhileBusy`), and look again every
 * FTS_BUSY_POLL_MS until the queue is idle, when any lag is caught up. Rows
 * the index lacks are searched flat, re-tokenised by every query: with none folded in, text
 * search took p50 79 / p99 190 ms during a 5,000-file cold index (9,756 rows at the end), against
 * 5 / 10 ms at idle (bench/daemon/search-latency.mjs).
 */
const FTS_BUSY_MIN_UNINDEXED = 1_000;
/**
 * Also the longest a check waits after a write: commits that never pause for FTS_CHECK_MS (a
 * walk landing group after group) would otherwise push it back until the walk is over.
 */
const FTS_BUSY_POLL_MS = 2_000;
/**
 * An optimize check that could not read the tables (a folder gone or replaced, out of file
 * descriptors, a disk error) looks again this soon: often enough that `degraded` clears within
 * half a minute of the cause, rarely enough to cost nothing while it lasts.
 */
const OPTIMIZE_RETRY_MS = 30_000;
/**
 * One failed optimize is retried quietly (a commit racing it, a moment without space); this
 * many in a row mean the index is no longer being compacted, and `status` says so.
 */
const OPTIMIZE_FAILURES_DEGRADED = 3;

/**
 * What background work found wrong, each cleared by the next success of the work that found
 * it: the tables cannot be read; optimize keeps failing; a rejection or throw escaped every
 * handler (a bug: cleared only by a restart, since what it left undone is unknown).
 */
type TroubleKind = 'store-unreadable' | 'optimize' | 'internal';

export interface DaemonOptions {
  /** The file to read again on SIGHUP; null when the config came from defaults. */
  configPath: string | null;
  config: Config;
  logger: Logger;
  /**
   * Overrides of the watcher's and the queue's bounds (default: theirs). Tests shorten the
   * restart and retry delays with them, so as not to wait out 10 s / 30 s back-offs.
   */
  limits?: DaemonLimits;
}

export interface DaemonLimits {
  watcher?: Partial<WatcherLimits>;
  queue?: Partial<QueueLimits>;
}

/** What a config builds and a reload replaces: the index, its model workers, queue and watcher. */
interface Runtime {
  config: Config;
  app: App;
  queue: IndexQueue;
  watcher: Watcher;
  workers: EmbedWorker[];
  degraded: Map<string, Degradation>;
  /** Socket requests running on this runtime: a reload closes it only once they are answered. */
  users: number;
  /** Called when `users` drops to 0 (set while a reload waits to close this runtime). */
  onUnused: (() => void) | undefined;
}

/**
 * `ragd`: one per data dir. Start-up order: lock the data dir, open the index (the model loads
 * in its worker process), serve the socket (search works from here on, also while the first
 * reconcile runs), start watching, then reconcile disk against the index. Stop order: no new
 * work, abandon the batch in flight (its commit is atomic, so this loses nothing), close the
 * store, remove the socket, release the lock. SIGHUP reloads the config: the socket stays up
 * and the old index answers while the new index, queue and watcher are built for the new
 * sources; the old one closes once the requests it is serving are answered.
 */
export class Daemon {
  readonly #configPath: string | null;
  readonly #log: Logger;
  readonly #rootLogger: Logger;
  readonly #lock: DataDirLock;
  readonly #ipc: IpcServer;
  readonly #optimize = new OptimizePolicy();
  readonly #limits: DaemonLimits;
  /** Armed after each write (no timer runs while the daemon is idle: no wake-ups). */
  #optimizeTimer: NodeJS.Timeout | undefined;
  /** When the first write since the last optimize check was noted (FTS_BUSY_POLL_MS). */
  #uncheckedSinceMs: number | undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  /** Files to sync again once their held-back tail has settled (`#revisitLater`). */
  readonly #revisit = new Set<string>();
  #revisitTimer: NodeJS.Timeout | undefined;
  #rt: Runtime;
  #storeTrouble: Trouble | undefined;
  readonly #troubles = new Map<TroubleKind, Trouble>();
  /** Optimize or full-text rebuilds that failed in a row (OPTIMIZE_FAILURES_DEGRADED). */
  #optimizeFailures = 0;
  /** What `status` reports while the tables cannot be read: the last counts that could be. */
  #lastContents: IndexContents = { files: 0, chunks: 0, version: 0, skipped: [], chunksByEngine: {} };
  #walk: WalkProgress | undefined;
  /** The group being embedded now, for `status`: a big file takes minutes and moves no count. */
  #embedding: EmbeddingProgress | undefined;
  readonly #embeddingPace = new EmbeddingPace();
  /** The socket answers before the watcher runs and the first reconcile is queued: till then, `indexing`. */
  #started = false;
  #reloadTrouble: Trouble | undefined;
  #optimizing = false;
  /** When the last optimize or full-text rebuild ended and how long it took (FTS_DUTY). */
  #lastOptimize = { endedAt: 0, ms: 0 };
  /**
   * Changed files were written while other work waits (a save that went ahead of a first walk or
   * a big file): their rows are taken into the full-text index then, not when that work ends.
   */
  #savedWhileBusy = false;
  /** Each source folder's files no engine reads, by kind, as its last whole walk found them. */
  readonly #unread = new Map<string, UnreadFiles>();
  /** `ragctl pause` outlives a reload: the new queue starts paused too. */
  #paused = false;
  #reloading: Promise<void> | undefined;
  #stopping: Promise<StopReport> | undefined;
  readonly #startedAt = Date.now();
  #markStopped!: (report: StopReport) => void;
  /**
   * Resolves once the daemon has stopped, whoever asked (a signal or the socket's `shutdown`),
   * with the parts that could not be closed. Never rejects.
   */
  readonly stopped = new Promise<StopReport>((resolve) => {
    this.#markStopped = resolve;
  });

  private constructor(options: DaemonOptions, lock: DataDirLock, rt: Runtime) {
    this.#configPath = options.configPath;
    this.#rootLogger = options.logger;
    this.#log = options.logger.child({ component: 'daemon' });
    this.#lock = lock;
    this.#limits = options.limits ?? {};
    this.#rt = rt;
    this.#ipc = new IpcServer({
      socketPath: rt.config.socketPath,
      handler: dispatchTo(daemonHandlers(this, options.logger.child({ component: 'search' }))),
      logger: options.logger,
    });
  }

  get config(): Config {
    return this.#rt.config;
  }

  get queue(): IndexQueue {
    return this.#rt.queue;
  }

  /**
   * Runs a request on the current index. A reload swaps in a new one meanwhile, but waits for
   * calls like this to finish before it closes the old.
   */
  async withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
    return this.#using((rt) => fn(rt.app));
  }

  pause(): void {
    this.#paused = true;
    this.#rt.queue.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#rt.queue.resume();
  }

  static async start(options: DaemonOptions): Promise<Daemon> {
    const lock = DataDirLock.acquire(options.config.dataDir, 'daemon');
    let daemon: Daemon | undefined;
    try {
      const rt = await Daemon.#build(options.config, options.logger, options.limits ?? {});
      daemon = new Daemon(options, lock, rt);
      await daemon.#begin();
      return daemon;
    } catch (err) {
      if (daemon) await daemon.stop(`start-up failed: ${errorMessage(err)}`);
      else releaseAfterFailedStart(lock, options.logger);
      throw err;
    }
  }

  async #begin(): Promise<void> {
    await this.#ipc.listen();
    await this.#run(this.#rt, 'start-up: changes made while the daemon was down');
    this.#timers.push(
      setInterval(
        () =>
          runInBackground(this.#log, 'queueing the periodic reconcile', () =>
            this.queue.rescan(undefined, 'periodic reconcile'),
          ),
        RECONCILE_INTERVAL_MS,
      ),
    );
    for (const t of this.#timers) t.unref();
    this.#started = true;
    const sources = sourceFolders(this.config.sources);
    this.#log.info({ socket: this.config.socketPath, sources, pid: process.pid }, 'ragd started');
  }

  /** Opens the index for a config, with its model workers, queue and watcher (not yet started). */
  static async #build(config: Config, logger: Logger, limits: DaemonLimits): Promise<Runtime> {
    const workers: EmbedWorker[] = [];
    const app = await App.open(config, {
      logger,
      makeEmbedder: (name) => {
        const worker = new EmbedWorker({ config: config.embedders[name]!, name, logger });
        worker.on('restarted', (info) =>
          logger.warn(
            { component: 'daemon', embedder: name, reason: info.reason, stderr: info.stderr },
            'embed worker restarted',
          ),
        );
        // A query's own request, at debug level: its wait and compute, beside the search's stages.
        worker.on('batch', (b) => {
          if (b.priority === 'query' && logger.isLevelEnabled('debug'))
            logger.debug(
              {
                component: 'embed-worker',
                embedder: name,
                waitMs: b.waitMs,
                computeMs: b.computeMs,
                tokens: b.tokens,
              },
              'query embedded',
            );
        });
        workers.push(worker);
        return worker;
      },
    });
    // The queue's workers are bound once the daemon exists (see #run), through `#write`.
    const rt: Runtime = {
      config,
      app,
      workers,
      degraded: new Map(),
      users: 0,
      onUnused: undefined,
      queue: undefined as unknown as IndexQueue,
      watcher: new Watcher({
        filters: config.sources.map((s) => app.indexer.filterFor(s)),
        dataDir: config.dataDir,
        logger,
        limits: limits.watcher,
      }),
    };
    return rt;
  }

  /** Starts a built runtime: queue, model worker, watcher, then the reconcile of everything. */
  async #run(rt: Runtime, why: string): Promise<void> {
    rt.queue = new IndexQueue({
      sync: (paths, signal, forced) =>
        this.#write({ work: 'paths', paths: paths.length }, async () => {
          try {
            const summary = await rt.app.indexer.syncPaths(paths, {
              signal,
              forced,
              tailSettleMs: LOG_TAIL_SETTLE_MS,
              onProgress: (p) => this.#noteEmbedding(p),
            });
            const changed = summary.filesAdded + summary.filesChanged + summary.filesDeleted;
            if (changed && rt.queue.stats().depth > paths.length) this.#savedWhileBusy = true;
            return summary;
          } finally {
            this.#embedding = undefined;
          }
        }),
      rescan: (request, signal) =>
        this.#write({ work: 'walk', within: request.within ?? '*', reason: request.reason }, async () => {
          // A walk is one queue entry however many files it indexes: its progress feeds status.
          const walk: WalkProgress = {
            startedMs: Date.now(),
            filesToIndex: 0,
            filesIndexed: 0,
            scanning: true,
          };
          this.#walk = walk;
          try {
            const summary = await rt.app.indexer.reconcile({
              within: request.within,
              signal,
              tailSettleMs: LOG_TAIL_SETTLE_MS,
              onProgress: (p) => {
                this.#noteEmbedding(p);
                walk.filesToIndex = p.filesToIndex;
                walk.filesIndexed = p.filesIndexed;
                walk.scanning = p.scanning;
                // A group was committed: a long walk must not wait for its end to be optimized.
                if (p.phase === 'indexing') this.#noteWrite();
              },
            });
            for (const u of summary.unread) this.#unread.set(u.source, u);
            return summary;
          } finally {
            this.#walk = undefined;
            this.#embedding = undefined;
          }
        }),
      logger: this.#rootLogger,
      limits: this.#limits.queue,
    });
    if (this.#paused) rt.queue.pause();
    rt.watcher.on('changes', (paths) => rt.queue.add(paths));
    rt.watcher.on('rescan', (r) => rt.queue.rescan(r.within, r.reason));
    rt.watcher.on('degraded', (d) => {
      rt.degraded.set(d.source, d);
      this.#log.warn({ source: d.source, code: d.code, reason: d.reason }, 'watcher degraded');
    });
    rt.watcher.on('recovered', (r) => {
      rt.degraded.delete(r.source);
      this.#log.info({ source: r.source, code: r.code }, 'watcher recovered');
    });
    // A model that does not load puts its worker in `failed`, which `status` reports.
    for (const w of rt.workers)
      runInBackground(this.#log.child({ embedder: w.name }), 'starting the embed worker', () => w.start());
    await rt.watcher.start();
    rt.queue.rescan(undefined, why);
  }

  #noteEmbedding(p: IndexProgress): void {
    this.#embedding =
      p.phase === 'embedding' && p.embedding && p.embedding.chunksDone < p.embedding.chunks
        ? p.embedding
        : undefined;
    this.#embeddingPace.note(this.#embedding);
  }

  async status(params: StatusParams = {}): Promise<StatusResult> {
    return this.#using(async (rt) => {
      const contents = await this.#readContents(rt);
      const status = buildStatus({
        app: rt.app,
        contents,
        unmatched: await unmatchedSources(rt.app.config, contents.chunksByEngine),
        queue: rt.queue,
        workers: rt.workers,
        watcherTrouble: [...rt.degraded.values()],
        storeTrouble:
          this.#storeTrouble ??
          this.#troubles.get('store-unreadable') ??
          this.#troubles.get('internal') ??
          this.#reloadTrouble ??
          this.#troubles.get('optimize'),
        walk: this.#walk,
        embedding: this.#embedding,
        embeddingSecondsLeft: this.#embedding ? this.#embeddingPace.secondsLeft(this.#embedding) : null,
        starting: !this.#started,
      });
      if (!params.sources) return status;
      let counts: Map<string, number>;
      try {
        counts = await rt.app.indexedByRoot();
      } catch {
        // The tables cannot be read: the status says so already (store-unreadable), counts or not.
        return status;
      }
      return {
        ...status,
        sources: sourcesStatus(rt.app.config.sources, counts, contents.skipped, this.#unread),
      };
    });
  }

  /**
   * A rejection or throw that escaped every handler (the process-level handlers report it):
   * the daemon runs on, but what that code left undone is unknown, so `status` says degraded
   * until a restart.
   */
  noteInternalError(origin: string, err: unknown): void {
    this.#setTrouble(
      'internal',
      {
        reason: `an internal error was not handled (${origin}: ${errorMessage(err)}); the daemon runs on, but may have left work undone`,
        fix: `restart the daemon (\`ragctl daemon start --restart\`) and report the log lines with event "${origin}" (${this.config.log.file})`,
        sinceMs: Date.now(),
      },
      origin,
    );
  }

  /** The index's counts; while the tables cannot be read, the last counts read and a trouble. */
  async #readContents(rt: Runtime): Promise<IndexContents> {
    try {
      this.#lastContents = await rt.app.contents();
      this.#clearTrouble('store-unreadable');
    } catch (err) {
      this.#setTrouble('store-unreadable', storeUnreadable(rt.config, err), 'status');
    }
    return this.#lastContents;
  }

  /**
   * Records a trouble, logged once when it starts (with `by`, what found it); the first one of
   * its kind is kept.
   */
  #setTrouble(kind: TroubleKind, trouble: Trouble, by: string): void {
    if (this.#troubles.has(kind)) return;
    this.#troubles.set(kind, trouble);
    this.#log.error({ trouble: kind, by, fix: trouble.fix }, `degraded: ${trouble.reason}`);
  }

  #clearTrouble(kind: TroubleKind): void {
    const was = this.#troubles.get(kind);
    if (!was) return;
    this.#troubles.delete(kind);
    this.#log.info({ trouble: kind, was: was.reason }, 'no longer degraded');
  }

  async #using<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
    const rt = this.#rt;
    rt.users++;
    try {
      return await fn(rt);
    } finally {
      rt.users--;
      if (rt.users === 0) rt.onUnused?.();
    }
  }

  /**
   * Reads the config file again and rebuilds the index side for it (sources added or removed,
   * other engines or models). A config that does not load, or that moves the data dir or the
   * socket, is refused: the daemon keeps running as it was and says why in its status.
   */
  reload(): Promise<void> {
    this.#reloading ??= this.#reload()
      .catch((err: unknown) => {
        // Neither the new config nor the old one could be opened again: nothing is left to serve.
        this.#log.fatal(
          { err: errorMessage(err) },
          'reload failed and the previous config cannot be reopened',
        );
        this.requestStop(`reload failed: ${errorMessage(err)}`);
      })
      .finally(() => {
        this.#reloading = undefined;
      });
    return this.#reloading;
  }

  async #reload(): Promise<void> {
    if (this.#stopping) return;
    let next: Config;
    try {
      next = loadConfig({
        configPath: this.#configPath ?? undefined,
        allowMissing: this.#configPath === null,
      });
      if (next.dataDir !== this.config.dataDir || next.socketPath !== this.config.socketPath) {
        throw new Error('dataDir and socketPath cannot change while the daemon runs');
      }
    } catch (err) {
      this.#reloadTrouble = {
        reason: `the config was not reloaded: ${errorMessage(err)}`,
        fix: 'fix the config file and send SIGHUP again (or restart: `ragctl daemon start --restart`)',
        sinceMs: Date.now(),
      };
      this.#log.error({ err: errorMessage(err) }, 'reload refused; running on with the previous config');
      return;
    }
    this.#log.info({ sources: sourceFolders(next.sources) }, 'reloading the config');
    const old = this.#rt;
    // Writes stop first (one writer per index, and the new config may rebuild a table for
    // another model); the old index keeps answering searches and status until the swap.
    await old.watcher.close();
    await old.queue.close();
    let rt: Runtime;
    try {
      rt = await Daemon.#build(next, this.#rootLogger, this.#limits);
      this.#reloadTrouble = undefined;
    } catch (err) {
      this.#reloadTrouble = {
        reason: `the config was not reloaded: ${errorMessage(err)}`,
        fix: 'fix the config file and send SIGHUP again (or restart: `ragctl daemon start --restart`)',
        sinceMs: Date.now(),
      };
      this.#log.error({ err: errorMessage(err) }, 'reload failed; running on with the previous config');
      rt = await Daemon.#build(old.config, this.#rootLogger, this.#limits);
    }
    this.#rt = rt;
    await this.#run(rt, 'config reloaded: sources added, removed or changed');
    await this.#retire(old);
    if (!this.#reloadTrouble) this.#log.info('config reloaded');
  }

  /**
   * Closes a runtime that was replaced, once the requests still running on it are answered. The
   * new runtime already serves: an old one that fails to close is logged, not fatal.
   */
  async #retire(rt: Runtime): Promise<void> {
    if (rt.users > 0) await new Promise<void>((resolve) => (rt.onUnused = resolve));
    try {
      await rt.app.close();
    } catch (err) {
      this.#log.error({ err }, 'closing the index of the previous config failed; the new one serves');
    }
  }

  /** Starts a stop and returns at once (a signal, the socket's `shutdown`): see `stopped`. */
  requestStop(why: string): void {
    runInBackground(this.#log, 'stopping the daemon', () => this.stop(why));
  }

  /**
   * Idempotent, and always finishes: each part closes on its own, so one that fails (logged,
   * and listed in the report) never keeps the others open, the lock held, or `stopped` pending.
   */
  stop(why: string): Promise<StopReport> {
    this.#stopping ??= this.#stop(why);
    return this.#stopping;
  }

  async #stop(why: string): Promise<StopReport> {
    this.#log.info({ why, uptimeS: Math.round((Date.now() - this.#startedAt) / 1000) }, 'ragd stopping');
    const report: StopReport = { failures: [] };
    const close = async (part: string, fn: () => unknown): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        report.failures.push({ part, error: errorMessage(err) });
        this.#log.error({ err, part }, `could not close the ${part}; closing the rest`);
      }
    };
    try {
      for (const t of this.#timers) clearInterval(t);
      clearTimeout(this.#revisitTimer);
      clearTimeout(this.#optimizeTimer);
      // A reload in flight swaps runtimes: let it settle, so the one closed below is the last.
      await close('config reload', () => this.#reloading);
      const rt = this.#rt;
      await close('watcher', () => rt.watcher.close());
      await close('index queue', () => rt.queue?.close());
      await close('socket', () => this.#ipc.close());
      await close('index', () => rt.app.close());
    } finally {
      await close('data-dir lock', () => this.#lock.release());
      if (report.failures.length)
        this.#log.error({ failures: report.failures }, 'ragd stopped, but some parts did not close');
      else this.#log.info('ragd stopped');
      this.#markStopped(report);
    }
    return report;
  }

  /**
   * Runs one unit of indexing and logs what it did; a failure is reported (disk full → degraded)
   * and rethrown for the queue to retry.
   */
  async #write(what: Record<string, unknown>, work: () => Promise<IndexSummary>): Promise<void> {
    try {
      const summary = await work();
      this.#logSummary(what, summary);
      this.#revisitLater(summary.withheld);
      this.#noteWrite();
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

  /**
   * Files whose last entry was held back (still changing) are synced again once they could have
   * settled; if they changed meanwhile, their own events have done it and this finds them fresh.
   */
  #revisitLater(paths: readonly string[]): void {
    for (const path of paths) this.#revisit.add(path);
    if (this.#revisitTimer || this.#revisit.size === 0) return;
    this.#revisitTimer = setTimeout(() => {
      this.#revisitTimer = undefined;
      const due = [...this.#revisit];
      this.#revisit.clear();
      this.#rt.queue.add(due);
    }, LOG_TAIL_SETTLE_MS + REVISIT_MARGIN_MS);
    this.#revisitTimer.unref();
  }

  /** What each unit of work changed: the only record of what the daemon spent its time (and the model) on. */
  #logSummary(what: Record<string, unknown>, s: IndexSummary): void {
    const changed = s.filesAdded + s.filesChanged + s.filesDeleted + s.filesSkipped + s.chunksEmbedded;
    const level = changed ? 'info' : 'debug';
    this.#log[level](
      {
        ...what,
        filesSeen: s.filesSeen,
        filesAdded: s.filesAdded,
        filesChanged: s.filesChanged,
        filesDeleted: s.filesDeleted,
        filesSkipped: s.filesSkipped,
        filesUnchanged: s.filesUnchanged,
        chunksEmbedded: s.chunksEmbedded,
        chunksReused: s.chunksReused,
        seconds: Math.round(s.seconds * 1000) / 1000,
        embedSeconds: Math.round(s.embedSeconds * 1000) / 1000,
        ...(s.omitted.length ? { omitted: s.omitted } : {}),
      },
      changed ? 'indexed' : 'nothing changed',
    );
  }

  /** Counts a commit (chunks, then records) for the optimize policy and looks again soon. */
  #noteWrite(): void {
    this.#optimize.noteWrite(2);
    const now = Date.now();
    this.#uncheckedSinceMs ??= now;
    this.#armOptimize(Math.max(0, Math.min(FTS_CHECK_MS, this.#uncheckedSinceMs + FTS_BUSY_POLL_MS - now)));
  }

  /** (Re)arms the one optimize timer to fire in `ms` (or when the policy says, if sooner). */
  #armOptimize(ms: number): void {
    clearTimeout(this.#optimizeTimer);
    const due = this.#optimize.msUntilDue();
    if (due === undefined) return;
    this.#optimizeTimer = setTimeout(
      () =>
        runInBackground(
          this.#log,
          'the optimize check',
          () => this.#maybeOptimize(),
          () => this.#retryOptimizeCheck(),
        ),
      Math.min(ms, due),
    );
    this.#optimizeTimer.unref();
  }

  /**
   * The check before an optimize could not read the tables' stats: the index is unreadable for
   * now (`degraded`, logged once); the check runs again soon and clears it once they read again.
   */
  #onTablesUnreadable(err: unknown): void {
    this.#setTrouble('store-unreadable', storeUnreadable(this.config, err), 'the optimize check');
    this.#log.debug({ err: errorMessage(err) }, 'the tables still cannot be read');
    this.#retryOptimizeCheck();
  }

  /** Looks again in OPTIMIZE_RETRY_MS, with a write kept pending so the policy has one due. */
  #retryOptimizeCheck(): void {
    if (this.#stopping) return;
    this.#optimize.noteWrite(1);
    this.#armOptimize(OPTIMIZE_RETRY_MS);
  }

  async #maybeOptimize(): Promise<void> {
    if (this.#stopping) return;
    this.#uncheckedSinceMs = undefined;
    if (this.#optimizing || this.#reloading) {
      this.#armOptimize(FTS_CHECK_MS);
      return;
    }
    // Saves in a quiet moment get the full-text index rebuilt (cheap on disk); a walk or a storm
    // gets a whole optimize, which also compacts the fragments its groups wrote.
    let work: 'optimize' | 'text index' = 'optimize';
    if (!this.#optimize.shouldOptimize()) {
      // While busy, catch up only once the index misses many rows (each catch-up takes LanceDB's
      // threads from searches for a moment), or a save is among them.
      const busy = this.#rt.queue.stats().state === 'busy';
      const saved = busy && this.#savedWhileBusy;
      if (!busy) this.#savedWhileBusy = false;
      let lagging: ChunkTable[];
      try {
        lagging = await this.#using((rt) =>
          laggingTextIndexes(rt, busy && !saved ? FTS_BUSY_MIN_UNINDEXED : 1),
        );
      } catch (err) {
        this.#onTablesUnreadable(err);
        return;
      }
      this.#clearTrouble('store-unreadable');
      if (!lagging.length) {
        this.#armOptimize(busy ? FTS_BUSY_POLL_MS : Number.POSITIVE_INFINITY);
        return;
      }
      const wait = this.#lastOptimize.endedAt + FTS_DUTY * this.#lastOptimize.ms - Date.now();
      if (wait > 0) {
        this.#armOptimize(wait);
        return;
      }
      if (!busy || saved) work = 'text index';
      if (saved) this.#savedWhileBusy = false;
    }
    this.#optimizing = true;
    const started = Date.now();
    try {
      if (work === 'optimize') {
        this.#optimize.noteOptimizing();
        await this.#using((rt) => rt.app.store.optimize());
      } else {
        // Asked again inside this #using: a reload since the check may have replaced the tables.
        await this.#using(async (rt) => {
          for (const table of await laggingTextIndexes(rt, 1)) await table.rebuildTextIndex();
        });
        // Compaction stays due by the policy's own clock.
        this.#armOptimize(Number.POSITIVE_INFINITY);
      }
      // Each optimize or rebuild leaves stale entries in LanceDB's caches: start fresh ones
      // when those dominate (LanceStore.renewCachesIfStale), so memory follows the index, not
      // the number of writes since the start.
      await this.#using((rt) => rt.app.store.renewCachesIfStale());
      this.#optimizeFailures = 0;
      this.#clearTrouble('optimize');
    } catch (err) {
      const what = work === 'optimize' ? 'optimize' : 'rebuilding the full-text index';
      this.#optimizeFailures++;
      this.#log.warn(
        { err: errorMessage(err), failures: this.#optimizeFailures },
        `${what} failed; will try again later`,
      );
      if (this.#optimizeFailures >= OPTIMIZE_FAILURES_DEGRADED) {
        this.#setTrouble(
          'optimize',
          {
            reason: `${what} of the index in ${this.config.dataDir} failed ${this.#optimizeFailures} times in a row (${errorMessage(err)}): searches slow down as small writes pile up`,
            fix: 'check free space and permissions under the data dir; the daemon keeps trying, and `ragctl status` clears once one succeeds',
            sinceMs: Date.now(),
          },
          what,
        );
      }
      this.#optimize.noteWrite(1);
      this.#armOptimize(Number.POSITIVE_INFINITY);
    } finally {
      this.#optimizing = false;
      this.#lastOptimize = { endedAt: Date.now(), ms: Date.now() - started };
    }
  }
}

/** Why `status` is degraded while the tables' stats cannot be read. */
function storeUnreadable(config: Config, err: unknown): Trouble {
  return {
    reason: `the index in ${config.dataDir} cannot be read: ${errorMessage(err)}`,
    fix: 'check the folder named (missing or replaced files, permissions, a disk error, the open-file limit `ulimit -n`): files deleted or replaced under it need a restart of the daemon, which rebuilds what is missing; for the rest it retries by itself, and search may fail meanwhile',
    sinceMs: Date.now(),
  };
}

/** A start that failed before the daemon existed: the lock must not outlive it, nor hide why. */
function releaseAfterFailedStart(lock: DataDirLock, logger: Logger): void {
  try {
    lock.release();
  } catch (err) {
    logger.error({ component: 'daemon', err }, 'could not release the data-dir lock');
  }
}

/** The chunk tables holding at least `min` rows their full-text index has not folded in. */
async function laggingTextIndexes(rt: Runtime, min: number): Promise<ChunkTable[]> {
  const lagging: ChunkTable[] = [];
  for (const engine of enginesInUse(rt.config)) {
    const table = rt.app.indexer.table(engine);
    if (table && unindexedTextRows(await table.stats()) >= min) lagging.push(table);
  }
  return lagging;
}
