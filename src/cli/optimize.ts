import type { App } from '../app.js';
import { enginesInUse } from '../config/load.js';
import { unindexedTextRows } from '../store/indexes.js';

/**
 * Small fragments after which a one-shot run compacts: each run adds a couple of commits, and
 * searches slow down with the fragment count (bench/store/README.md); compacting a few dozen
 * costs ~0.3 s, so a run that merely edits one file does not pay for it every time…
 */
const SMALL_FRAGMENTS_BEFORE_OPTIMIZE = 24;

/**
 * Compacts the index when enough small fragments piled up, or when a chunk table holds rows
 * its full-text index has not folded in yet: LanceDB 0.31 searches such rows "flat", and that
 * flat search drops matches in chunks of ordinary length (their BM25 score comes out ≤ 0), so
 * `ragctl search --mode text` would not find what this run just indexed. A run that changed
 * nothing leaves no such rows and stays cheap. Returns whether it optimized.
 */
export async function optimizeIfWorthIt(app: App): Promise<boolean> {
  let due = false;
  for (const engine of enginesInUse(app.config)) {
    const stats = await app.indexer.table(engine)?.stats();
    if (!stats) continue;
    if (stats.smallFragments >= SMALL_FRAGMENTS_BEFORE_OPTIMIZE) due = true;
    if (unindexedTextRows(stats) > 0) due = true;
  }
  const files = await app.store.files.stats();
  if (files.smallFragments >= SMALL_FRAGMENTS_BEFORE_OPTIMIZE) due = true;
  if (due) await app.store.optimize();
  return due;
}
