import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { errnoCode, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { GRAPH_BUILDER_VERSION } from './bert-graph.js';

/** `$XDG_CACHE_HOME/ragctl/onnx` (default `~/.cache/ragctl/onnx`): rebuilt if deleted. */
export function defaultGraphCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'ragctl', 'onnx');
}

/**
 * The graph file for these weights: keyed by the weights' id (Hub id + fingerprint of the
 * safetensors), the builder's version, the precision and the graph's ops (fused or plain), so
 * a new checkpoint, a changed builder or another variant never reuses a stale graph.
 */
export function graphCacheFile(dir: string, weightsId: string, precision: string, ops: string): string {
  const key = createHash('sha256')
    .update(`${weightsId}|builder ${GRAPH_BUILDER_VERSION}|${precision}|${ops}`)
    .digest('hex')
    .slice(0, 20);
  return join(dir, `bert-${key}.onnx`);
}

/**
 * The cached graph, else `build()`'s, written to the cache for the next start. The cache is
 * only a speed-up: a folder that cannot be written is logged and the built graph used as is.
 */
export function cachedGraph(
  file: string,
  build: () => Uint8Array,
  log: Logger,
): { bytes: Uint8Array; cached: boolean } {
  try {
    return { bytes: readFileSync(file), cached: true };
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT')
      log.warn({ file, err: errorMessage(err) }, 'cannot read the cached onnx graph; building it');
  }
  const bytes = build();
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    // Written aside and renamed: a reader never sees half a graph.
    writeFileSync(tmp, bytes, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    log.warn(
      { file, err: errorMessage(err) },
      'cannot cache the onnx graph; it will be built again at the next start',
    );
    rmSync(tmp, { force: true });
  }
  return { bytes, cached: false };
}
