import type { App } from '../app.js';
import { loadConfig } from '../config/load.js';
import { isRagError } from '../errors.js';
import { request } from '../ipc/client.js';
import type { Method, ParamsOf, ResultOf } from '../ipc/protocol.js';
import type { GlobalOptions } from './main.js';

/** A running daemon answers a search in milliseconds; past this the CLI gives up on it. */
const DAEMON_TIMEOUT_MS = 30_000;

/**
 * Asks the daemon; when none runs, answers from the index directly with `direct` (loading
 * LanceDB and, for vector search, the model — which is why this is only the fallback, and why
 * those modules are imported here lazily).
 */
export async function askDaemon<M extends Method>(
  g: GlobalOptions,
  method: M,
  params: ParamsOf<M>,
  direct: (app: App) => Promise<ResultOf<M>>,
): Promise<{ result: ResultOf<M>; via: 'daemon' | 'index' }> {
  const config = loadConfig({ configPath: g.config });
  try {
    return {
      result: await request(config.socketPath, method, params, { timeoutMs: DAEMON_TIMEOUT_MS }),
      via: 'daemon',
    };
  } catch (err) {
    if (!isRagError(err) || err.code !== 'E_NO_DAEMON') throw err;
  }
  const [{ App }, { createLogger }] = await Promise.all([import('../app.js'), import('../log.js')]);
  const logger = createLogger({ level: (process.env.RAGCTL_LOG_LEVEL as 'warn' | undefined) ?? 'warn' });
  // Another process (a daemon starting up) may write meanwhile: always read the newest version.
  const app = await App.open(config, { logger, readConsistencyS: 0 });
  try {
    return { result: await direct(app), via: 'index' };
  } finally {
    await app.close();
  }
}
