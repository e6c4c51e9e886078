import { existsSync } from 'node:fs';
import { ServiceError } from './errors.js';
import { executePlan, readIfExists } from './execute.js';
import { realpathOrNull } from './spec.js';
import type {
  CommandRunner,
  InstalledCommand,
  RuntimeStatus,
  ServiceAction,
  ServiceManager,
  ServicePlan,
  ServiceSpec,
  StepOutcome,
} from './types.js';

/** What `ragctl daemon status` reports: the file, what it runs, and what the manager says. */
export interface ServiceReport {
  readonly platform: ServiceSpec['platform'];
  readonly name: string;
  readonly file: string;
  readonly installed: boolean;
  /** Whether the file is what `install` would write now; null when not installed. */
  readonly upToDate: boolean | null;
  /** What the installed file runs; null when not installed or unreadable. */
  readonly command: InstalledCommand | null;
  /** Whether that is this node, this ragctl and this config; null without a command. */
  readonly matches: { readonly node: boolean; readonly cli: boolean; readonly config: boolean } | null;
  /** The manager's answer; null when it could not be asked (then `runtimeError` says why). */
  readonly runtime: RuntimeStatus | null;
  readonly runtimeError: { readonly code: string; readonly message: string; readonly fix?: string } | null;
  readonly logs: {
    readonly daemon: string;
    readonly stdout?: string;
    readonly stderr?: string;
    readonly journal?: string;
  };
  /** Things to fix, each with its fix, in the order worth doing them. */
  readonly problems: readonly string[];
}

export interface ControllerOptions {
  readonly manager: ServiceManager;
  readonly runner: CommandRunner;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Plans, runs and reports on the daemon's service for one platform. */
export class ServiceController {
  readonly #manager: ServiceManager;
  readonly #runner: CommandRunner;
  readonly #sleep: ((ms: number) => Promise<void>) | undefined;

  constructor(options: ControllerOptions) {
    this.#manager = options.manager;
    this.#runner = options.runner;
    this.#sleep = options.sleep;
  }

  get manager(): ServiceManager {
    return this.#manager;
  }

  /** The steps of `action`; start and stop refuse a service that is not installed. */
  plan(action: ServiceAction, spec: ServiceSpec, options: { restart?: boolean } = {}): ServicePlan {
    const isInstalled = existsSync(spec.file);
    switch (action) {
      case 'install':
        return this.#manager.planInstall(spec);
      case 'uninstall':
        return this.#manager.planUninstall(spec, isInstalled);
      case 'start':
        if (!isInstalled) throw notInstalled(spec);
        return this.#manager.planStart(spec, { restart: options.restart === true });
      case 'stop':
        if (!isInstalled) throw notInstalled(spec);
        return this.#manager.planStop(spec);
    }
  }

  execute(plan: ServicePlan): Promise<StepOutcome[]> {
    return executePlan(plan, { runner: this.#runner, manager: this.#manager, sleep: this.#sleep });
  }

  /**
   * `configError`: the config did not load, so `spec` was built from defaults and the file
   * cannot be compared with what install would write.
   */
  async status(spec: ServiceSpec, options: { configError?: string | null } = {}): Promise<ServiceReport> {
    const text = readIfExists(spec.file);
    const installed = text !== null;
    const command = text === null ? null : this.#manager.readInstalledCommand(text);
    const matches = command ? compareCommand(command, spec) : null;
    let runtime: RuntimeStatus | null = null;
    let runtimeError: ServiceReport['runtimeError'] = null;
    try {
      const argv = this.#manager.statusCommand(spec);
      runtime = this.#manager.parseStatus(spec, await this.#runner.run(argv));
    } catch (err) {
      // The file side of the report is still worth showing when the manager cannot be asked.
      if (!(err instanceof ServiceError)) throw err;
      runtimeError = { code: err.code, message: err.message, ...(err.fix ? { fix: err.fix } : {}) };
    }
    const logs =
      spec.platform === 'launchd'
        ? { daemon: spec.logFile, stdout: spec.stdoutPath, stderr: spec.stderrPath }
        : { daemon: spec.logFile, journal: `journalctl --user -u ${spec.name}` };
    const report = {
      platform: spec.platform,
      name: spec.name,
      file: spec.file,
      installed,
      upToDate: text === null || options.configError ? null : text === this.#manager.render(spec),
      command,
      matches,
      runtime,
      runtimeError,
      logs,
    };
    const problems = problemsOf(report, spec);
    if (options.configError) problems.unshift(`the config does not load: ${options.configError}`);
    return { ...report, problems };
  }
}

function notInstalled(spec: ServiceSpec): ServiceError {
  return new ServiceError(
    'not-installed',
    `the daemon service ${spec.name} is not installed (no ${spec.file})`,
    {
      fix: `\`ragctl daemon install${spec.suffix ? ` --config ${spec.configPath}` : ''}\` installs and starts it`,
    },
  );
}

/** Same file, through symlinks too (a Homebrew `node` link and its Cellar binary are one node). */
function samePath(a: string | null, b: string): boolean {
  if (a === null) return false;
  if (a === b) return true;
  const ra = realpathOrNull(a);
  return ra !== null && ra === realpathOrNull(b);
}

function compareCommand(command: InstalledCommand, spec: ServiceSpec): NonNullable<ServiceReport['matches']> {
  return {
    node: samePath(command.nodePath, spec.nodePath),
    cli: samePath(command.cliPath, spec.cliPath),
    config: samePath(command.configPath, spec.configPath),
  };
}

function problemsOf(report: Omit<ServiceReport, 'problems'>, spec: ServiceSpec): string[] {
  const problems: string[] = [];
  const install = `\`ragctl daemon install${spec.suffix ? ` --config ${spec.configPath}` : ''}\``;
  if (!report.installed) {
    problems.push(`not installed: ${install} installs and starts it`);
  } else if (!report.command) {
    problems.push(`cannot read what ${spec.file} runs: ${install} rewrites it`);
  } else {
    if (!existsSync(report.command.nodePath)) {
      problems.push(
        `it runs ${report.command.nodePath}, which no longer exists (node upgraded?): ${install}`,
      );
    }
    if (report.matches && !report.matches.cli) {
      problems.push(
        `it runs another ragctl (${report.command.cliPath ?? 'none'}): ${install} switches to this one`,
      );
    }
    if (report.matches && !report.matches.config) {
      problems.push(`it uses another config (${report.command.configPath ?? 'none'}): ${install}`);
    }
    if (report.upToDate === false) {
      problems.push(
        `the file differs from what install writes now (edited, or settings changed): ${install}`,
      );
    }
  }
  const state = report.runtime?.state;
  if (state === 'failed') {
    const where = spec.platform === 'launchd' ? spec.stderrPath : report.logs.journal;
    problems.push(
      `the daemon failed (exit status ${report.runtime?.lastExitStatus ?? '?'}): see ${spec.logFile} and ${where}`,
    );
  } else if (report.installed && state === 'not-loaded') {
    problems.push(
      spec.platform === 'launchd'
        ? 'not loaded (stopped by `ragctl daemon stop`?): `ragctl daemon start` starts it'
        : `the user manager has not read the unit: ${install} (or \`systemctl --user daemon-reload\`)`,
    );
  }
  if (report.runtimeError) {
    problems.push(
      `${report.runtimeError.message}${report.runtimeError.fix ? `: ${report.runtimeError.fix}` : ''}`,
    );
  }
  return problems;
}
