import { availableParallelism } from 'node:os';

/**
 * LanceDB runs its CPU work in a pool of `LANCE_CPU_THREADS` threads; unset, that is the core
 * count minus two, and at least one. Some of that work waits for more CPU work it queued on the
 * same pool: folding new rows into a full-text index does once they are more than a few
 * megabytes of text (one large notes file is enough). With one thread, which is every machine
 * of three cores or fewer, that wait never ends: `optimize()` hangs without CPU or error, and
 * every write queued behind it waits too. A few more threads leave room for that nesting; they
 * cost nothing while idle, and the work they run is the same.
 */
export const MIN_LANCE_CPU_THREADS = 4;

/** What `prepareLanceEnv` set (the user's own values are kept). */
export interface LanceEnvChanges {
  LANCE_CPU_THREADS?: string;
  LANCEDB_LOG?: string;
}

/**
 * Sets the variables LanceDB reads once: `LANCEDB_LOG` when its module loads, `LANCE_CPU_THREADS`
 * the first time it runs CPU work. The CLI calls it first thing (every command, the daemon
 * included); the store calls it again before it connects, for programs that use the store alone
 * (there only the thread count can still take effect):
 * - `LANCE_CPU_THREADS` to `MIN_LANCE_CPU_THREADS` where LanceDB's default would be smaller;
 * - `LANCEDB_LOG=error`: its Rust side otherwise writes warnings (empty k-means clusters while
 *   training a vector index on repeated texts) to the stderr of whatever command opened it.
 * A variable the user set, even to another value, is left alone.
 */
export function prepareLanceEnv(
  env: NodeJS.ProcessEnv = process.env,
  cores: number = availableParallelism(),
): LanceEnvChanges {
  const changes: LanceEnvChanges = {};
  const unset = (name: keyof LanceEnvChanges) => env[name] === undefined || env[name] === '';
  if (unset('LANCE_CPU_THREADS') && Math.max(1, cores - 2) < MIN_LANCE_CPU_THREADS) {
    changes.LANCE_CPU_THREADS = String(MIN_LANCE_CPU_THREADS);
  }
  if (unset('LANCEDB_LOG')) changes.LANCEDB_LOG = 'error';
  Object.assign(env, changes);
  return changes;
}
