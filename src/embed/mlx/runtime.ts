import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { core as mx } from '@frost-beta/mlx';

/**
 * node-mlx frees an array's memory only when V8 collects its JS wrapper, and V8 does not know
 * how much native memory each wrapper holds, so without help RSS grows by hundreds of MB per
 * batch. A full GC after each batch keeps it flat; it costs a few ms against ~1 s of inference.
 */
let collect: (() => void) | undefined;
export function collectGarbage(): void {
  if (!collect) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) {
      collect = exposed;
    } else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
}

/** Lets pending microtasks and the wrappers' finalizers run after a GC. */
export function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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
