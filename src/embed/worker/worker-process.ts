import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { pino } from 'pino';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import {
  type ChildMessage,
  type ParentMessage,
  parseChildMessage,
  WORKER_PROTOCOL_VERSION,
} from './protocol.js';
import type { ExitReason } from './types.js';

/** The last 20 lines of the child's output are kept: a native crash explains itself there. */
const OUTPUT_TAIL_LINES = 20;
/** Longer output lines are cut: one runaway line must not fill the log or the tail. */
const MAX_OUTPUT_LINE_CHARS = 4096;
/**
 * 200 ms for the dead child's last output to be read before its death is reported. Its pipes
 * may stay open longer (a JIT `g++` it started inherits them), so this is a cap, not a wait
 * for end-of-file; the restart back-off is longer anyway.
 */
const OUTPUT_DRAIN_MS = 200;
/**
 * `--expose-gc`: node-mlx frees native memory only when V8 collects the JS wrappers, so the
 * embedder forces collections (mlx/runtime.ts); exposed, it needs no v8 flag fallback.
 */
const CHILD_EXEC_ARGV = ['--expose-gc'];

/**
 * The daemon's environment minus what suits the daemon but not the model: glibc's fixed mmap
 * threshold (docs/SERVICE.md) returns LanceDB's large temporary buffers to the system, but MLX
 * allocates arrays of that size for every layer of every batch, and with each one an mmap and
 * a munmap the same embedding took 2.2× as long (`node bench/embed/profile-mlx.mjs --tokens
 * 128`: 6,230 vs 2,825 tokens/s). The worker's memory is flat without it.
 */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { MALLOC_MMAP_THRESHOLD_: _daemonOnly, ...rest } = env;
  return rest;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WorkerProcessOptions {
  /** The compiled child entry. */
  entry: string;
  env: NodeJS.ProcessEnv;
  niceness: number;
  logger: Logger;
  onMessage(message: ChildMessage): void;
  /** A message that is not the protocol: a bug or a stale build. */
  onInvalid(reason: string): void;
  /** After the process is gone and its last output was read (or `OUTPUT_DRAIN_MS` passed). */
  onExit(exit: ProcessExit): void;
}

/**
 * One forked embed worker process: its IPC channel, its niceness, its output forwarded to the
 * log, and its end. Policy (what to send, when to restart) belongs to `EmbedWorker`.
 */
export class WorkerProcess {
  readonly pid: number | undefined;
  /** Resolves when the process has exited (or could not be spawned). */
  readonly exited: Promise<ProcessExit>;
  /** Resolves once `onExit` has run: the owner awaits it so that nothing outlives `close()`. */
  readonly reported: Promise<void>;
  /** Set by whoever kills it, so its death is reported with the reason. */
  killReason: ExitReason | undefined;
  readonly #child: ChildProcess;
  readonly #log: Logger;
  readonly #tail: string[] = [];
  #hasExited = false;

