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

/** Hex digits of the hashed part of a graph file's name. */
const KEY_HEX_CHARS = 20;

/**
 * The graph file for these weights: keyed by the weights' id (Hub id + fingerprint of the
 * safetensors), the builder's version, the precision and the graph's ops (fused or plain), so
 * a new checkpoint, a changed builder or another variant never reuses a stale graph. The
 * builder's version is also in the name, in clear, so that graphs no build of this version
 * would load can be told apart without reading them (graph-sweep.ts).
 */
export function graphCacheFile(dir: string, weightsId: string, precision: string, ops: string): string {
  const key = createHash('sha256')
    .update(`${weightsId}|builder ${GRAPH_BUILDER_VERSION}|${precision}|${ops}`)
    .digest('hex')
    .slice(0, KEY_HEX_CHARS);
  return join(dir, `bert-v${GRAPH_BUILDER_VERSION}-${key}.onnx`);
}

/**
 * `bert-v<version>-<key>.onnx`, or `bert-<key>.onnx` as builders up to version 2 named their
 * graphs (the version only inside the hash).
 */
const GRAPH_NAME = new RegExp(`^bert-(?:v(\\d+)-)?[0-9a-f]{${KEY_HEX_CHARS}}\\.onnx$`);
/** What cachedGraph writes before its rename: the graph's name, the writer's pid, `.tmp`. */
const TEMP_NAME = /^(.+)\.\d+\.tmp$/;

/** What a file name in the graph cache is, by the cache's own naming; `null` for anything else. */
export function parseGraphFileName(
  name: string,
): { kind: 'graph'; builderVersion: number | 'unversioned' } | { kind: 'temp' } | null {
  const temp = TEMP_NAME.exec(name);
  if (temp) return parseGraphFileName(temp[1]!)?.kind === 'graph' ? { kind: 'temp' } : null;
  const graph = GRAPH_NAME.exec(name);
  if (!graph) return null;
  return { kind: 'graph', builderVersion: graph[1] === undefined ? 'unversioned' : Number(graph[1]) };
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
