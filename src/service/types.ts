import type { ServiceError } from './errors.js';

/**
 * Running the daemon as a per-user service: a launchd agent on macOS, a systemd user unit on
 * Linux. An action (install, start, …) is first planned as a list of steps, then executed or
 * (with --dry-run) printed: the same steps either way, so a dry run shows exactly what would run.
 */

export type ServicePlatform = 'launchd' | 'systemd';

export type ServiceAction = 'install' | 'uninstall' | 'start' | 'stop';

/** What the service runs and where its files go. Every path is absolute. */
export interface ServiceSpec {
  readonly platform: ServicePlatform;
  /** launchd label (`com.ragctl.ragd[.<suffix>]`) or systemd unit (`ragd[-<suffix>].service`). */
  readonly name: string;
  /** Null for the default config; else a readable, collision-free tag of the config path. */
  readonly suffix: string | null;
  /** The plist or unit file this service is defined by. */
  readonly file: string;
  readonly nodePath: string;
  /** `bin/ragctl.js` of this ragctl. */
  readonly cliPath: string;
  readonly configPath: string;
  readonly home: string;
  readonly uid: number;
  /** Where launchd sends the daemon's stdout and stderr (systemd sends them to the journal). */
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** The daemon's own JSON-lines log (`log.file` in the config). */
  readonly logFile: string;
  /** Variables the service sets: LANCEDB_LOG, PATH, and those that move ragctl's folders. */
  readonly environment: Readonly<Record<string, string>>;
}

/** One step of a plan. `run` steps name the exit codes that mean "already so" (not a failure). */
export type PlanStep =
  | { readonly kind: 'mkdir'; readonly path: string }
  | { readonly kind: 'write'; readonly path: string; readonly content: string }
  | { readonly kind: 'remove'; readonly path: string }
  | {
      readonly kind: 'run';
      readonly argv: readonly string[];
      /** Why this command runs, shown by --dry-run. */
      readonly why: string;
      /** Non-zero exit codes that are fine here (e.g. "not loaded" when unloading). */
      readonly okExitCodes?: readonly number[];
      /** Exit codes worth retrying after a pause (a race in the service manager). */
      readonly retryExitCodes?: readonly number[];
      /**
       * When this command fails, the files this plan wrote before it are put back as they were:
       * the manager never took them up, and a file left behind would read as installed.
       */
      readonly undoWritesOnFailure?: true;
    };

export interface ServicePlan {
  readonly action: ServiceAction;
  readonly spec: ServiceSpec;
  readonly steps: readonly PlanStep[];
}

/** How a command ended. `not-found`: the program is not on PATH. */
export type CommandResult =
  | { readonly status: 'exited'; readonly exitCode: number; readonly stdout: string; readonly stderr: string }
  | { readonly status: 'not-found' }
  | {
      readonly status: 'killed';
      /** The signal, or 'timeout' when the runner gave up on it. */
      readonly signal: string;
      readonly stdout: string;
      readonly stderr: string;
    };

/**
 * Runs a service-manager command (no shell). The real one spawns the program; tests pass a
 * recorder, because launchctl and a systemd user manager cannot run everywhere tests do.
 */
export interface CommandRunner {
  run(argv: readonly string[]): Promise<CommandResult>;
}

/** What a step did, for --json and the summary. */
export interface StepOutcome {
  readonly step: PlanStep;
  /** For `run` steps: the exit code it ended with (0, or one of okExitCodes). */
  readonly exitCode?: number;
  /** For `write` steps: false when the file already had this content. */
  readonly changed?: boolean;
}

/** The service manager's view, normalised across launchd and systemd. */
export type RunState = 'running' | 'starting' | 'stopping' | 'stopped' | 'failed' | 'not-loaded' | 'unknown';

export interface RuntimeStatus {
  readonly state: RunState;
  readonly pid: number | null;
  /** The last run's exit status, when the manager knows one. */
  readonly lastExitStatus: number | null;
  /** The manager's own words (launchd `state`, systemd `ActiveState`/`SubState`, …). */
  readonly detail: Readonly<Record<string, string>>;
}

/** What the installed file runs, read back from it. */
export interface InstalledCommand {
  readonly nodePath: string;
  readonly cliPath: string | null;
  readonly configPath: string | null;
  readonly argv: readonly string[];
}

/** A platform's service manager: renders its file, plans actions, reads its status. */
export interface ServiceManager {
  readonly platform: ServicePlatform;
  /** The plist or unit text for `spec`. */
  render(spec: ServiceSpec): string;
  planInstall(spec: ServiceSpec): ServicePlan;
  /** `isInstalled`: whether the file exists now (a missing file is still unloaded by name). */
  planUninstall(spec: ServiceSpec, isInstalled: boolean): ServicePlan;
  planStart(spec: ServiceSpec, options: { restart: boolean }): ServicePlan;
  planStop(spec: ServiceSpec): ServicePlan;
  /** The read-only command that asks for the service's state. */
  statusCommand(spec: ServiceSpec): readonly string[];
  /** Turns that command's result into a status (throws for a real failure). */
  parseStatus(spec: ServiceSpec, result: CommandResult): RuntimeStatus;
  /** Reads the command line out of an installed file; null when it cannot be found. */
  readInstalledCommand(fileText: string): InstalledCommand | null;
  /** A fix for a failed command, in this platform's terms. */
  failureFor(argv: readonly string[], result: CommandResult): ServiceError;
}
