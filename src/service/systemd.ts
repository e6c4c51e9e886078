import { commandFailure, type ServiceError } from './errors.js';
import { readUnitCommand, renderUnit } from './systemd-unit.js';
import type {
  CommandResult,
  InstalledCommand,
  RunState,
  RuntimeStatus,
  ServiceManager,
  ServicePlan,
  ServiceSpec,
} from './types.js';

/** `systemctl stop` of a unit that is not loaded exits 5; uninstalling it is already done. */
const UNIT_NOT_LOADED = [5] as const;

/** The properties `status` asks for; `show` prints them as `Key=Value` lines. */
export const STATUS_PROPERTIES = [
  'LoadState',
  'ActiveState',
  'SubState',
  'MainPID',
  'ExecMainStatus',
  'Result',
  'UnitFileState',
] as const;

/**
 * systemctl exits 1 for every failure, so only its message tells "no user manager to talk to"
 * (no login session and no lingering) from a real failure; that case needs a different fix.
 */
const NO_USER_BUS = /Failed to connect to (the )?bus|XDG_RUNTIME_DIR|DBUS_SESSION_BUS_ADDRESS/;

const NO_SESSION_FIX =
  'systemd user session not available: run `ragctl daemon run` in a terminal, or enable lingering (`loginctl enable-linger $USER`) and log in again';

/** A systemd user unit, driven by `systemctl --user`. */
export class SystemdManager implements ServiceManager {
  readonly platform = 'systemd' as const;

  render(spec: ServiceSpec): string {
    return renderUnit(spec);
  }

  /**
   * enable + restart rather than `enable --now`: `--now` does not restart a daemon that is
   * already running, which would keep running the command line of the old file.
   */
  planInstall(spec: ServiceSpec): ServicePlan {
    return {
      action: 'install',
      spec,
      steps: [
        { kind: 'write', path: spec.file, content: this.render(spec) },
        {
          kind: 'run',
          argv: systemctl('daemon-reload'),
          why: 'make the user manager read the new unit',
          undoWritesOnFailure: true,
        },
        {
          kind: 'run',
          argv: systemctl('enable', spec.name),
          why: 'start it at every login',
          undoWritesOnFailure: true,
        },
        // A unit that is enabled but fails to start stays: the journal and `daemon status` say why.
        {
          kind: 'run',
          argv: systemctl('restart', spec.name),
          why: 'start it now (restarting one that runs the old file)',
        },
      ],
    };
  }

  planUninstall(spec: ServiceSpec, isInstalled: boolean): ServicePlan {
    if (!isInstalled) {
      // No file: nothing to disable, but a unit loaded from a removed file may still run.
      return {
        action: 'uninstall',
        spec,
        steps: [
          {
            kind: 'run',
            argv: systemctl('stop', spec.name),
            why: 'stop a daemon still running from a removed unit file',
            okExitCodes: UNIT_NOT_LOADED,
          },
        ],
      };
    }
    return {
      action: 'uninstall',
      spec,
      steps: [
        {
          kind: 'run',
          argv: systemctl('disable', '--now', spec.name),
          why: 'stop the daemon and no longer start it at login',
        },
        { kind: 'remove', path: spec.file },
        { kind: 'run', argv: systemctl('daemon-reload'), why: 'make the user manager forget the unit' },
      ],
    };
  }

  planStart(spec: ServiceSpec, options: { restart: boolean }): ServicePlan {
    return {
      action: 'start',
      spec,
      steps: [
        {
          kind: 'run',
          argv: systemctl(options.restart ? 'restart' : 'start', spec.name),
          why: options.restart
            ? 'stop the running daemon (SIGTERM) and start it again'
            : 'start the daemon unless it is running',
        },
      ],
    };
  }

  /** A stop through systemctl is never undone by Restart=on-failure; the next login starts it. */
  planStop(spec: ServiceSpec): ServicePlan {
    return {
      action: 'stop',
      spec,
      steps: [
        {
          kind: 'run',
          argv: systemctl('stop', spec.name),
          why: 'SIGTERM, SIGKILL after TimeoutStopSec; no restart until `ragctl daemon start` or the next login',
        },
      ],
    };
  }

  statusCommand(spec: ServiceSpec): readonly string[] {
    return systemctl('show', '-p', STATUS_PROPERTIES.join(','), spec.name);
  }

  parseStatus(spec: ServiceSpec, result: CommandResult): RuntimeStatus {
    if (result.status !== 'exited' || result.exitCode !== 0) {
      throw this.failureFor(this.statusCommand(spec), result);
    }
    return runtimeFromShow(result.stdout);
  }

  readInstalledCommand(fileText: string): InstalledCommand | null {
    return readUnitCommand(fileText);
  }

  failureFor(argv: readonly string[], result: CommandResult): ServiceError {
    if (result.status === 'not-found') {
      return commandFailure(
        argv,
        result,
        'this system has no systemd: run `ragctl daemon run` under your own supervisor (a terminal, tmux, runit…)',
      );
    }
    if (NO_USER_BUS.test(result.stderr)) {
      return commandFailure(argv, result, NO_SESSION_FIX, 'no-user-session');
    }
    const unit = argv.at(-1) ?? '';
    return commandFailure(
      argv,
      result,
      `\`systemctl --user status ${unit}\` and \`journalctl --user -u ${unit} -n 50\` say why`,
    );
  }
}

function systemctl(...args: string[]): string[] {
  return ['systemctl', '--user', ...args];
}

/** `systemctl show` output (`Key=Value` lines) as a status. */
export function runtimeFromShow(text: string): RuntimeStatus {
  const detail: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) detail[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  const mainPid = Number(detail.MainPID);
  const pid = Number.isInteger(mainPid) && mainPid > 0 ? mainPid : null;
  const status = Number(detail.ExecMainStatus);
  const lastExitStatus = detail.ExecMainStatus !== undefined && Number.isInteger(status) ? status : null;
  return { state: systemdState(detail), pid, lastExitStatus, detail };
}

function systemdState(detail: Record<string, string>): RunState {
  if (detail.LoadState === 'not-found') return 'not-loaded';
  switch (detail.ActiveState) {
    case 'active':
    case 'reloading':
      return 'running';
    case 'activating':
      return 'starting';
    case 'deactivating':
      return 'stopping';
    case 'inactive':
      return 'stopped';
    case 'failed':
      return 'failed';
    default:
      return 'unknown';
  }
}
