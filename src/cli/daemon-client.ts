import type { ReadOnlyApp } from '../app-reader.js';
import { loadConfig } from '../config/load.js';
import { describeStarting, readStartingNote } from '../daemon/starting.js';
import { isRagError } from '../errors.js';
import { request } from '../ipc/client.js';
import type { Method, ParamsOf, ResultOf } from '../ipc/protocol.js';
import type { GlobalOptions } from './main.js';

/** A daemon that is starting (fetching its model), in words; undefined when none is. */
function startingDaemon(dataDir: string): string | undefined {
  const note = readStartingNote(dataDir);
  return note && `the daemon (pid ${note.pid}) is starting: ${describeStarting(note)}`;
}

/** What a command says on stderr when it answered from the index: why no daemon did. */
export function indexNote(done: string, starting: string | undefined): string {
  return `(${starting ?? 'no daemon running'}: ${done})\n`;
}

/** A running daemon answers a search in milliseconds; past this the CLI gives up on it. */
const DAEMON_TIMEOUT_MS = 30_000;

/**
 * Asks the daemon; when none runs, answers from the index directly with `direct` (loading
 * LanceDB and, for vector search, the model — which is why this is only the fallback, and why
 * those modules are imported here lazily). The index is opened read-only: no daemon means no
 * lock held here, and a writer (`ragctl index`, a daemon starting) may be at work. What the
 * reader found wrong with the index goes to stderr as notes, unless `notes` is false (for a
 * command that reports them in its result).
 */
export async function askDaemon<M extends Method>(
  g: GlobalOptions,
  method: M,
  params: ParamsOf<M>,
  direct: (app: ReadOnlyApp) => Promise<ResultOf<M>>,
  options: { notes?: boolean } = {},
): Promise<{ result: ResultOf<M>; via: 'daemon' | 'index'; starting?: string }> {
  const config = loadConfig({ configPath: g.config });
  try {
    return {
      result: await request(config.socketPath, method, params, { timeoutMs: DAEMON_TIMEOUT_MS }),
      via: 'daemon',
    };
  } catch (err) {
    if (!isRagError(err) || err.code !== 'E_NO_DAEMON') throw err;
  }
  const [{ ReadOnlyApp }, { createLogger }] = await Promise.all([
    import('../app-reader.js'),
    import('../log.js'),
  ]);
  const logger = createLogger({ level: (process.env.RAGCTL_LOG_LEVEL as 'warn' | undefined) ?? 'warn' });
  const app = await ReadOnlyApp.open(config, { logger });
  try {
    const result = await direct(app);
    const starting = startingDaemon(config.dataDir);
    // A starting daemon will build the index: "no index yet, run `ragctl index`" would mislead.
    if (options.notes !== false && !starting)
      for (const p of app.problems) process.stderr.write(`ragctl: note: ${p.reason}\n  fix: ${p.fix}\n`);
    return { result, via: 'index', ...(starting ? { starting } : {}) };
  } finally {
    await app.close();
  }
}
