import { dirname } from 'node:path';
import { commandFailure, type ServiceError } from './errors.js';
import { readPlistCommand, renderPlist } from './plist.js';
import type {
  CommandResult,
  InstalledCommand,
  RunState,
  RuntimeStatus,
  ServiceManager,
  ServicePlan,
  ServiceSpec,
} from './types.js';

/**
 * launchctl's "no such service" exits: 3 (ESRCH, bootout on older macOS) and 113 ("Could not
 * find service", print and bootout on newer ones). Unloading what is not loaded is fine.
 */
const NOT_LOADED = [3, 113] as const;
/**
 * bootstrap of a label that is already loaded: 5 ("Input/output error", macOS 11+) or 37
 * (EALREADY, older). `start` loads before it kicks, so already loaded is fine there.
 */
const ALREADY_LOADED = [5, 37] as const;
/** bootstrap right after bootout can fail with 5 while launchd still tears the old job down. */
const BOOTSTRAP_RACE = [5] as const;
/** launchd's errors when the user's GUI domain is missing (logged in over ssh only). */
const NO_GUI_DOMAIN = [112, 125] as const;

/** The launchd agent in the user's GUI domain (`gui/<uid>`), driven by `launchctl`. */
export class LaunchdManager implements ServiceManager {
  readonly platform = 'launchd' as const;
  readonly #template: string;

  /** `template`: the text of launchd/com.ragctl.ragd.plist.template. */
  constructor(template: string) {
    this.#template = template;
  }

