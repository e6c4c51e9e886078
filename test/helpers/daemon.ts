import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { expect } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { GLIBC_DAEMON_ENV } from '../../src/daemon/glibc-env.js';
import { DataDirLock } from '../../src/daemon/lock.js';
import { STRAY_ERROR_EVENTS } from '../../src/daemon/process-guard.js';
import { isRagError } from '../../src/errors.js';
import { request } from '../../src/ipc/client.js';
import type {
  Method,
  ParamsOf,
  ResultOf,
  SearchParams,
  StatusResult,
  WireSearchHit,
} from '../../src/ipc/protocol.js';
import { testEmbedderBlock } from './index-workspace.js';
import { RAGCTL_BIN } from './run-cli.js';

/**
 * A short base for temp folders: the socket lives in `<dataDir>/run/ragd.sock`, and a Unix
 * socket path must fit in 107 bytes. `os.tmpdir()` may be long (or, after the model loads in
 * this process, MLX's cache folder), so the base is fixed.
 */
const SHORT_TEMP_BASE = '/tmp';

/** Start-up includes loading LanceDB and the model in the worker: seconds, more on a busy 2-core box. */
const START_TIMEOUT_MS = 60_000;
/** A clean stop takes about 2 s; the daemon's own deadline is 12 s. Past this it is SIGKILLed and the test fails. */
const STOP_TIMEOUT_MS = 20_000;
/** Between two looks at a condition: often enough to measure latency, rarely enough not to load the daemon. */
const POLL_MS = 100;

/** Polls `probe` until it returns something other than undefined/false, or fails naming `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last === undefined ? '' : `; last error: ${(last as Error).message ?? String(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * A temp folder for one daemon: `notes/` (the source), `data/` (the data dir, holding the
 * socket, lock, log and index) and `config.yaml`. Paths are short (see SHORT_TEMP_BASE).
 */
export class DaemonWorkspace {
  readonly root: string;
  readonly notes: string;
  readonly dataDir: string;
  readonly configFile: string;
  #raw: Record<string, unknown> = {};

  private constructor(root: string) {
    this.root = root;
    this.notes = join(root, 'notes');
    this.dataDir = join(root, 'data');
    this.configFile = join(root, 'config.yaml');
  }

  /** Creates the folders and writes a config with one source on `notes/` (override with `raw`). */
  static async create(raw: Record<string, unknown> = {}): Promise<DaemonWorkspace> {
    const ws = new DaemonWorkspace(await mkdtemp(join(SHORT_TEMP_BASE, 'rd-')));
    await mkdir(ws.notes, { recursive: true });
    await ws.writeConfig(raw);
    return ws;
  }

  get socketPath(): string {
    return this.config().socketPath;
  }

  get logFile(): string {
    return this.config().log.file;
  }

  path(rel: string): string {
    return join(this.notes, rel);
  }

