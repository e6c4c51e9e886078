import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { chooseConfigPath, loadConfig } from '../../config/load.js';
import { defaultConfigPath, defaultDataDir } from '../../config/paths.js';
import type { Config } from '../../config/types.js';
import { ConfigError, isRagError } from '../../errors.js';
import { ServiceController } from '../../service/controller.js';
import { displayCommand, ServiceError } from '../../service/errors.js';
import { formatDryRun, formatOutcomes, formatReport, outcomesJson, planJson } from '../../service/format.js';
import { createServiceManager, platformFor } from '../../service/platform.js';
import { SpawnRunner } from '../../service/runner.js';
import { buildServiceSpec, stableNodePath, thisCliPath } from '../../service/spec.js';
import { withConfigFlag } from '../../service/start-hint.js';
import type { CommandRunner, ServiceAction, ServicePlatform, ServiceSpec } from '../../service/types.js';
import { displayPath } from '../display.js';
import type { GlobalOptions } from '../main.js';

/**
 * Everything the service commands take from the machine, each replaceable: tests run them for
 * either platform, in a temp HOME, with a runner that records commands instead of running
 * launchctl / systemctl.
 */
export interface ServiceCommandDeps {
  /** Default: from process.platform (launchd on macOS, systemd on Linux). */
  platform?: ServicePlatform;
  /** Default: spawns the real launchctl / systemctl. */
  runner?: CommandRunner;
  /** Default: process.env (config lookup, passed-through variables, XDG_CONFIG_HOME). */
  env?: NodeJS.ProcessEnv;
  home?: string;
  uid?: number;
  /** Default: this node, by its stable path on PATH when there is one. */
  nodePath?: string;
  /** Default: this ragctl's bin/ragctl.js. */
  cliPath?: string;
  /** The plist template's text; default: launchd/com.ragctl.ragd.plist.template. */
  template?: string;
  stdout?: { write(text: string): unknown };
  /** Waits between retries of a racy command. */
  sleep?: (ms: number) => Promise<void>;
}

interface ActionOptions {
  dryRun?: boolean;
  restart?: boolean;
}

const ACTIONS: ReadonlyArray<{ action: ServiceAction; description: string }> = [
  {
    action: 'install',
    description:
      'install the daemon as a login service (launchd agent / systemd user unit) and start it; again to update',
  },
  { action: 'uninstall', description: 'stop the daemon and remove its service file' },
  { action: 'start', description: 'start the installed daemon (no-op when running; --restart restarts it)' },
  {
    action: 'stop',
    description: 'stop the daemon; it stays installed and starts again at login or `ragctl daemon start`',
  },
];

const HELP = `
One service per config: the default config's is com.ragctl.ragd (macOS) / ragd.service (Linux);
--config <other> gets its own, suffixed name, so several indexes can run side by side.
--dry-run prints the file and the commands without changing anything.
Exit codes: 0 ok · 1 launchctl/systemctl failed · 2 bad usage or config · 3 not installed (start, stop).
See docs/SERVICE.md.`;

/** Adds `install | uninstall | start | stop | status` under `ragctl daemon`. */
export function registerServiceCommands(daemonCommand: Command, deps: ServiceCommandDeps = {}): void {
  daemonCommand.addHelpText('after', HELP);
  for (const { action, description } of ACTIONS) {
    const cmd = daemonCommand
      .command(action)
      .description(description)
      .option('--dry-run', 'print what it would write and run; change nothing');
    if (action === 'start') cmd.option('--restart', 'restart the daemon when it is running');
    cmd.action(async (opts: ActionOptions, self: Command) => {
      const g = self.optsWithGlobals<GlobalOptions>();
      await withConfigInFix(g, deps, () => runAction(action, g, opts, deps));
    });
  }
  daemonCommand
    .command('status')
    .description('is the service installed, is it this ragctl and config, is it running')
    .option('--dry-run', 'print the command that asks the service manager; run nothing')
    .action(async (opts: ActionOptions, self: Command) => {
      const g = self.optsWithGlobals<GlobalOptions>();
      await withConfigInFix(g, deps, () => runStatus(g, opts, deps));
    });
}

