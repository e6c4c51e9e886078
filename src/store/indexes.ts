import { createHash } from 'node:crypto';
import { type FtsOptions, Index, type Table } from '@lancedb/lancedb';
import type { Logger } from '../log.js';
import { FTS_OPTIONS } from './tuning.js';
import { CHUNK_COLUMNS as C, type TableStats } from './types.js';

/**
 * BTREE indexes: `id` is the join key of every replace (mergeInsert), `path` the key of
 * its delete clause, `content_hash` the key of vector reuse. All three are looked up by
 * equality / IN lists, which is what a BTREE serves.
 */
const BTREE_COLUMNS = [C.id, C.path, C.contentHash] as const;

/** Tokenizer options of one table's full-text index: FTS_OPTIONS with its mapper's own on top. */
export type TextIndexOptions = Readonly<Partial<FtsOptions>>;

/** FTS_OPTIONS overridden by a mapper's `textIndex` (none: FTS_OPTIONS itself). */
export function textIndexOptions(overrides?: TextIndexOptions): TextIndexOptions {
  return overrides ? Object.freeze({ ...FTS_OPTIONS, ...overrides }) : FTS_OPTIONS;
}

/**
 * Creates the scalar and full-text indexes a chunk table lacks. LanceDB builds them on an
 * empty table too, so a new table gets them at once; rows written later are searched
 * unindexed (flat) until `optimize()` folds them in — correct either way, only slower.
 * `text` is the table's full-text tokenizer (`textIndexOptions`).
 */
export async function ensureChunkIndexes(
  table: Table,
  log: Logger,
  text: TextIndexOptions = FTS_OPTIONS,
): Promise<void> {
  const indices = await table.listIndices();
  const indexed = new Set(indices.flatMap((i) => i.columns));
  for (const column of BTREE_COLUMNS) {
    if (indexed.has(column)) continue;
    await table.createIndex(column, { config: Index.btree() });
    log.debug({ column }, 'created btree index');
  }
  const name = textIndexName(text);
  const existing = indices.find((i) => i.columns.includes(C.text));
  if (existing && existing.name !== name) {
    // Built with other tokenizer options (or before the name carried them): its tokens are not
    // what `text` would make, so it is rebuilt over every row rather than kept.
    const started = performance.now();
    await table.dropIndex(existing.name);
    await createTextIndex(table, text);
    log.info(
      { was: existing.name, now: name, ms: Math.round(performance.now() - started) },
      'full-text tokenizer changed: rebuilt the full-text index',
    );
  } else if (!existing) {
    await createTextIndex(table, text);
    log.debug({ column: C.text }, 'created full-text index');
  }
}

/**
 * The full-text index's name carries a hash of its tokenizer options: LanceDB keeps an index's
 * tokenizer with the index and tokenizes queries with it, so an index built with other options
 * would go on answering with them. A table whose index has another name is re-indexed at open.
 */
export function textIndexName(options: TextIndexOptions): string {
  const sorted = Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1));
  return `text_fts_${createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 12)}`;
}

/** The name of a full-text index built with FTS_OPTIONS alone (a mapper without `textIndex`). */
export const TEXT_INDEX_NAME = textIndexName(FTS_OPTIONS);

/**
 * Rows of a chunk table that its full-text index has not folded in: LanceDB 0.31 searches them
 * flat, which misses common words and slows with every such row. 0 without an FTS index.
 */
export function unindexedTextRows(stats: TableStats): number {
  return stats.indexes.find((i) => i.type === 'FTS')?.unindexedRows ?? 0;
}

/** The full-text index on `text` with `options`; `replace` rebuilds an existing one over every row. */
export async function createTextIndex(
  table: Table,
  options: TextIndexOptions,
  replace = false,
): Promise<void> {
  await table.createIndex(C.text, {
    config: Index.fts({ ...options }),
    replace,
    name: textIndexName(options),
  });
}

export async function hasVectorIndex(table: Table): Promise<boolean> {
  return (await table.listIndices()).some((i) => i.columns.includes(C.vector));
}

/**
 * Builds the ANN index once the table has `minRows` rows; below that, brute force is fast
 * and exact (see `StoreTuning.vectorIndexMinRows`). IVF_PQ with cosine distance: the one
 * variant that builds in seconds on a laptop at 50k–1M rows; searches re-rank its
 * candidates with exact distances (`refineFactor`), so scores stay true cosines.
 * Returns whether it built one.
 */
export async function ensureVectorIndex(table: Table, rows: number, minRows: number, log: Logger) {
  if (rows < minRows || (await hasVectorIndex(table))) return false;
  const started = performance.now();
  await table.createIndex(C.vector, { config: Index.ivfPq({ distanceType: 'cosine' }) });
  log.info({ rows, ms: Math.round(performance.now() - started) }, 'built vector index');
  return true;
}
