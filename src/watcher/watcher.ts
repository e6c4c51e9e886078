import { EventEmitter } from 'node:events';
import { RagError } from '../errors.js';
import type { Logger } from '../log.js';
import { folderFilters } from '../pipeline/path-filter.js';
import { createChokidar } from './fs-watcher.js';
import { resolveWatcherLimits } from './limits.js';
import { type SourceSink, SourceWatch } from './source-watch.js';
import type { SourceStatus, WatcherEventMap, WatcherLimits, WatcherOptions } from './types.js';

/**
 * Watches every source folder and says which paths may have changed. Events are merged per
 * path in time (see `Coalescer`) and arrive as `changes` batches; whenever events may have been
 * lost — a watcher error, a storm past the buffer, a folder moved in or out, an ignore file
 * edited, a source folder that came back — a `rescan` asks for a walk instead. `degraded` and
 * `recovered` say when watching a source cannot be trusted, why, and what fixes it.
 *
 * The watcher only makes updates arrive sooner: the daemon reconciles at start and after each
 * `rescan`, and that is what guarantees the index matches the disk.
 */
export class Watcher extends EventEmitter<WatcherEventMap> {
  readonly limits: WatcherLimits;
  readonly #sources: SourceWatch[];
  readonly #log: Logger;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: WatcherOptions) {
    super();
    this.limits = resolveWatcherLimits(options.limits);
    this.#log = options.logger.child({ component: 'watcher' });
    const sink: SourceSink = {
      changes: (paths) => this.#guard('changes', () => this.emit('changes', paths)),
      rescan: (request) => this.#guard('rescan', () => this.emit('rescan', request)),
      degraded: (degradation) => this.#guard('degraded', () => this.emit('degraded', degradation)),
      recovered: (recovery) => this.#guard('recovered', () => this.emit('recovered', recovery)),
    };
    // A folder listed for several engines is watched once.
    this.#sources = folderFilters(options.filters).map(
      (filter) =>
        new SourceWatch({
          filter,
          dataDir: options.dataDir,
          limits: this.limits,
          logger: this.#log,
          createFsWatcher: options.createFsWatcher ?? createChokidar,
          sink,
        }),
    );
  }

  /**
   * Resolves once every source's initial scan is done (a missing source folder does not hold it
   * up: it is suspended and polled for). No `add` is emitted for what already exists.
   */
  start(): Promise<void> {
    if (this.#closing)
      return Promise.reject(new RagError('E_USAGE', 'this watcher was closed; make a new one'));
    this.#starting ??= Promise.all(this.#sources.map((s) => s.start())).then(() => {
      this.#log.info({ sources: this.#sources.length }, 'watching');
    });
    return this.#starting;
  }

  /** Stops every source; idempotent. Pending paths are dropped (the next start reconciles). */
  close(): Promise<void> {
    this.#closing ??= Promise.all(this.#sources.map((s) => s.close())).then(() => {
      this.#log.debug('watcher closed');
    });
    return this.#closing;
  }

  get isClosed(): boolean {
    return this.#closing !== undefined;
  }

  status(): SourceStatus[] {
    return this.#sources.map((s) => s.status());
  }

  /** Emits unless closed; a throwing listener must not take the watcher's timers (and the daemon) down. */
  #guard(event: keyof WatcherEventMap, emit: () => void): void {
    if (this.#closing) return;
    try {
      emit();
    } catch (err) {
      this.#log.error({ err, event }, 'a watcher listener threw');
    }
  }
}
