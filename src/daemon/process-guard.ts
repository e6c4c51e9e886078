import type { Logger } from '../log.js';

/** The `event` field of the log lines below: tests fail a daemon whose log has either. */
export const STRAY_ERROR_EVENTS = ['unhandledRejection', 'uncaughtException'] as const;

export interface ProcessGuardHooks {
  /** A rejection nobody handled: the daemon runs on, and reports itself degraded. */
  rejected(err: unknown): void;
  /** A throw nobody caught: the state is unknown, so the daemon stops and exits non-zero. */
  crashed(err: unknown): void;
}

/**
 * The daemon process's last line: Node ends a process on a rejection or throw that nothing
 * handled, which for an always-on indexer means a silent outage and a lock left behind. Every
 * fire-and-forget path goes through `runInBackground`, so reaching these handlers is a bug;
 * they log it with its stack (at error and fatal level, `event` naming which) and hand it to
 * the hooks. Only the daemon's entry point installs them: library code and the one-shot CLI
 * commands keep Node's defaults. Returns a function that removes them.
 */
export function guardProcess(logger: Logger, hooks: ProcessGuardHooks): () => void {
  const log = logger.child({ component: 'process' });
  const call = (hook: (err: unknown) => void, err: unknown) => {
    try {
      hook(err);
    } catch (hookErr) {
      // A throw from here would end the process with no word in the log.
      log.error({ err: hookErr }, 'handling an unhandled error failed');
    }
  };
  const onRejection = (reason: unknown) => {
    log.error(
      { event: 'unhandledRejection', err: reason },
      'a promise rejection was not handled (a bug); the daemon runs on, degraded',
    );
    call(hooks.rejected, reason);
  };
  const onException = (err: Error, origin: string) => {
    log.fatal(
      { event: 'uncaughtException', err, origin },
      'an exception was not caught (a bug); stopping, since the state is unknown',
    );
    call(hooks.crashed, err);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
