import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { GlobalOptions } from '../main.js';
import { registerServiceCommands } from './daemon-service.js';

/** A stop not finished after this long is abandoned, logged before launchd/systemd kill us at 15 s. */
const STOP_DEADLINE_MS = 12_000;

export function registerDaemon(program: Command): void {
  const daemon = program
    .command('daemon')
    .description('run the background indexer, or manage it as a launchd/systemd service');
  daemon
    .command('run')
    .description(
      'run ragd in the foreground (what launchd and systemd start): watch, index, serve the socket',
    )
    .addHelpText(
      'after',
      `
Logs go to log.file (default <dataDir>/logs/ragd.log) as JSON lines. SIGTERM or SIGINT stop it
cleanly; SIGHUP reloads the config (sources added or removed are picked up; a config that does
not load is refused and the daemon runs on, reporting why in \`ragctl status\`).`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runDaemon(g);
    });
  registerServiceCommands(daemon);
}

async function runDaemon(g: GlobalOptions): Promise<void> {
  const config = loadConfig({ configPath: g.config });
  const { createLogger } = await import('../../log.js');
  const logger = createLogger({ level: config.log.level, file: config.log.file });
  // LanceDB's Rust side writes warnings to stderr unless told otherwise.
  process.env.LANCEDB_LOG ??= 'error';
  const { Daemon } = await import('../../daemon/daemon.js');
  const { testLimitsFromEnv } = await import('../../daemon/test-limits.js');
  const limits = testLimitsFromEnv(process.env);
  const daemon = await Daemon.start({ config, logger, configPath: config.configFile, limits });
  process.on('SIGHUP', () => void daemon.reload());
  process.stderr.write(
    `ragd: serving ${config.socketPath} (pid ${process.pid}); logs in ${config.log.file}\n`,
  );
  // Held (ref'd) while stopping: some of what a stop awaits, like the model worker's exit, keeps
  // no handle of its own, and Node would otherwise exit mid-stop with the lock file left behind.
  let deadline: NodeJS.Timeout | undefined;
  const stop = (signal: NodeJS.Signals) => {
    deadline ??= setTimeout(() => {
      logger.error({ component: 'daemon', signal }, 'stop took too long; exiting');
      logger.flush();
      process.exit(1);
    }, STOP_DEADLINE_MS);
    void daemon.stop(`${signal} received`);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const keepAlive = setInterval(() => undefined, 60_000);
  // A shutdown requested over the socket ends the process the same way as a signal.
  await daemon.stopped;
  clearInterval(keepAlive);
  clearTimeout(deadline);
  logger.flush();
}