/** A service command whose error's fix names commands: with this config's `--config` in them. */
async function withConfigInFix(
  g: GlobalOptions,
  deps: ServiceCommandDeps,
  run: () => Promise<void>,
): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof ServiceError) || !err.fix) throw err;
    const env = deps.env ?? process.env;
    const fix = withConfigFlag(err.fix, chooseConfigPath({ configPath: g.config, env }).path, env);
    if (fix === err.fix) throw err;
    throw new ServiceError(err.reason, err.message, {
      fix,
      cause: err.cause,
      ...(err.command ? { command: err.command } : {}),
      exitCode: err.exitCode,
      stderr: err.stderr,
    });
  }
}

async function runAction(
  action: ServiceAction,
  g: GlobalOptions,
  opts: ActionOptions,
  deps: ServiceCommandDeps,
): Promise<void> {
  const out = deps.stdout ?? process.stdout;
  const { spec, config, controller } = setUp(g, deps, action === 'install');
  let plan: ReturnType<ServiceController['plan']>;
  try {
    plan = controller.plan(action, spec, { restart: opts.restart === true });
  } catch (err) {
    // `ragctl daemon run` started by hand (or by setup.sh) is not a service: stop it over its socket.
    const notInstalled = err instanceof ServiceError && err.reason === 'not-installed';
    if (action === 'stop' && notInstalled && !opts.dryRun && (await stopOverSocket(g, out))) return;
    throw err;
  }
  if (opts.dryRun) {
    out.write(g.json ? `${JSON.stringify(planJson(plan))}\n` : formatDryRun(plan));
    return;
  }
  const outcomes = await controller.execute(plan);
  out.write(
    g.json
      ? `${JSON.stringify(outcomesJson(plan, outcomes))}\n`
      : formatOutcomes(plan, outcomes, displayPath),
  );
  if (action === 'install' && config && !g.json) out.write(await modelNote(config, deps.env ?? process.env));
}

/**
 * What a first start will do before it indexes, when the model is not here yet: fetch it (see
 * `daemon run`), during which `ragctl status` says it is starting and how far the download is. Said once, at install.
 */
async function modelNote(config: Config, env: NodeJS.ProcessEnv): Promise<string> {
  const [{ createRegistry }, { missingHubModels }] = await Promise.all([
    import('../../registry/builtins.js'),
    import('../../embed/model/missing.js'),
  ]);
  const missing = missingHubModels(config, createRegistry(), env);
  if (!missing.length) return '';
  return `The daemon first fetches ${missing.join(', ')}, which this machine does not have yet (as \`ragctl model pull\` does); until then \`ragctl status\` says it is starting, and how far the download is. Its log: ${displayPath(config.log.file)}\n`;
}

/** Asks a daemon that runs outside the service manager to shut down; false when none answers. */
async function stopOverSocket(g: GlobalOptions, out: { write(text: string): unknown }): Promise<boolean> {
  const { request } = await import('../../ipc/client.js');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ configPath: g.config });
  } catch {
    return false;
  }
  try {
    const before = await request(config.socketPath, 'status', {});
    await request(config.socketPath, 'shutdown', {});
    // The answer comes before the process has closed its tables and exited: a script that
    // removes the index right after `stop` must find no process still writing it.
    const exited = await exitOf(before.pid, STOP_WAIT_MS);
    out.write(
      g.json
        ? `${JSON.stringify({ action: 'stop', via: 'socket', pid: before.pid, exited })}\n`
        : exited
          ? `Stopped the daemon (pid ${before.pid}), which was not running as a service.\n`
          : `Asked the daemon (pid ${before.pid}) to stop; it is still finishing after ${STOP_WAIT_MS / 1000} s (its log says what it is doing).\n`,
    );
    return true;
  } catch (err) {
    if (isRagError(err) && err.code === 'E_NO_DAEMON') return false;
    throw err;
  }
}

/** How long `daemon stop` waits for a daemon outside the service manager to exit. */
const STOP_WAIT_MS = 20_000;

/** Whether the process exited within `ms`, looked at every 50 ms. */
async function exitOf(pid: number, ms: number): Promise<boolean> {
  const { isRunning } = await import('../../daemon/starting.js');
  const until = Date.now() + ms;
  while (isRunning(pid)) {
    if (Date.now() >= until) return false;
    await new Promise((done) => setTimeout(done, 50));
  }
  return true;
}

