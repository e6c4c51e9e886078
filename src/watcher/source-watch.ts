import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { runInBackground } from '../background.js';
import { errnoCode, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { isInside } from '../paths.js';
import type { FolderFilter } from '../pipeline/path-filter.js';
import { Coalescer, type NoteOutcome } from './coalesce.js';
import { chokidarOptions } from './fs-watcher.js';
import { classifyWatcherError, isWatcherNoise, rootMissing } from './health.js';
import { LinkTargets } from './link-targets.js';
import type {
  Degradation,
  FsWatcherFactory,
  Recovery,
  RescanRequest,
  SourceState,
  SourceStatus,
  WatcherLimits,
} from './types.js';

/** Where a source's findings go: the `Watcher` re-emits them as its own events. */
export interface SourceSink {
  changes(paths: string[]): void;
  rescan(request: RescanRequest): void;
  degraded(degradation: Degradation): void;
  recovered(recovery: Recovery): void;
}

export interface SourceWatchOptions {
  filter: FolderFilter;
  dataDir: string;
  limits: WatcherLimits;
  logger: Logger;
  createFsWatcher: FsWatcherFactory;
  sink: SourceSink;
}

/**
 * One source folder under one chokidar instance. Its own instance, so that a source can be
 * suspended (its folder vanished) or rebuilt (after a watch-limit error) without touching the
 * others; chokidar shares the underlying OS watches between instances anyway.
 *
 * Lifecycle transitions (open, suspend, resume, restart, close) run one at a time on a chain;
 * events are merged per path by a `Coalescer` and handed to the sink in batches.
 */
export class SourceWatch {
  readonly root: string;
  readonly #filter: FolderFilter;
  readonly #dataDir: string;
  readonly #limits: WatcherLimits;
  readonly #log: Logger;
  readonly #createFsWatcher: FsWatcherFactory;
  readonly #sink: SourceSink;
  readonly #coalescer: Coalescer;
  /** The targets of the source's symlinked files, which chokidar does not follow. */
  readonly #links: LinkTargets;
  /** Aborted by close(): every transition stops at its next step. */
  readonly #lifetime = new AbortController();
  #state: SourceState = 'starting';
  #degradation: Degradation | null = null;
  #fsw: FSWatcher | undefined;
  /** The folder chokidar watches: the root, or its target when the root itself is a symlink. */
  #watchRoot: string;
  /** `dev:ino` of the root when watching began: another value means the folder was replaced. */
  #rootId: string | undefined;
  /** Errors the current chokidar instance reported: a restart is trusted only when it saw none. */
  #errors = 0;
  /** Restarts in a row that still saw errors: picks the next delay. */
  #failedRestarts = 0;
  #chain: Promise<void> = Promise.resolve();
  #isCheckQueued = false;
  #flushTimer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Second readings of ignore files that just changed (see #onIgnoreFile). */
  readonly #settleTimers = new Set<NodeJS.Timeout>();
  /**
   * Files chokidar could not watch, as this process may not read them (see `SeenHooks`): their
   * folder's watch still reports a `chmod` and every save after, as raw events (#onFolderEvent).
   */
  readonly #unreadable = new Set<string>();
  /** New folders waiting for their second look (see #recheckLater), by folder. */
  readonly #rechecks = new Map<string, NodeJS.Timeout>();
  #closing: Promise<void> | undefined;

  constructor(options: SourceWatchOptions) {
    this.root = options.filter.root;
    this.#watchRoot = this.root;
    this.#filter = options.filter;
    this.#dataDir = options.dataDir;
    this.#limits = options.limits;
    this.#log = options.logger.child({ source: this.root });
    this.#createFsWatcher = options.createFsWatcher;
    this.#sink = options.sink;
    this.#coalescer = new Coalescer(this.root, options.limits);
    this.#links = new LinkTargets({
      onChange: (link) => this.#note((now) => this.#coalescer.notePath(link, now)),
      onReplaced: (path) => this.#lookAgain(path),
      maxFolders: options.limits.maxLinkTargetFolders,
      logger: this.#log,
    });
  }

  status(): SourceStatus {
    return {
      root: this.root,
      state: this.#state,
      degradation: this.#degradation,
      buffered: this.#coalescer.size,
    };
  }

  /** Resolves once the initial scan is done, or at once when the folder is missing (suspended). */
  start(): Promise<void> {
    return this.#transition(async () => {
      // Polling starts first: if opening fails, the next check opens the folder again.
      this.#pollTimer ??= setInterval(() => this.#requestRootCheck(), this.#limits.rootPollMs);
      this.#pollTimer.unref();
      const id = await this.#statRoot();
      if (id === undefined) this.#suspend();
      else await this.#open(id);
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  get #isClosed(): boolean {
    return this.#lifetime.signal.aborted;
  }

  async #close(): Promise<void> {
    this.#lifetime.abort();
    this.#state = 'closed';
    clearInterval(this.#pollTimer);
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#flushTimer);
    for (const timer of this.#settleTimers) clearTimeout(timer);
    for (const timer of this.#rechecks.values()) clearTimeout(timer);
    this.#rechecks.clear();
    this.#settleTimers.clear();
    this.#coalescer.clear();
    this.#links.close();
    await this.#chain;
    await this.#closeFsWatcher();
  }

  /** Runs lifecycle steps one after another; a failed step is logged and the chain goes on. */
  #transition(step: () => Promise<void>): Promise<void> {
    const run = async () => {
      if (this.#isClosed) return;
      try {
        await step();
      } catch (err) {
        if (this.#isClosed) return;
        this.#log.error({ err }, 'watcher transition failed; the folder is checked again on the next poll');
      }
    };
    this.#chain = this.#chain.then(run);
    return this.#chain;
  }

  /** Starts a chokidar instance on the folder and waits for its initial scan. */
  async #open(rootId: string): Promise<void> {
    this.#state = 'starting';
    this.#rootId = rootId;
    this.#errors = 0;
    this.#watchRoot = (await lstat(this.root)).isSymbolicLink() ? await realpath(this.root) : this.root;
    if (this.#isClosed) return;
    const fsw = this.#createFsWatcher(
      this.#watchRoot,
      chokidarOptions(
        this.#filter,
        this.#dataDir,
        (p) => this.#toSourcePath(p),
        // Not tied to this instance: chokidar may call its matcher before `watch()` returns.
        {
          link: (link) => this.#links.track(link),
          unreadable: (path) => this.#unreadable.add(path),
        },
      ),
    );
    this.#fsw = fsw;
    this.#listen(fsw);
    await untilReady(fsw, this.#lifetime.signal);
    if (this.#isClosed) return;
    this.#state = this.#degradation ? 'degraded' : 'watching';
    this.#log.debug({ watched: this.#watchRoot }, 'watching');
  }

  #listen(fsw: FSWatcher): void {
    const path = (p: string) => {
      if (this.#fsw !== fsw) return;
      const sourcePath = this.#toSourcePath(p);
      // A link replaced, pointed elsewhere or removed: follow its new target, or none.
      this.#links.recheck(sourcePath);
      this.#onPath(fsw, sourcePath);
    };
    fsw.on('add', path);
    fsw.on('change', path);
    fsw.on('unlink', (p) => {
      this.#unreadable.delete(this.#toSourcePath(p));
      path(p);
    });
    fsw.on('addDir', (p) => {
      const dir = this.#toSourcePath(p);
      if (this.#fsw !== fsw || dir === this.root) return;
      this.#note((now) => this.#coalescer.noteFolder(dir, 'folder-added', now));
      this.#recheckLater(fsw, dir);
    });
    fsw.on('unlinkDir', (p) => {
      if (this.#fsw !== fsw) return;
      const dir = this.#toSourcePath(p);
      if (dir === this.root) {
        this.#requestRootCheck();
        return;
      }
      this.#links.forgetBelow(dir);
      this.#note((now) => this.#coalescer.noteFolder(dir, 'folder-removed', now));
    });
    // The root's own removal or rename shows first as a raw `rename` of its name on its own
    // watch; checking at once keeps the files' unlink events of an unmount out of the index.
    fsw.on('raw', (event, evPath, details) => {
      if (this.#fsw !== fsw) return;
      if (this.#unreadable.size > 0) this.#onFolderEvent(evPath, details);
      if (event !== 'rename' || evPath !== basename(this.#watchRoot)) return;
      if (watchedPathOf(details) === this.#watchRoot) this.#requestRootCheck();
    });
    fsw.on('error', (err) => {
      if (this.#fsw === fsw) this.#onError(err);
    });
  }

  /** A raw event of a folder's watch about a file chokidar cannot watch: that file may have changed. */
  #onFolderEvent(name: string, details: unknown): void {
    const folder = watchedPathOf(details);
    if (folder === undefined || name === '') return;
    const path = this.#toSourcePath(join(folder, name));
    if (this.#unreadable.has(path)) this.#note((now) => this.#coalescer.notePath(path, now));
  }

  #onPath(fsw: FSWatcher, path: string): void {
    if (this.#filter.isIgnoreFile(path)) {
      this.#onIgnoreFile(fsw, path);
      return;
    }
    this.#note((now) => this.#coalescer.notePath(path, now));
  }

  /**
   * An ignore file was added, changed or removed: the folder's rules changed. The parsed rules
   * are forgotten, chokidar re-reads the folder (so a folder no longer ignored gets watched, and
   * one now ignored stops costing watches), and the folder is walked again for the index.
   */
  #onIgnoreFile(fsw: FSWatcher, path: string): void {
    this.#filter.forgetIgnoreFile(path);
    const dir = dirname(path);
    this.#rewatch(fsw, dir);
    this.#log.info({ file: path }, 'ignore file changed: the folder is walked again');
    this.#note((now) => this.#coalescer.noteFolder(dir, 'ignore-file-changed', now));
    // A writer may create the file before its content lands (`writeFile` opens, then writes on
    // a later turn; some editors truncate first), and chokidar need not report the second step:
    // rules read in between would stay cached. Forget them again once the write has settled.
    const timer = setTimeout(() => {
      this.#settleTimers.delete(timer);
      this.#filter.forgetIgnoreFile(path);
    }, this.#limits.debounceMs);
    this.#settleTimers.add(timer);
  }

  /**
   * chokidar reports a new folder, then lists it, then starts watching it: a file written
   * between the listing and the watch is never reported, and neither is its removal (the next
   * listing has no record of it), while the walk of the new folder indexes it. Once the folder
   * has settled, chokidar lists it again, which makes it follow what is there now, and the folder
   * is walked again, which drops what left in between. One recheck covers the folders below it.
   */
  #recheckLater(fsw: FSWatcher, dir: string): void {
    for (const pending of this.#rechecks.keys()) if (pending === dir || isInside(dir, pending)) return;
    const timer = setTimeout(() => {
      this.#rechecks.delete(dir);
      if (this.#fsw !== fsw || this.#isClosed) return;
      this.#rewatch(fsw, dir);
      this.#note((now) => this.#coalescer.noteFolder(dir, 'folder-recheck', now));
    }, this.#limits.folderRecheckMs);
    this.#rechecks.set(dir, timer);
  }

  /** A symlink became a plain file, which chokidar may not watch: it forgets the path and adds it anew. */
  #lookAgain(path: string): void {
    const fsw = this.#fsw;
    if (!fsw || this.#isClosed) return;
    this.#rewatch(fsw, path);
    this.#note((now) => this.#coalescer.notePath(path, now));
  }

  /** chokidar has no rescan: it forgets the path and lists it (a folder: all below it) anew. */
  #rewatch(fsw: FSWatcher, path: string): void {
    const watched = this.#toWatchPath(path);
    fsw.unwatch(watched);
    fsw.add(watched);
  }

  #onError(err: unknown): void {
    if (isWatcherNoise(err)) {
      this.#log.debug({ err }, 'watcher noise ignored');
      return;
    }
    this.#errors++;
    if (this.#degradation) {
      // One warning per episode: an ENOSPC storm repeats this for every folder not watched.
      this.#log.debug({ code: errnoCode(err), message: errorMessage(err) }, 'further watcher error');
      return;
    }
    this.#degrade(classifyWatcherError(this.root, err), err);
    this.#sink.rescan({ within: this.root, reason: 'watcher-error' });
    this.#scheduleRestart();
  }

  #degrade(degradation: Degradation, err?: unknown): void {
    this.#degradation = degradation;
    if (this.#state !== 'suspended') this.#state = 'degraded';
    this.#log.warn({ code: degradation.code, err, fix: degradation.fix }, degradation.reason);
    this.#sink.degraded(degradation);
  }

  #recover(): void {
    const ended = this.#degradation;
    if (!ended) return;
    this.#degradation = null;
    this.#log.info({ code: ended.code }, 'watching normally again');
    this.#sink.recovered({ source: this.root, code: ended.code, reason: ended.reason });
  }

  #scheduleRestart(): void {
    if (this.#restartTimer || this.#isClosed) return;
    const delays = this.#limits.restartDelaysMs;
    const delayMs = delays[Math.min(this.#failedRestarts, delays.length - 1)]!;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      runInBackground(this.#log, 'restarting the watcher', () => this.#transition(() => this.#restart()));
    }, delayMs);
  }

  /** Rebuilds the chokidar instance after an error; trusted again only if it starts cleanly. */
  async #restart(): Promise<void> {
    if (this.#state !== 'degraded') return; // suspended: the root check owns the source now
    await this.#closeFsWatcher();
    const id = await this.#statRoot();
    if (this.#isClosed) return;
    if (id === undefined) {
      this.#suspend();
      return;
    }
    await this.#open(id);
    if (this.#isClosed) return;
    if (this.#errors) {
      this.#failedRestarts++;
      this.#log.warn({ errors: this.#errors }, 'the watcher still reports errors; retrying later');
      this.#state = 'degraded';
      this.#scheduleRestart();
      return;
    }
    this.#failedRestarts = 0;
    this.#state = 'watching';
    this.#recover();
    this.#sink.rescan({ within: this.root, reason: 'watcher-restarted' });
  }

  #requestRootCheck(): void {
    if (this.#isCheckQueued || this.#isClosed) return;
    this.#isCheckQueued = true;
    runInBackground(this.#log, 'checking the source folder', () =>
      this.#transition(async () => {
        this.#isCheckQueued = false;
        await this.#checkRoot();
      }),
    );
  }

  /** Suspends a source whose folder vanished, resumes one whose folder came back. */
  async #checkRoot(): Promise<void> {
    const id = await this.#statRoot();
    if (this.#isClosed) return;
    // Suspended, or an earlier open failed half-way (the folder vanished between two stats).
    if (this.#state === 'suspended' || !this.#fsw) {
      if (id !== undefined) await this.#resume(id);
      return;
    }
    if (id === undefined) {
      await this.#closeFsWatcher();
      this.#suspend();
      return;
    }
    if (id !== this.#rootId) {
      // Renamed away and another folder put in its place: chokidar watches the old one.
      this.#log.warn('source folder was replaced by another; watching the new one');
      await this.#closeFsWatcher();
      this.#coalescer.clear();
      await this.#open(id);
      if (!this.#isClosed) this.#sink.rescan({ within: this.root, reason: 'root-replaced' });
    }
  }

  /**
   * The folder is gone. Nothing is removed from the index: an unmounted disk is not an empty
   * one, so events still buffered (chokidar reports every file of a vanished folder as
   * unlinked) are dropped, and the folder is walked again when it returns.
   */
  #suspend(): void {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#coalescer.clear();
    this.#state = 'suspended';
    if (this.#degradation?.code !== 'root-missing') this.#degrade(rootMissing(this.root));
  }

  async #resume(id: string): Promise<void> {
    this.#log.info('source folder is back');
    this.#recover();
    this.#failedRestarts = 0;
    await this.#open(id);
    if (this.#isClosed) return;
    this.#sink.rescan({ within: this.root, reason: 'root-returned' });
  }

  async #closeFsWatcher(): Promise<void> {
    const fsw = this.#fsw;
    if (!fsw) return;
    this.#fsw = undefined;
    // The next chokidar instance's scan finds the links and the unreadable files again.
    this.#links.clear();
    this.#unreadable.clear();
    const closed = fsw.close();
    // close() drops every listener at once, but chokidar work still in flight (a stat that
    // settles later) may emit 'error', which throws without a listener: keep one.
    fsw.on('error', (err) => this.#log.debug({ err }, 'error from a closed watcher'));
    await closed;
  }

  /** `dev:ino` of the root folder, or undefined when it is missing or not a folder. */
  async #statRoot(): Promise<string | undefined> {
    try {
      const stats = await stat(this.root);
      return stats.isDirectory() ? `${stats.dev}:${stats.ino}` : undefined;
    } catch (err) {
      if (!isWatcherNoise(err)) this.#log.debug({ err }, 'cannot stat the source folder');
      return undefined;
    }
  }

  #note(apply: (nowMs: number) => NoteOutcome): void {
    if (this.#isClosed || this.#state === 'suspended') return;
    if (apply(performance.now()) === 'overflowed') {
      this.#log.warn(
        { maxBufferedPaths: this.#limits.maxBufferedPaths, maxFolderRescans: this.#limits.maxFolderRescans },
        'too many changes at once to follow one by one: the source will be walked again instead',
      );
    }
    // Nothing pending is due sooner than a debounce from now, so a timer armed then is never late.
    this.#flushTimer ??= setTimeout(() => this.#flush(), this.#limits.debounceMs);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    if (this.#isClosed || this.#state === 'suspended') return;
    const nowMs = performance.now();
    const { rescans, paths, nextMs } = this.#coalescer.take(nowMs);
    if (nextMs !== undefined)
      this.#flushTimer = setTimeout(() => this.#flush(), Math.max(0, Math.ceil(nextMs - nowMs)));
    for (const request of rescans) this.#sink.rescan(request);
    if (paths.length) this.#sink.changes(paths);
  }

  /** chokidar's path (below the watched folder) as a path below the configured root. */
  #toSourcePath(path: string): string {
    if (this.#watchRoot === this.root) return path;
    if (path === this.#watchRoot) return this.root;
    return path.startsWith(`${this.#watchRoot}/`) ? this.root + path.slice(this.#watchRoot.length) : path;
  }

  #toWatchPath(path: string): string {
    if (this.#watchRoot === this.root) return path;
    return this.#watchRoot + path.slice(this.root.length);
  }
}

function watchedPathOf(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null || !('watchedPath' in details)) return undefined;
  return typeof details.watchedPath === 'string' ? details.watchedPath : undefined;
}

/**
 * Resolves on chokidar's `ready` or on abort. Not `events.once()`: it rejects on an `error`
 * event, and errors during the initial scan (a watch limit) are expected and handled apart.
 */
function untilReady(fsw: FSWatcher, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      fsw.off('ready', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    fsw.once('ready', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
