import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { RagError } from '../errors.js';

/**
 * glibc's allocator settings for the daemon, read once when a process starts (macOS's allocator
 * reads neither; docs/BENCHMARKS.md section 5):
 * - each thread that allocates gets an arena of its own (up to 8 per core) and seldom returns its
 *   memory: with LanceDB's threads the daemon's RSS rose 226 -> 324 MB over a 5,000-file cold
 *   index, 209 -> 241 MB with two arenas;
 * - glibc raises its mmap threshold each time a large block is freed (up to 32 MiB), after which
 *   LanceDB's large temporary buffers come from the heap and stay resident: a fixed 128 KiB
 *   threshold returns them to the system when freed.
 * The systemd unit sets them (src/service/spec.ts); a daemon started any other way sets them
 * itself (`reexecWithGlibcEnv`). The embed worker drops the second (src/embed/worker).
 */
export const GLIBC_DAEMON_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
});

/** The settings of GLIBC_DAEMON_ENV not in `env` on Linux (one set by the user is kept); none elsewhere. */
export function missingGlibcEnv(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Record<string, string> {
  if (platform !== 'linux') return {};
  return Object.fromEntries(Object.entries(GLIBC_DAEMON_ENV).filter(([key]) => env[key] === undefined));
}

const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * Runs this same command again as a child with `extra` in its environment (glibc reads it only
 * at start), forwarding SIGTERM/SIGINT/SIGHUP, and resolves with the exit code to end with.
 * The child gets its own process group, so a Ctrl-C reaches it once, through us; its IPC
 * channel tells it when we were killed outright (`stopWhenParentGoes`).
 */
export function reexecWithGlibcEnv(extra: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, ...extra },
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = () => {
      child.kill(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      reject(
        new RagError(
          'E_INTERNAL',
          `could not start the daemon again with its glibc settings: ${err.message}`,
          {
            cause: err,
            fix: `start it with them set: ${Object.entries(extra)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')} ragctl daemon run`,
          },
        ),
      );
    });
    child.once('exit', (code, signal) => {
      for (const [name, handler] of handlers) process.off(name, handler);
      // Ended by a signal: exit as a shell reports it, 128 + the signal's number.
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

/**
 * In a daemon started by `reexecWithGlibcEnv`: calls `stop` when that parent is gone (killed
 * outright, so it could not forward a signal), instead of running on with nobody to stop it.
 * The channel is unref'd: it must not keep the process alive after a stop.
 */
export function stopWhenParentGoes(stop: () => void): void {
  if (!process.connected || !process.channel) return;
  process.channel.unref();
  process.once('disconnect', stop);
}
