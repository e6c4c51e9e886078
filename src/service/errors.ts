import { type ErrorCode, RagError } from '../errors.js';
import type { CommandResult } from './types.js';

/**
 * Why a service action failed. Branch on this, not on the message: the RagError `code` is one
 * of the shared codes (chosen for the exit code it gives) until src/errors.ts has its own
 * E_SERVICE.
 */
export type ServiceFailure =
  /** Neither launchd nor systemd: this OS has no supported service manager. */
  | 'unsupported-platform'
  /** launchctl / systemctl is not on PATH. */
  | 'tool-missing'
  /** The command ran and failed. */
  | 'command-failed'
  /** systemctl --user found no user manager (no login session, no lingering). */
  | 'no-user-session'
  /** start/stop before install. */
  | 'not-installed'
  /** A path a service file cannot hold (control characters). */
  | 'unrepresentable';

const CODES: Readonly<Record<ServiceFailure, ErrorCode>> = {
  'unsupported-platform': 'E_USAGE',
  'tool-missing': 'E_IO',
  'command-failed': 'E_IO',
  'no-user-session': 'E_IO',
  'not-installed': 'E_NO_DAEMON',
  unrepresentable: 'E_USAGE',
};

export class ServiceError extends RagError {
  readonly reason: ServiceFailure;
  /** The command that failed, when one did. */
  readonly command: readonly string[] | null;
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(
    reason: ServiceFailure,
    message: string,
    options: {
      fix?: string;
      cause?: unknown;
      command?: readonly string[];
      exitCode?: number | null;
      stderr?: string;
    } = {},
  ) {
    super(CODES[reason], message, { fix: options.fix, cause: options.cause });
    this.name = 'ServiceError';
    this.reason = reason;
    this.command = options.command ?? null;
    this.exitCode = options.exitCode ?? null;
    this.stderr = options.stderr ?? '';
  }
}

/** Longest stderr excerpt put into a message: enough for launchctl's and systemctl's one-liners. */
const STDERR_EXCERPT_CHARS = 600;

/** `launchctl bootstrap gui/501 '/Users/a b/x.plist'`: a command as a person would type it. */
export function displayCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A failed command as a ServiceError: the command, how it ended, its stderr, and `fix`. */
export function commandFailure(
  argv: readonly string[],
  result: CommandResult,
  fix: string,
  reason: ServiceFailure = 'command-failed',
): ServiceError {
  const shown = `\`${displayCommand(argv)}\``;
  if (result.status === 'not-found') {
    return new ServiceError('tool-missing', `${shown}: ${argv[0]} not found on PATH`, {
      fix,
      command: argv,
    });
  }
  const stderr = result.stderr.trim();
  const excerpt = stderr.length > STDERR_EXCERPT_CHARS ? `${stderr.slice(0, STDERR_EXCERPT_CHARS)}…` : stderr;
  const how =
    result.status === 'exited'
      ? `exited ${result.exitCode}`
      : result.signal === 'timeout'
        ? 'timed out'
        : `was killed by ${result.signal}`;
  return new ServiceError(reason, `${shown} ${how}${excerpt ? `: ${excerpt}` : ''}`, {
    fix,
    command: argv,
    exitCode: result.status === 'exited' ? result.exitCode : null,
    stderr,
  });
}
