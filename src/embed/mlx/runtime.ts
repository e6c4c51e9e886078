import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdirSync } from 'node:fs';
import { cpus, homedir, hostname } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { core as mx } from '@frost-beta/mlx';
import { collectGarbage } from '../../gc.js';

/**
 * node-mlx frees an array's memory only when V8 collects its JS wrapper and then runs the
 * wrapper's finalizer (on a later turn of the event loop). V8 does not know how much native
 * memory a wrapper holds, so left alone it collects far too late: RSS grew by gigabytes.
 * - `minor` (after each layer, < 1 ms): a scavenge frees the wrappers made since the last one;
 * - `major` (after each batch, a few ms): also frees wrappers that a scavenge promoted to the
 *   old generation — with minor GCs alone RSS still crept up ~50 MB per batch.
 * Either way, one turn of the loop lets the finalizers run.
 */
export async function releaseArrays(kind: 'minor' | 'major'): Promise<void> {
  // A full collection: V8's `{ type: 'major' }` left the creep in place.
  collectGarbage(kind === 'minor' ? 'minor' : 'full');
  await new Promise<void>((resolve) => setImmediate(resolve));
}

export type Backend = 'metal' | 'cpu';

export function backend(): Backend {
  return mx.metal.isAvailable() ? 'metal' : 'cpu';
}

/** libexec/mlx-cxx, relative to this file in dist/embed/mlx or src/embed/mlx. */
const CXX_WRAPPER_DIR = fileURLToPath(new URL('../../../libexec/mlx-cxx', import.meta.url));

let prepared: boolean | undefined;

/**
 * Makes this process ready for MLX's CPU kernel compiler and says whether `mx.compile` may be
 * used. On the CPU, MLX generates C++ for each fused kernel and builds it with the `g++` on
 * PATH, writing sources and libraries to the temp folder. This:
 * - puts libexec/mlx-cxx first on PATH: its `g++` builds with -O3 -march=native and repairs
 *   the kernel names MLX fails to quote (see the script);
 * - points TMPDIR at a private 0700 cache folder: MLX loads an existing library by name, so a
 *   shared /tmp would let another user plant one; a cache also survives reboots;
 * - returns false when there is no g++ (compiled functions would abort the process), so the
 *   encoder runs uncompiled: slower, same results.
 * Metal compiles its own kernels: nothing to do. Idempotent; it changes this process's env,
 * which is why MLX runs in its own worker process.
 */
export function prepareMlxJit(cacheDir: string = defaultJitCacheDir()): boolean {
  prepared ??= setUpJit(cacheDir);
  return prepared;
}

function setUpJit(cacheDir: string): boolean {
  if (backend() === 'metal') return true;
  const wrapper = join(CXX_WRAPPER_DIR, 'g++');
  const real = findOnPath('g++', process.env, CXX_WRAPPER_DIR);
  if (!real) return false;
  try {
    accessSync(wrapper, constants.X_OK);
  } catch {
    chmodSync(wrapper, 0o755); // lost its mode in packaging; throws (and we fail loudly) if read-only
  }
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  process.env.TMPDIR = cacheDir;
  process.env.RAGCTL_REAL_CXX = real;
  process.env.PATH = `${CXX_WRAPPER_DIR}${delimiter}${process.env.PATH ?? ''}`;
  return true;
}

/** One JIT cache per host and CPU model: kernels built with -march=native run only where built. */
export function defaultJitCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cpu = cpus()[0]?.model ?? 'cpu';
  const key = createHash('sha256').update(`${hostname()}|${cpu}|${process.arch}`).digest('hex').slice(0, 12);
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'ragctl', `mlx-jit-${key}`);
}

export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  skipDir?: string,
): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || dir === skipDir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this PATH entry; keep looking.
    }
  }
  return undefined;
}
