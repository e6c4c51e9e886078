import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { core as mx } from '@frost-beta/mlx';

/**
 * node-mlx frees an array's memory only when V8 collects its JS wrapper and then runs the
 * wrapper's finalizer (on a later turn of the event loop). V8 does not know how much native
 * memory a wrapper holds, so left alone it collects far too late: RSS grew by gigabytes.
 * - `minor` (after each layer, < 1 ms): a scavenge frees the wrappers made since the last one;
 * - `major` (after each batch, a few ms): also frees wrappers that a scavenge promoted to the
 *   old generation — with minor GCs alone RSS still crept up ~50 MB per batch.
 * Either way, one turn of the loop lets the finalizers run.
 */
let collect: ((options?: { type: 'minor' | 'major' }) => void) | undefined;

export async function releaseArrays(kind: 'minor' | 'major'): Promise<void> {
  if (!collect) {
    const exposed = (globalThis as { gc?: typeof collect }).gc;
    if (exposed) {
      collect = exposed;
    } else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as typeof collect;
    }
  }
  // `gc()` is a full collection; `{ type: 'major' }` is not (it left the creep in place).
  if (kind === 'minor') collect!({ type: 'minor' });
  else collect!();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

export type Backend = 'metal' | 'cpu';

export function backend(): Backend {
  return mx.metal.isAvailable() ? 'metal' : 'cpu';
}

/**
 * On the CPU, `mx.compile` generates C++ for each fused kernel and builds it with the `g++` on
 * PATH. Without a compiler, compiled functions fail at their first call; the embedder then runs
 * uncompiled (slower, same results). Metal compiles its own kernels.
 */
export function canCompile(env: NodeJS.ProcessEnv = process.env): boolean {
  if (backend() === 'metal') return true;
  return findOnPath('g++', env) !== undefined;
}

export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
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

/** libexec/mlx-cxx, relative to this file in dist/embed/mlx or src/embed/mlx. */
const CXX_WRAPPER_DIR = fileURLToPath(new URL('../../../libexec/mlx-cxx', import.meta.url));

/**
 * Environment for a process that runs MLX on the CPU:
 * - PATH starts with a `g++` wrapper that builds MLX's fused kernels with -O3 -march=native
 *   (MLX asks for -O2 and the baseline ISA, which leaves them scalar);
 * - TMPDIR points at a private cache folder, because MLX writes the generated sources and
 *   shared objects to the temp folder and loads them by name: a private 0700 folder keeps
 *   other users from planting one, and survives reboots so kernels are not rebuilt.
 * Without a g++ on PATH nothing changes (the embedder then runs uncompiled).
 */
export function mlxJitEnv(base: NodeJS.ProcessEnv, cacheDir: string): NodeJS.ProcessEnv {
  const env = { ...base };
  const real = findOnPath('g++', base);
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  env.TMPDIR = cacheDir;
  if (real && backend() === 'cpu' && !real.startsWith(CXX_WRAPPER_DIR)) {
    env.RAGCTL_REAL_CXX = real;
    env.PATH = `${CXX_WRAPPER_DIR}${delimiter}${base.PATH ?? ''}`;
  }
  return env;
}

/** A JIT cache folder per host and CPU: kernels built with -march=native only run where built. */
export function mlxJitCacheDir(dataDir: string): string {
  const cpu = cpus()[0]?.model ?? 'cpu';
  const key = createHash('sha256').update(`${hostname()}|${cpu}|${process.arch}`).digest('hex').slice(0, 12);
  return join(dataDir, 'cache', `mlx-jit-${key}`);
}
