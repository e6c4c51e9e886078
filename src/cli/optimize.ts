import type { App } from '../app.js';

/**
 * Small fragments after which a one-shot run compacts: each run adds a couple of commits, and
 * searches slow down with the fragment count (bench/store/README.md); compacting a few dozen
 * costs ~0.3 s, so a run that merely edits one file does not pay for it every time.
 */
const SMALL_FRAGMENTS_BEFORE_OPTIMIZE = 24;

/** Compacts the index when enough small fragments piled up. Returns whether it did. */
export async function optimizeIfWorthIt(app: App): Promise<boolean> {
  let due = false;
  for (const engine of Object.keys(app.config.engines)) {
    const stats = await app.indexer.table(engine)?.stats();
    if (stats && stats.smallFragments >= SMALL_FRAGMENTS_BEFORE_OPTIMIZE) due = true;
  }
  const files = await app.store.files.stats();
  if (files.smallFragments >= SMALL_FRAGMENTS_BEFORE_OPTIMIZE) due = true;
  if (due) await app.store.optimize();
  return due;
}
