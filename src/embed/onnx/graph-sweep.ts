import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { GRAPH_BUILDER_VERSION } from './bert-graph.js';
import { parseGraphFileName } from './graph-cache.js';

/**
 * A temp file this old is a writer's leftover (a crash between write and rename): a graph of
 * ~90 MB is written in seconds, so an hour leaves a slow disk a wide margin and never removes
 * a file another process is still writing.
 */
export const STALE_TEMP_MS = 60 * 60 * 1000;

export interface SweepResult {
  /** Full paths removed. */
  removed: string[];
  bytes: number;
}

/**
 * Removes what this ragctl would never load again from the graph cache: graphs an older
 * builder wrote (of any model; a key holds the builder's version, so a changed builder leaves
 * the old ~90 MB files behind for good) and temp files a crashed writer left. Kept: every graph
 * of this builder version (two configs may use two models, precisions or variants), graphs of
 * a newer builder (a newer ragctl installed beside this one still loads them), and any file
 * not named by the cache's own naming. Completed graphs appear only by rename, so none is
 * ever half written; a process still reading an old one keeps its open file. Errors are
 * logged, never thrown: the cache is a speed-up only.
 */
export function sweepStaleGraphs(dir: string, log: Logger, now = Date.now()): SweepResult {
  const result: SweepResult = { removed: [], bytes: 0 };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT')
      log.warn({ dir, err: errorMessage(err) }, 'cannot list the onnx graph cache to remove stale graphs');
    return result;
  }
  for (const name of names) {
    const parsed = parseGraphFileName(name);
    if (!parsed) continue;
    const file = join(dir, name);
    try {
      const stat = lstatSync(file);
      if (!stat.isFile()) continue;
      const stale =
        parsed.kind === 'temp'
          ? now - stat.mtimeMs > STALE_TEMP_MS
          : parsed.builderVersion === 'unversioned' || parsed.builderVersion < GRAPH_BUILDER_VERSION;
      if (!stale) continue;
      rmSync(file, { force: true });
      result.removed.push(file);
      result.bytes += stat.size;
    } catch (err) {
      // Another process sweeping the same cache may have removed it first.
      if (errnoCode(err) !== 'ENOENT')
        log.warn({ file, err: errorMessage(err) }, 'cannot remove a stale onnx graph; remove it by hand');
    }
  }
  if (result.removed.length > 0)
    log.info(
      { dir, files: result.removed.length, bytes: result.bytes, builderVersion: GRAPH_BUILDER_VERSION },
      'removed stale onnx graphs',
    );
  return result;
}

/** Cache folders swept by this process: each is swept once per start, not at every load. */
const sweptDirs = new Set<string>();

/** sweepStaleGraphs, at most once per process for each cache folder. */
export function sweepStaleGraphsOnce(dir: string, log: Logger): void {
  if (sweptDirs.has(dir)) return;
  sweptDirs.add(dir);
  sweepStaleGraphs(dir, log);
}
