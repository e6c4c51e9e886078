import type { Logger } from './log.js';

/**
 * Starts work that nobody awaits — a timer's callback, an event handler, a stop asked for over
 * the socket — and owns its failure. Node ends the process on a rejection nobody handles, so
 * this is the one way the daemon's modules leave a promise behind: the failure (a throw or a
 * rejection) is logged at error level naming `what`, then handed to `onError`, where the caller
 * decides what it means (typically: the daemon reports `degraded` with a reason). Never throws,
 * never rejects.
 */
export function runInBackground(
  log: Logger,
  what: string,
  work: () => unknown,
  onError?: (err: unknown) => void,
): void {
  let running: Promise<unknown>;
  try {
    running = Promise.resolve(work());
  } catch (err) {
    running = Promise.reject(err);
  }
  running.catch((err: unknown) => {
    log.error({ err, task: what }, `${what} failed`);
    if (!onError) return;
    try {
      onError(err);
    } catch (handlerErr) {
      log.error({ err: handlerErr, task: what }, `handling the failure of ${what} failed`);
    }
  });
}
