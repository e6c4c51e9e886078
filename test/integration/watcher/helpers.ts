import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { expect } from 'vitest';
import type { SourceConfig } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/log.js';
import { PathFilter } from '../../../src/pipeline/path-filter.js';
import { createChokidar } from '../../../src/watcher/fs-watcher.js';
import type {
  Degradation,
  Recovery,
  RescanRequest,
  WatcherLimits,
  WatcherOptions,
} from '../../../src/watcher/types.js';
import { Watcher } from '../../../src/watcher/watcher.js';

/**
 * Shorter than the defaults to keep the suite quick, yet a debounce long enough that one
 * save's events stay in one window on a loaded machine.
 */
export const FAST: Partial<WatcherLimits> = { debounceMs: 100, maxDelayMs: 1_000, rootPollMs: 100 };

/** Everything a watcher said, in order, with a way to wait for a condition on it. */
export class Recorder {
  readonly batches: string[][] = [];
  readonly rescans: RescanRequest[] = [];
  readonly degraded: Degradation[] = [];
  readonly recovered: Recovery[] = [];
  readonly #updates = new EventEmitter();

  constructor(watcher: Watcher) {
    watcher.on('changes', (paths) => this.#push(this.batches, paths));
    watcher.on('rescan', (r) => this.#push(this.rescans, r));
    watcher.on('degraded', (d) => this.#push(this.degraded, d));
    watcher.on('recovered', (r) => this.#push(this.recovered, r));
  }

  get paths(): string[] {
    return this.batches.flat();
  }

  /** How many times `path` arrived, over all batches. */
  count(path: string): number {
    return this.paths.filter((p) => p === path).length;
  }

  /** Resolves when `condition` holds, checked after every event; fails after `timeoutMs`. */
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
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw ${this.describe()}`));
      }, timeoutMs);
      this.#updates.on('update', check);
    });
  }

  /** Waits until every path has arrived at least once. */
  arrived(paths: string[], timeoutMs?: number): Promise<void> {
    const want = new Set(paths);
    return this.until(
      () => [...want].every((p) => this.paths.includes(p)),
      `paths ${paths.join(', ')}`,
      timeoutMs,
    );
  }

  describe(): string {
    return JSON.stringify({
      batches: this.batches.map((b) => (b.length > 5 ? [...b.slice(0, 5), `… ${b.length} in all`] : b)),
      rescans: this.rescans,
      degraded: this.degraded.map((d) => d.code),
      recovered: this.recovered.map((r) => r.code),
    });
  }

  #push<T>(list: T[], item: T): void {
    list.push(item);
    this.#updates.emit('update');
  }
}

export interface Harness {
  /** The source folder (real path: events carry real paths). */
  root: string;
  /** A folder beside the source, never watched: temp files are made here and moved in. */
  outside: string;
  dataDir: string;
  filter: PathFilter;
  watcher: Watcher;
  events: Recorder;
  /** Every chokidar instance the watcher made, newest last. */
  chokidars: FSWatcher[];
  write(rel: string, text?: string): Promise<string>;
  abs(rel: string): string;
}

export interface HarnessOptions {
  include?: string[];
  exclude?: string[];
  limits?: Partial<WatcherLimits>;
  /** Put the data dir inside the source, to prove it is never watched. */
  dataDirInside?: boolean;
  /** Files to create before the watcher starts (they must not be reported). */
  before?: Record<string, string>;
  start?: boolean;
  /** Called with each chokidar instance the watcher makes (0 for the first), before it is used. */
  onChokidar?: (fsw: FSWatcher, index: number) => void;
}

/** Temp folders, a watcher on them, and teardown that asserts everything closed. */
export class WatcherTest {
  readonly #cleanups: (() => Promise<void>)[] = [];
  readonly #watchers: Watcher[] = [];
  readonly #chokidars: FSWatcher[] = [];

  async make(options: HarnessOptions = {}): Promise<Harness> {
    const base = await realpath(await mkdtemp(join(tmpdir(), 'ragctl-watch-')));
    this.#cleanups.push(() => rm(base, { recursive: true, force: true }));
    const root = join(base, 'notes');
    const outside = join(base, 'outside');
    const dataDir = options.dataDirInside ? join(root, '.ragctl-data') : join(base, 'data');
    await mkdir(root, { recursive: true });
    await mkdir(outside, { recursive: true });
    await mkdir(dataDir, { recursive: true });
    const source: SourceConfig = {
      path: root,
      engine: 'markdown',
      include: options.include ?? ['**/*.md', '**/*.txt'],
      exclude: options.exclude ?? [],
    };
    for (const [rel, text] of Object.entries(options.before ?? {})) await writeAt(join(root, rel), text);
    const filter = new PathFilter(source, dataDir);
    const chokidars: FSWatcher[] = [];
    const watcherOptions: WatcherOptions = {
      filters: [filter],
      dataDir,
      logger: silentLogger(),
      limits: { ...FAST, ...options.limits },
      createFsWatcher: (path, chokidarOptions) => {
        const fsw = createChokidar(path, chokidarOptions);
        options.onChokidar?.(fsw, chokidars.length);
        chokidars.push(fsw);
        this.#chokidars.push(fsw);
        return fsw;
      },
    };
    const watcher = new Watcher(watcherOptions);
    this.#watchers.push(watcher);
    const events = new Recorder(watcher);
    if (options.start !== false) await watcher.start();
    return {
      root,
      outside,
      dataDir,
      filter,
      watcher,
      events,
      chokidars,
      abs: (rel) => join(root, rel),
      write: async (rel, text = `# ${rel}\n\n${Date.now()} ${Math.random()}\n`) => {
        const path = join(root, rel);
        await writeAt(path, text);
        return path;
      },
    };
  }

  async teardown(): Promise<void> {
    for (const watcher of this.#watchers) await watcher.close();
    for (const watcher of this.#watchers) {
      expect(watcher.isClosed).toBe(true);
      expect(watcher.status().every((s) => s.state === 'closed')).toBe(true);
    }
    // Every chokidar instance the watchers made is closed and holds no OS watch.
    for (const fsw of this.#chokidars) {
      expect(fsw.closed).toBe(true);
      expect(fsw._closers.size).toBe(0);
    }
    for (const cleanup of this.#cleanups.splice(0)) await cleanup();
  }
}

export async function writeAt(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}
