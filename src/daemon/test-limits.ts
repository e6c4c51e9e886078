import { errorMessage, RagError } from '../errors.js';
import { DEFAULT_QUEUE_LIMITS, resolveQueueLimits } from '../queue/limits.js';
import { DEFAULT_WATCHER_LIMITS, resolveWatcherLimits } from '../watcher/limits.js';
import type { DaemonLimits } from './daemon.js';

/**
 * For tests only: a spawned daemon cannot be handed constructor options, and the tests of its
 * recovery (a watcher restarted after the watch limit, a write retried after a full disk) would
 * otherwise wait out the real back-offs of 10 s to minutes. Not a user setting: the defaults
 * are chosen for a laptop (src/watcher/limits.ts, src/queue/limits.ts), and this variable is
 * read here, once, by `ragctl daemon run`.
 *
 * Its value is JSON: `{"watcher": {"restartDelaysMs": [300]}, "queue": {"retryDelaysMs": [200]}}`,
 * any field of WatcherLimits / QueueLimits, checked as the constructors check them.
 */
export const TEST_LIMITS_ENV = 'RAGD_TEST_LIMITS';

export function testLimitsFromEnv(env: NodeJS.ProcessEnv): DaemonLimits | undefined {
  const raw = env[TEST_LIMITS_ENV];
  if (raw === undefined || raw === '') return undefined;
  const fix = `unset ${TEST_LIMITS_ENV} (it is for tests only), or give it {"watcher": {…}, "queue": {…}}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new RagError('E_USAGE', `${TEST_LIMITS_ENV} is not JSON: ${errorMessage(err)}`, {
      cause: err,
      fix,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new RagError('E_USAGE', `${TEST_LIMITS_ENV} must be a JSON object, not ${raw}`, { fix });
  const { watcher, queue, ...unknown } = parsed as DaemonLimits;
  const extra = [
    ...Object.keys(unknown),
    ...Object.keys(watcher ?? {})
      .filter((k) => !(k in DEFAULT_WATCHER_LIMITS))
      .map((k) => `watcher.${k}`),
    ...Object.keys(queue ?? {})
      .filter((k) => !(k in DEFAULT_QUEUE_LIMITS))
      .map((k) => `queue.${k}`),
  ];
  if (extra.length)
    throw new RagError('E_USAGE', `${TEST_LIMITS_ENV}: unknown key ${extra.join(', ')}`, { fix });
  try {
    // Checked now, so a bad value stops the daemon at start rather than when a watcher is built.
    resolveWatcherLimits(watcher);
    resolveQueueLimits(queue);
  } catch (err) {
    throw new RagError('E_USAGE', `${TEST_LIMITS_ENV}: ${errorMessage(err)}`, { cause: err, fix });
  }
  return { watcher, queue };
}
