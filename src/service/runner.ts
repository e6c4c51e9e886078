import { spawn } from 'node:child_process';
import { errnoCode } from '../errors.js';
import type { CommandResult, CommandRunner } from './types.js';

/**
 * Longest a service-manager command may take. Stopping waits for the daemon to exit (15 s
 * before the manager kills it) and a restart is a stop plus a start; past a minute something
 * is stuck and the user should hear so.
 */
const COMMAND_TIMEOUT_MS = 60_000;
/** Output kept per stream: `launchctl print` is a few KiB; more is noise. */
const MAX_OUTPUT_CHARS = 256 * 1024;

export interface SpawnRunnerOptions {
  /** The environment the command sees (PATH decides which launchctl/systemctl runs). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs commands for real: no shell, output captured, a timeout. */
export class SpawnRunner implements CommandRunner {
  readonly #env: NodeJS.ProcessEnv;
  readonly #timeoutMs: number;

  constructor(options: SpawnRunnerOptions = {}) {
    this.#env = options.env ?? process.env;
    this.#timeoutMs = options.timeoutMs ?? COMMAND_TIMEOUT_MS;
  }

  run(argv: readonly string[]): Promise<CommandResult> {
    const [program, ...args] = argv;
    if (!program) return Promise.reject(new TypeError('SpawnRunner.run: empty command'));
    return new Promise((resolve, reject) => {
      const child = spawn(program, args, { env: this.#env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        if (stdout.length < MAX_OUTPUT_CHARS) stdout += s;
      });
      child.stderr.setEncoding('utf8').on('data', (s: string) => {
        if (stderr.length < MAX_OUTPUT_CHARS) stderr += s;
      });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
        // A grandchild holding the pipes open would delay 'close' for as long as it lives.
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ status: 'killed', signal: 'timeout', stdout, stderr });
      }, this.#timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        // A missing program is an answer (launchctl on Linux, no systemd), not a crash.
        if (errnoCode(err) === 'ENOENT') resolve({ status: 'not-found' });
        else reject(err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) return;
        if (code === null) resolve({ status: 'killed', signal: signal ?? 'unknown', stdout, stderr });
        else resolve({ status: 'exited', exitCode: code, stdout, stderr });
      });
    });
  }
}