async function runStatus(g: GlobalOptions, opts: ActionOptions, deps: ServiceCommandDeps): Promise<void> {
  const out = deps.stdout ?? process.stdout;
  const { spec, configError, controller } = setUp(g, deps, false);
  if (opts.dryRun) {
    const argv = controller.manager.statusCommand(spec);
    out.write(
      g.json
        ? `${JSON.stringify({ action: 'status', dryRun: true, platform: spec.platform, name: spec.name, file: spec.file, steps: [{ kind: 'run', argv }] })}\n`
        : `# ragctl daemon status --dry-run: reads ${spec.file} and runs\n${displayCommand(argv)}\n`,
    );
    return;
  }
  const report = await controller.status(spec, { configError });
  // `ragctl daemon run` by hand (or setup.sh's) is no service: the manager knows nothing of it.
  const outside = report.runtime?.state === 'running' ? undefined : await daemonOverSocket(g);
  if (g.json) {
    out.write(`${JSON.stringify(outside ? { ...report, outside } : report)}\n`);
    return;
  }
  out.write(formatReport(report, displayPath));
  if (outside)
    out.write(
      withConfigFlag(
        `A daemon (pid ${outside.pid}, ${outside.state}) runs on this config outside the service manager (started by \`ragctl daemon run\`): \`ragctl status\` shows what it does, \`ragctl daemon stop\` stops it.\n`,
        spec.configPath,
      ),
    );
}

/** The daemon answering on the config's socket, whoever started it; undefined when none does. */
async function daemonOverSocket(g: GlobalOptions): Promise<{ pid: number; state: string } | undefined> {
  try {
    const { request } = await import('../../ipc/client.js');
    const status = await request(loadConfig({ configPath: g.config }).socketPath, 'status', {});
    return { pid: status.pid, state: status.state };
  } catch {
    return undefined;
  }
}

/**
 * The spec for the chosen config. Install insists on a config file that loads: a daemon
 * started by the service manager with a broken one would only fail at every login. The other
 * actions need just the name, so a config that no longer loads does not stop an uninstall.
 */
function setUp(
  g: GlobalOptions,
  deps: ServiceCommandDeps,
  strict: boolean,
): { spec: ServiceSpec; config: Config | null; configError: string | null; controller: ServiceController } {
  const env = deps.env ?? process.env;
  const platform = deps.platform ?? platformFor(process.platform);
  const { path: configPath } = chooseConfigPath({ configPath: g.config, env });
  let config: Config | null;
  let configError: string | null = null;
  if (strict) config = loadStrict(g, env, configPath);
  else {
    try {
      config = loadConfig({ configPath: g.config, env, allowMissing: true });
    } catch (err) {
      if (!isRagError(err) || err.code !== 'E_CONFIG') throw err;
      config = null;
      configError = err.message;
    }
  }
  const dataDir = config?.dataDir ?? defaultDataDir(env);
  const uid = deps.uid ?? (typeof process.getuid === 'function' ? process.getuid() : 0);
  const spec = buildServiceSpec({
    platform,
    configPath,
    isDefaultConfig: configPath === defaultConfigPath(env),
    dataDir,
    logFile: config?.log.file ?? join(dataDir, 'logs', 'ragd.log'),
    home: deps.home ?? homedir(),
    uid,
    nodePath: deps.nodePath ?? stableNodePath(process.execPath, env.PATH),
    cliPath: deps.cliPath ?? thisCliPath(),
    env,
  });
  const manager = createServiceManager(platform, deps.template);
  const runner = deps.runner ?? new SpawnRunner({ env });
  return {
    spec,
    config,
    configError,
    controller: new ServiceController({ manager, runner, sleep: deps.sleep }),
  };
}

function loadStrict(g: GlobalOptions, env: NodeJS.ProcessEnv, configPath: string): Config {
  const config = loadConfig({ configPath: g.config, env, allowMissing: false });
  if (config.configFile === null) {
    throw new ConfigError(
      '',
      'no config file: the daemon needs one to know what to watch (copy config.yaml from the ragctl repo and set `sources`)',
      configPath,
    );
  }
  return config;
}