  /** Writes a file under `notes/`, creating its folders. */
  async write(rel: string, content: string | Buffer): Promise<string> {
    const path = this.path(rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    return path;
  }

  /** An editor's save: the new text goes to a temp file beside the note, renamed over it. */
  async atomicSave(rel: string, content: string): Promise<string> {
    const path = this.path(rel);
    const tmp = join(dirname(path), `.${rel.split('/').pop()}.${process.pid}.tmp`);
    await writeFile(tmp, content);
    await rename(tmp, path);
    return path;
  }

  /**
   * The settings as they go into config.yaml: data dir, one source, the real model, logs at
   * `info` (the tests read them), plus `raw` on top.
   */
  rawConfig(raw: Record<string, unknown> = this.#raw): Record<string, unknown> {
    return {
      dataDir: this.dataDir,
      log: { level: 'info' },
      embedders: { default: testEmbedderBlock() },
      engines: { md: { chunker: 'markdown' } },
      sources: [{ path: this.notes, engine: 'md' }],
      ...raw,
    };
  }

  /** Writes config.yaml (JSON is YAML); checked here so a mistake fails in the test, not the child. */
  async writeConfig(raw: Record<string, unknown> = {}): Promise<void> {
    const full = this.rawConfig(raw);
    resolveConfig(full, this.configFile, {});
    this.#raw = raw;
    await writeFile(this.configFile, `${JSON.stringify(full, null, 2)}\n`);
  }

  /** The resolved config the daemon reads (from the last `writeConfig`). */
  config(): Config {
    return resolveConfig(this.rawConfig(), this.configFile, {});
  }

  /** The daemon's JSON log lines, parsed. */
  logLines(): Record<string, unknown>[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /**
   * The last `n` log lines other than answered requests, as text: what the daemon was doing when
   * a wait on it timed out (the workspace, log included, is removed after the test).
   */
  logTail(n = 25): string {
    const lines = this.logLines().filter((l) => l.msg !== 'request answered');
    return lines
      .slice(-n)
      .map((l) => JSON.stringify(l))
      .join('\n');
  }

  async cleanup(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

export interface StartOptions {
  /** Extra environment for the daemon. */
  env?: NodeJS.ProcessEnv;
  /**
   * A command line the daemon's own is appended to, e.g. `['unshare', '-Ur', 'sh', '-c', '… exec "$@"', 'sh']`.
   * It must `exec` the daemon, so that the pid is the daemon's.
   */
  wrap?: readonly string[];
}

/** Every daemon a test file started and has not seen exit: `stopAll` kills them in teardown. */
const live = new Set<DaemonProcess>();

/**
 * Log lines of exited daemons saying that a rejection or exception escaped every handler (see
 * src/daemon/process-guard.ts): read when each daemon exits (its workspace may be gone by
 * teardown), and failed on by `stop`, `stopAll` and `endDaemonTest` — so none can hide.
 */
const strayErrors: string[] = [];

function readStrayErrors(ws: DaemonWorkspace, pid: number): string[] {
  let lines: Record<string, unknown>[];
  try {
    lines = ws.logLines();
  } catch (err) {
    return [`the log of daemon ${pid} could not be read: ${(err as Error).message}`];
  }
  return lines
    .filter((l) => l.pid === pid && (STRAY_ERROR_EVENTS as readonly unknown[]).includes(l.event))
    .map((l) => `daemon ${pid}: ${String(l.event)}: ${JSON.stringify(l.err ?? l.msg)}`);
}

/** The stray errors logged so far, which the caller expected (a test of the handlers): no longer failed on. */
export function takeStrayErrors(): string[] {
  return strayErrors.splice(0);
}

/** Fails (once) on the stray errors daemons logged since the last check. */
function assertNoStrayErrors(): void {
  const found = strayErrors.splice(0);
  expect(found, 'unhandled rejections or uncaught exceptions in a daemon log').toEqual([]);
}

/**
 * `node bin/ragctl.js daemon run --config <file>` as a real child process. `start` resolves
 * once the socket answers `status`; `stop` sends SIGTERM (SIGKILL past a deadline) and asserts a
 * clean exit: code 0, socket gone, lock released.
 */
export class DaemonProcess {
  readonly ws: DaemonWorkspace;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  readonly exited: Promise<number | string>;
  #stderr = '';
  #exit: number | string | undefined;

  private constructor(ws: DaemonWorkspace, child: ChildProcess) {
    this.ws = ws;
    this.child = child;
    this.pid = child.pid!;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr += d;
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = code ?? signal ?? 'unknown';
        live.delete(this);
        strayErrors.push(...readStrayErrors(ws, this.pid));
        resolve(this.#exit);
      });
    });
  }

  /** What the process wrote to stdout and stderr so far. */
  get output(): string {
    return this.#stderr;
  }

  get hasExited(): boolean {
    return this.#exit !== undefined;
  }

  /** Spawns the daemon; does not wait for it (see `start`). */
  static spawn(ws: DaemonWorkspace, options: StartOptions = {}): DaemonProcess {
    // As the systemd unit starts it: a daemon without glibc's settings runs itself again with
    // them, and its pid would not be the one spawned here (test/integration/daemon/glibc-env.test.ts).
    const env = { ...process.env, ...GLIBC_DAEMON_ENV, ...options.env };
    delete env.RAGCTL_CONFIG;
    const argv = [process.execPath, RAGCTL_BIN, 'daemon', 'run', '--config', ws.configFile];
    const [cmd, ...args] = [...(options.wrap ?? []), ...argv];
    const child = spawn(cmd!, args, { cwd: ws.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const daemon = new DaemonProcess(ws, child);
    live.add(daemon);
    return daemon;
  }

  /** Spawns the daemon and waits until its socket answers `status`. */
  static async start(ws: DaemonWorkspace, options: StartOptions = {}): Promise<DaemonProcess> {
    const daemon = DaemonProcess.spawn(ws, options);
    await daemon.ready();
    return daemon;
  }

  /** Resolves once `status` is answered by this process; fails at once if it exits first. */
  async ready(timeoutMs = START_TIMEOUT_MS): Promise<StatusResult> {
    return waitFor(
      `the daemon (pid ${this.pid}) to answer status`,
      async () => {
        if (this.hasExited)
          throw new Error(`the daemon exited (${String(this.#exit)}) before answering:\n${this.#stderr}`);
        try {
          const status = await this.status(2_000);
          return status.pid === this.pid ? status : undefined;
        } catch (err) {
          if (this.hasExited)
            throw new Error(`the daemon exited (${String(this.#exit)}) before answering:\n${this.#stderr}`);
          if (isRagError(err) && err.code === 'E_NO_DAEMON') return undefined;
          throw err;
        }
      },
      timeoutMs,
    ).catch((err: Error) => {
      if (this.hasExited) throw new Error(`the daemon exited (${String(this.#exit)}):\n${this.#stderr}`);
      throw err;
    });
  }

  request<M extends Method>(method: M, params: ParamsOf<M>, timeoutMs = 30_000): Promise<ResultOf<M>> {
    return request(this.ws.socketPath, method, params, { timeoutMs });
  }

  status(timeoutMs = 30_000): Promise<StatusResult> {
    return this.request('status', {}, timeoutMs);
  }

  /** Hybrid search (the default) for up to 50 hits. */
  async search(query: string, params: Partial<SearchParams> = {}): Promise<WireSearchHit[]> {
    return (await this.request('search', { query, k: 50, ...params })).results;
  }

  /** Waits until `status` says idle with nothing queued; returns that status. */
  idle(timeoutMs = 30_000): Promise<StatusResult> {
    return waitFor(
      'the daemon to be idle',
      async () => {
        const s = await this.status();
        return s.state === 'idle' && s.queue_depth === 0 ? s : undefined;
      },
      timeoutMs,
    );
  }

  /** Waits for a status that satisfies `test`; returns it. */
  until(what: string, test: (s: StatusResult) => boolean, timeoutMs = 30_000): Promise<StatusResult> {
    return waitFor(
      what,
      async () => {
        const s = await this.status();
        return test(s) ? s : undefined;
      },
      timeoutMs,
    );
  }

  /** The embed worker: the daemon's child process running `child.js`, if one runs now. */
  workerPid(): number | undefined {
    for (const pid of childPids(this.pid)) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((a) => a.endsWith('embed/worker/child.js'))) return pid;
    }
    return undefined;
  }

  /**
   * SIGTERM, then SIGKILL past the deadline; asserts the daemon stopped by itself (code 0), in
   * time, removed its socket and released its lock (the lock file stays: see src/daemon/lock.ts).
   */
  async stop(): Promise<void> {
    if (!this.hasExited) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const code = await this.exited;
    clearTimeout(timer);
    expect(code, `the daemon's exit (stop within ${STOP_TIMEOUT_MS} ms):\n${this.#stderr}`).toBe(0);
    expect(existsSync(this.ws.socketPath), 'socket removed').toBe(false);
    expect(DataDirLock.holder(this.ws.dataDir), 'lock released').toBeUndefined();
    assertNoStrayErrors();
  }

  /** kill -9, and waits until the process (and its embed worker) are gone. */
  async kill9(): Promise<void> {
    const worker = this.workerPid();
    this.child.kill('SIGKILL');
    expect(await this.exited).toBe('SIGKILL');
    // The worker exits when its IPC channel closes; never leave one behind.
    if (worker !== undefined) await waitFor(`embed worker ${worker} to exit`, () => !isAlive(worker), 10_000);
  }
}

/** Teardown: kills whatever a failed test left running, then waits for it. */
export async function stopAll(): Promise<void> {
  for (const daemon of [...live]) {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
  }
  assertNoStrayErrors();
}

/**
 * A daemon test's teardown: stop the daemon it started (if it still runs), kill whatever a
 * failed test left running, then remove the workspace — the last two even if the stop fails.
 */
export async function endDaemonTest(
  daemon: DaemonProcess | undefined,
  ws: DaemonWorkspace | undefined,
): Promise<void> {
  try {
    if (daemon && !daemon.hasExited) await daemon.stop();
  } finally {
    await stopAll();
    await ws?.cleanup();
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The direct children of a process (Linux: /proc/<pid>/task/<tid>/children). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (children) out.push(...children.split(/\s+/).map(Number));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** A stored file record, read straight from the `files` table (not through the code under test). */
export interface StoredRecord {
  path: string;
  status: string;
  reason: string;
  chunkCount: number;
  fileHash: string;
  indexedAt: number;
}

/** Every file record of a data dir, through a LanceDB connection of this process (daemon stopped or not). */
export async function readRecords(config: Config): Promise<Map<string, StoredRecord>> {
  const db = await connect(join(config.dataDir, 'index'), { readConsistencyInterval: 0 });
  try {
    if (!(await db.tableNames()).includes('files')) return new Map();
    const table = await db.openTable('files');
    try {
      const rows = await table.query().toArray();
      return new Map(
        rows.map((r) => [
          r.path as string,
          {
            path: r.path as string,
            status: r.status as string,
            reason: r.reason as string,
            chunkCount: r.chunk_count as number,
            fileHash: r.file_hash as string,
            indexedAt: r.indexed_at_ms as number,
          },
        ]),
      );
    } finally {
      table.close();
    }
  } finally {
    db.close();
  }
}

/**
 * The hits of a search that show one file: its own, and those that name it among their copies
 * (two notes that say nearly the same are one hit, src/search/copies.ts).
 */
export function hitsAt(hits: readonly WireSearchHit[], path: string): WireSearchHit[] {
  return hits.filter((h) => h.path === path || h.copies?.some((c) => c.path === path));
}