  render(spec: ServiceSpec): string {
    return renderPlist(spec, this.#template);
  }

  planInstall(spec: ServiceSpec): ServicePlan {
    return {
      action: 'install',
      spec,
      steps: [
        // launchd opens StandardOutPath itself and does not create its folder.
        { kind: 'mkdir', path: dirname(spec.stdoutPath) },
        { kind: 'write', path: spec.file, content: this.render(spec) },
        {
          kind: 'run',
          argv: ['launchctl', 'bootout', target(spec)],
          why: 'unload the copy loaded now, if any, so the new file takes effect',
          okExitCodes: NOT_LOADED,
        },
        {
          kind: 'run',
          argv: ['launchctl', 'enable', target(spec)],
          why: 'clear an earlier `launchctl disable`, which would make bootstrap fail',
        },
        // A failed bootstrap keeps the plist: its fix is to lint that file.
        {
          kind: 'run',
          argv: ['launchctl', 'bootstrap', domain(spec), spec.file],
          why: 'load the agent; RunAtLoad starts the daemon now and at every login',
          retryExitCodes: BOOTSTRAP_RACE,
        },
      ],
    };
  }

  planUninstall(spec: ServiceSpec, isInstalled: boolean): ServicePlan {
    return {
      action: 'uninstall',
      spec,
      steps: [
        {
          kind: 'run',
          argv: ['launchctl', 'bootout', target(spec)],
          why: 'stop the daemon and unload the agent',
          okExitCodes: NOT_LOADED,
        },
        ...(isInstalled ? [{ kind: 'remove' as const, path: spec.file }] : []),
      ],
    };
  }

  planStart(spec: ServiceSpec, options: { restart: boolean }): ServicePlan {
    return {
      action: 'start',
      spec,
      steps: [
        // A failed bootstrap keeps the plist: its fix is to lint that file.
        {
          kind: 'run',
          argv: ['launchctl', 'bootstrap', domain(spec), spec.file],
          why: 'load the agent if `ragctl daemon stop` unloaded it (already loaded is fine)',
          okExitCodes: ALREADY_LOADED,
        },
        {
          kind: 'run',
          argv: ['launchctl', 'kickstart', ...(options.restart ? ['-k'] : []), target(spec)],
          why: options.restart
            ? 'stop the running daemon (SIGTERM) and start it again'
            : 'start the daemon unless it is running',
        },
      ],
    };
  }

  /**
   * bootout rather than `launchctl kill SIGTERM`: a killed job stays loaded, and KeepAlive
   * restarts it whenever it exits other than cleanly (a crash while shutting down, a SIGKILL
   * after the grace period). An unloaded job is never restarted; bootout also waits for the
   * exit, sending SIGKILL after ExitTimeOut. The file stays, so the next login starts it again.
   */
  planStop(spec: ServiceSpec): ServicePlan {
    return {
      action: 'stop',
      spec,
      steps: [
        {
          kind: 'run',
          argv: ['launchctl', 'bootout', target(spec)],
          why: 'unload the agent: SIGTERM, and no KeepAlive restart (it loads again at login or `ragctl daemon start`)',
          okExitCodes: NOT_LOADED,
        },
      ],
    };
  }

  statusCommand(spec: ServiceSpec): readonly string[] {
    return ['launchctl', 'print', target(spec)];
  }

  parseStatus(spec: ServiceSpec, result: CommandResult): RuntimeStatus {
    if (result.status === 'exited' && (NOT_LOADED as readonly number[]).includes(result.exitCode)) {
      return { state: 'not-loaded', pid: null, lastExitStatus: null, detail: {} };
    }
    if (result.status !== 'exited' || result.exitCode !== 0) {
      throw this.failureFor(this.statusCommand(spec), result);
    }
    return runtimeFromPrint(result.stdout);
  }

  readInstalledCommand(fileText: string): InstalledCommand | null {
    return readPlistCommand(fileText);
  }

  failureFor(argv: readonly string[], result: CommandResult): ServiceError {
    return commandFailure(argv, result, launchctlFix(argv, result));
  }
}

function domain(spec: ServiceSpec): string {
  return `gui/${spec.uid}`;
}

function target(spec: ServiceSpec): string {
  return `${domain(spec)}/${spec.name}`;
}

function launchctlFix(argv: readonly string[], result: CommandResult): string {
  if (result.status === 'not-found') {
    return 'launchctl comes with macOS; elsewhere run `ragctl daemon run` under your own supervisor';
  }
  if (result.status === 'killed') return `launchctl did not finish; see \`launchctl print ${argv.at(-1)}\``;
  const code = result.exitCode;
  if ((NO_GUI_DOMAIN as readonly number[]).includes(code)) {
    return 'launchd agents run in a logged-in desktop session: log in on the Mac itself (not only over ssh), or run `ragctl daemon run` in a terminal';
  }
  if ((NOT_LOADED as readonly number[]).includes(code)) {
    return 'the agent is not loaded: `ragctl daemon start` loads it, `ragctl daemon install` rewrites it';
  }
  if (code === 5) {
    return 'launchd refused the agent: check the file with `plutil -lint`, then `ragctl daemon uninstall` and `ragctl daemon install`; `launchctl error 5` and `log show --last 5m --predicate \'process == "launchd"\'` say more';
  }
  return `\`launchctl error ${code}\` explains the code; \`ragctl daemon status\` shows the agent's state`;
}

/**
 * `launchctl print` is a nested `key = value` listing meant for people; only the top level
 * (one tab deep) describes the job itself — nested blocks repeat keys such as `state`.
 */
export function runtimeFromPrint(text: string): RuntimeStatus {
  const detail: Record<string, string> = {};
  let depth = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '}') {
      depth--;
      continue;
    }
    const pair = line.match(/^(.+?) = (.*)$/);
    if (depth === 1 && pair?.[1] && pair[2] !== undefined && !pair[2].endsWith('{')) {
      if (!(pair[1] in detail)) detail[pair[1]] = pair[2];
    }
    if (line.endsWith('{')) depth++;
  }
  const pid = intOrNull(detail.pid);
  const lastExitStatus = intOrNull(detail['last exit code']);
  return { state: launchdState(detail.state, pid, lastExitStatus), pid, lastExitStatus, detail };
}

function launchdState(state: string | undefined, pid: number | null, lastExit: number | null): RunState {
  switch (state) {
    case 'running':
      return 'running';
    case 'spawn scheduled':
    case 'xpcproxy':
      return 'starting';
    case 'exiting':
      return 'stopping';
    case 'not running':
    case 'waiting':
      return lastExit !== null && lastExit !== 0 ? 'failed' : 'stopped';
    default:
      return pid !== null ? 'running' : 'unknown';
  }
}

/** `1234`, `78: EX_CONFIG` → the number; `(never exited)` → null. */
function intOrNull(text: string | undefined): number | null {
  const m = text?.match(/^-?\d+/);
  return m ? Number(m[0]) : null;
}