  constructor(options: WorkerProcessOptions) {
    // detached: its own process group, so a Ctrl-C meant for the CLI does not kill the model
    // mid-batch; it still exits with us (the child watches its IPC channel).
    this.#child = fork(options.entry, [], {
      execArgv: CHILD_EXEC_ARGV,
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: childEnv(options.env),
      detached: true,
    });
    this.pid = this.#child.pid;
    this.#log = options.logger.child({ childPid: this.pid });
    if (this.pid !== undefined) this.#renice(this.pid, options.niceness);
    for (const stream of [this.#child.stdout, this.#child.stderr]) if (stream) this.#forward(stream);

    this.#child.on('message', (raw: unknown) => {
      const parsed = parseChildMessage(raw);
      if (parsed.ok) options.onMessage(parsed.message);
      else options.onInvalid(parsed.reason);
    });
    this.exited = new Promise<ProcessExit>((resolve) => {
      const finish = (exit: ProcessExit): void => {
        if (this.#hasExited) return;
        this.#hasExited = true;
        resolve(exit);
      };
      this.#child.on('exit', (code, signal) => finish({ code, signal }));
      this.#child.on('error', (err) => {
        // Spawning failed (no 'exit' follows), or a send hit a closed channel ('exit' follows).
        this.#log.warn({ err: errorMessage(err) }, 'embed worker process error');
        if (this.#child.pid === undefined) finish({ code: null, signal: null });
      });
    });
    this.reported = this.exited.then(async (exit) => {
      await this.#drainOutput();
      options.onExit(exit);
    });
  }

  get isAlive(): boolean {
    return !this.#hasExited;
  }

  /** The last lines the process wrote, oldest first. */
  get outputTail(): string {
    return this.#tail.join('\n');
  }

  /** Sends if the channel is open; a closed one means the process is dying, and `onExit` will say so. */
  send(message: ParentMessage): void {
    if (!this.#child.connected) return;
    this.#child.send(message, (err) => {
      if (err) this.#log.debug({ err: errorMessage(err) }, 'send to the embed worker failed');
    });
  }

  kill(): void {
    if (this.#hasExited) return;
    this.#child.kill('SIGKILL');
  }

  /** Asks the process to exit, SIGKILLs it after `graceMs`, and resolves once it is gone. */
  async stop(graceMs: number): Promise<ProcessExit> {
    if (this.#hasExited) return this.exited;
    this.send({ v: WORKER_PROTOCOL_VERSION, type: 'shutdown' });
    const timer = setTimeout(() => this.kill(), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #renice(pid: number, niceness: number): void {
    if (niceness === 0) return;
    try {
      // Right after fork, before the child starts its compute threads: they inherit it.
      setPriority(pid, niceness);
    } catch (err) {
      this.#log.warn({ err: errorMessage(err), niceness }, 'could not lower the embed worker priority');
    }
  }

  /** Pino lines from the child keep their level; anything else (a native crash) is a warning. */
  #forward(stream: Readable): void {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (raw) => {
      const line = raw.length > MAX_OUTPUT_LINE_CHARS ? `${raw.slice(0, MAX_OUTPUT_LINE_CHARS)}…` : raw;
      if (this.#relayPinoLine(line)) return;
      this.#tail.push(line);
      if (this.#tail.length > OUTPUT_TAIL_LINES) this.#tail.shift();
      this.#log.warn({ line }, 'embed worker output');
    });
  }

  #relayPinoLine(line: string): boolean {
    if (!line.startsWith('{')) return false;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      return false; // Not JSON after all: logged as plain output.
    }
    if (typeof record !== 'object' || record === null) return false;
    const { level, msg, time, pid, hostname, component, ...fields } = record as Record<string, unknown>;
    const label = typeof level === 'number' ? pino.levels.labels[level] : undefined;
    if (!label || !(label in pino.levels.values)) return false;
    const log = this.#log[label as 'info'].bind(this.#log);
    log({ ...fields, childComponent: component }, typeof msg === 'string' ? msg : '');
    return true;
  }

  async #drainOutput(): Promise<void> {
    const open = [this.#child.stdout, this.#child.stderr].filter(
      (s): s is Readable => s !== null && !s.readableEnded && !s.destroyed,
    );
    if (open.length === 0) return;
    const timeout = AbortSignal.timeout(OUTPUT_DRAIN_MS);
    // A pipe still open at the deadline is held by a grandchild; its output no longer matters.
    await Promise.all(open.map((s) => once(s, 'close', { signal: timeout }).catch(() => undefined)));
  }
}

/** For messages: `was killed by SIGABRT`, `did not answer within 50000 ms while embedding`. */
export function describeExit(reason: ExitReason): string {
  if (reason.kind === 'timeout')
    return `did not answer within ${reason.afterMs} ms while ${reason.phase === 'load' ? 'loading the model' : 'embedding'}`;
  if (reason.signal) return `was killed by ${reason.signal}`;
  return `exited with code ${reason.code}`;
}
