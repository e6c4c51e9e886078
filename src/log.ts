import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Logger, type LoggerOptions, pino } from 'pino';
import { errorMessage } from './errors.js';

export type { Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LogOptions {
  level: LogLevel;
  /** Write JSON lines to this file (the daemon does); otherwise stderr. */
  file?: string | undefined;
  /** Pretty-print for a person at a terminal. Ignored when `file` is set. */
  pretty?: boolean;
}

/**
 * One root logger per process; components take `logger.child({ component })`.
 * The daemon logs JSON lines to a file; the CLI logs to stderr, pretty on a TTY.
 */
export function createLogger(options: LogOptions): Logger {
  const base: LoggerOptions = { level: options.level, base: { pid: process.pid } };
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    return pino(base, logFileDestination(options.file));
  }
  if (options.pretty ?? process.stderr.isTTY) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything: for tests and library use without a sink. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * The daemon's log file. A write that fails (ENOSPC: the disk is full) is re-emitted by pino as
 * an 'error' on this stream, and an 'error' with no listener ends the process: the daemon must
 * outlive its log. The failure is said once per episode on stderr (the service manager's
 * journal); sonic-boom keeps the lines and writes them with the next line once it can.
 */
function logFileDestination(file: string): ReturnType<typeof pino.destination> {
  const destination = pino.destination({ dest: file, mkdir: true, sync: false });
  let isFailing = false;
  destination.on('error', (err: unknown) => {
    if (isFailing) return;
    isFailing = true;
    process.stderr.write(
      `ragd: cannot write the log ${file}: ${errorMessage(err)}; its lines are kept and written once it can\n`,
    );
  });
  destination.on('write', () => {
    isFailing = false;
  });
  return destination;
}
