import type { Table } from '@lancedb/lancedb';
import type { RecordBatch, Schema, Vector } from 'apache-arrow';
import { arrow } from '../engines/arrow.js';
import { RagError } from '../errors.js';
import type { Logger } from '../log.js';
import { ChunkTableView } from './chunk-table-view.js';
import { createTextIndex, ensureVectorIndex, type TextIndexOptions } from './indexes.js';
import { guard, schemaDifference, WriteLock } from './lance-util.js';
import type { StoreTuning } from './tuning.js';
import {
  CHUNK_COLUMNS as C,
  type ChunkTable,
  type FieldFilter,
  type SearchHit,
  type SearchRequest,
  type StoredChunk,
  type TableStats,
} from './types.js';
import { inList } from './where.js';

export interface LanceChunkTableOptions {
  table: Table;
  /** The database folder, for error messages. */
  dir: string;
  modelId: string;
  dimension: number;
  /** The mapper's schema: every batch must have exactly these columns. */
  schema: Schema;
  /** The full-text tokenizer its index was made with (`textIndexOptions`), for rebuilds. */
  textIndex: TextIndexOptions;
  tuning: StoreTuning;
  logger: Logger;
}

/** A chunk table over one LanceDB table. Open it with `LanceStore.openChunkTable`. */
export class LanceChunkTable implements ChunkTable {
  readonly name: string;
  readonly modelId: string;
  readonly dimension: number;
  #table: Table;
  readonly #dir: string;
  readonly #schema: Schema;
  readonly #textIndex: TextIndexOptions;
  readonly #tuning: StoreTuning;
  readonly #log: Logger;
  readonly #writes = new WriteLock();
  readonly #reads: ChunkTableView;
  #closed: Promise<void> | undefined;

  constructor(options: LanceChunkTableOptions) {
    this.#table = options.table;
    this.name = options.table.name;
    this.#dir = options.dir;
    this.modelId = options.modelId;
    this.dimension = options.dimension;
    this.#schema = options.schema;
    this.#textIndex = options.textIndex;
    this.#tuning = options.tuning;
    this.#log = options.logger.child({ table: this.name });
    this.#reads = new ChunkTableView(() => this.#table, this.name, this.#dir, this.dimension, this.#tuning);
  }

  async replaceFiles(paths: readonly string[], batch: RecordBatch | null): Promise<void> {
    this.#checkOpen();
    const unique = [...new Set(paths)];
    const rows = batch?.numRows ?? 0;
    if (batch && rows > 0) this.#checkBatch(batch, new Set(unique));
    if (unique.length === 0) return;
    // Each part is one commit over at most PATHS_PER_STATEMENT files: a file never spans two
    // parts, so a reader still sees its old rows or its new ones.
    const parts = statementParts(unique, batch && rows > 0 ? batch : null, PATHS_PER_STATEMENT, (problem) =>
      this.#what(problem),
    );
    for (const part of parts) {
      await this.#replacePart(part.paths, part.batch);
    }
  }

  async appendRows(path: string, batch: RecordBatch): Promise<void> {
    this.#checkOpen();
    if (batch.numRows === 0) return;
    this.#checkBatch(batch, new Set([path]));
    await this.#writes.run(() =>
      guard(this.#what(`appending ${batch.numRows} row(s) to ${path}`), async () => {
        // Insert-only on id: rows already there (a commit whose record was lost to a crash, read
        // again) are left alone, so redoing an append adds no duplicates. Without the
        // delete-by-source clause of replaceFiles the merge does not scan the whole table.
        await this.#table.mergeInsert(C.id).whenNotMatchedInsertAll().execute(new arrow.Table(batch));
      }),
    );
  }

  async #replacePart(paths: readonly string[], batch: RecordBatch | null): Promise<void> {
    const where = inList(C.path, paths);
    await this.#writes.run(() =>
      guard(this.#what(`replacing ${describePaths(paths)}`), async () => {
        if (!batch) {
          await this.#table.delete(where);
          return;
        }
        // One mergeInsert is one commit: the rows of `paths` that the batch does not carry
        // are deleted by the same transaction that inserts the new ones, so readers see the
        // old file or the new file, never a mix or nothing.
        await this.#table
          .mergeInsert(C.id)
          .whenMatchedUpdateAll()
          .whenNotMatchedInsertAll()
          .whenNotMatchedBySourceDelete({ where })
          .execute(new arrow.Table(batch));
      }),
    );
  }

  async vectorsByContentHash(hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    this.#checkOpen();
    const found = new Map<string, Float32Array>();
    const unique = [...new Set(hashes)];
    const step = this.#tuning.hashLookupBatch;
    for (let start = 0; start < unique.length; start += step) {
      const part = unique.slice(start, start + step);
      // One hash may have thousands of rows (a log repeats its statements): find one row id per
      // hash from the hash column alone, then read just those rows' vectors.
      const rowIds = await this.#firstRowPerHash(part);
      if (rowIds.length === 0) continue;
      const result = await guard(this.#what('looking up vectors by content hash'), () =>
        this.#table.takeRowIds(rowIds).select([C.contentHash, C.vector]).toArrow(),
      );
      const hashCol = result.getChild(C.contentHash);
      const vectorCol = result.getChild(C.vector);
      if (result.numRows > 0 && (!hashCol || !vectorCol))
        throw new RagError(
          'E_STORE',
          this.#what('looking up vectors by content hash: result lacks its columns'),
        );
      for (let i = 0; i < result.numRows; i++) {
        // A copy, so the map does not pin the whole result buffer in memory.
        found.set(
          hashCol!.get(i) as string,
          Float32Array.from((vectorCol!.get(i) as Vector).toArray() as Float32Array),
        );
      }
    }
    return found;
  }

  async #firstRowPerHash(hashes: readonly string[]): Promise<bigint[]> {
    const first = new Map<string, bigint>();
    await guard(this.#what('finding rows by content hash'), async () => {
      const query = this.#table
        .query()
        .where(inList(C.contentHash, hashes))
        .select([C.contentHash])
        .withRowId();
      for await (const batch of query) {
        const hashCol = batch.getChild(C.contentHash);
        const idCol = batch.getChild('_rowid');
        if (!hashCol || !idCol) throw new RagError('E_STORE', this.#what('row id query lacks its columns'));
        for (let i = 0; i < batch.numRows; i++) {
          const hash = hashCol.get(i) as string;
          if (!first.has(hash)) first.set(hash, idCol.get(i) as bigint);
        }
      }
    });
    return [...first.values()];
  }

  async vectorsForPaths(
    paths: readonly string[],
    max = Number.POSITIVE_INFINITY,
  ): Promise<Map<string, Float32Array>> {
    return this.#vectorsWhere(C.path, paths, 'reading the vectors of files', max);
  }

  async search(request: SearchRequest): Promise<SearchHit[]> {
    this.#checkOpen();
    return this.#reads.search(request);
  }

  async chunks(filters: readonly FieldFilter[], limit: number): Promise<StoredChunk[]> {
    this.#checkOpen();
    return this.#reads.chunks(filters, limit);
  }

  async countRows(): Promise<number> {
    this.#checkOpen();
    return this.#reads.countRows();
  }

  async paths(): Promise<Set<string>> {
    this.#checkOpen();
    return this.#reads.paths();
  }

  scan(columns: readonly string[], where: string | undefined): AsyncIterable<RecordBatch> {
    this.#checkOpen();
    return this.#reads.scan(columns, where);
  }

  async stats(): Promise<TableStats> {
    this.#checkOpen();
    return this.#reads.stats();
  }

  /**
   * Compacts small fragments, prunes versions older than `keepVersionsMs`, folds new rows
   * into the indexes, and builds the vector index once the table is large enough.
   */
  async optimize(): Promise<void> {
    this.#checkOpen();
    await this.#writes.run(() =>
      guard(this.#what('optimizing'), async () => {
        const started = performance.now();
        const cleanupOlderThan = new Date(Date.now() - this.#tuning.keepVersionsMs);
        const result = await this.#table.optimize({ cleanupOlderThan });
        const rows = await this.#table.countRows();
        if (await ensureVectorIndex(this.#table, rows, this.#tuning.vectorIndexMinRows, this.#log)) {
          this.#reads.markVectorIndexed();
        }
        this.#log.info(
          {
            ms: Math.round(performance.now() - started),
            rows,
            fragmentsRemoved: result.compaction.fragmentsRemoved,
            fragmentsAdded: result.compaction.fragmentsAdded,
            versionsRemoved: result.prune.oldVersionsRemoved,
            bytesRemoved: result.prune.bytesRemoved,
          },
          'optimized',
        );
      }),
    );
  }

  async rebuildTextIndex(): Promise<void> {
    this.#checkOpen();
    await this.#writes.run(() =>
      guard(this.#what('rebuilding the full-text index'), async () => {
        const started = performance.now();
        await createTextIndex(this.#table, this.#textIndex, true);
        this.#log.info({ ms: Math.round(performance.now() - started) }, 'full-text index rebuilt');
      }),
    );
  }

  /**
   * Replaces LanceDB's handle with one `open` makes (the same table through another
   * connection), between writes; returns the old handle, still usable by reads in flight, for
   * the caller to close. See `LanceStore.renewCaches`.
   */
  async swapHandle(open: () => Promise<Table>): Promise<Table> {
    this.#checkOpen();
    return this.#writes.run(async () => {
      const old = this.#table;
      this.#table = await guard(this.#what('opening it again'), open);
      return old;
    });
  }

  /** Waits for queued writes, then releases LanceDB's handle. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#writes.drain();
      this.#table.close();
    })();
    return this.#closed;
  }

  /**
   * content hash → vector of rows whose `column` is one of `values`, in IN-list batches; stops
   * reading once `max` hashes are found (each query asks for no more rows than are missing).
   */
  async #vectorsWhere(
    column: string,
    values: readonly string[],
    doing: string,
    max = Number.POSITIVE_INFINITY,
  ) {
    this.#checkOpen();
    const found = new Map<string, Float32Array>();
    const unique = [...new Set(values)];
    const step = this.#tuning.hashLookupBatch;
    for (let start = 0; start < unique.length && found.size < max; start += step) {
      const part = unique.slice(start, start + step);
      const missing = max - found.size;
      const result = await guard(this.#what(doing), () => {
        const query = this.#table.query().where(inList(column, part)).select([C.contentHash, C.vector]);
        return (Number.isFinite(missing) ? query.limit(missing) : query).toArrow();
      });
      // LanceDB returns a table without columns when nothing matched.
      if (result.numRows === 0) continue;
      const hashCol = result.getChild(C.contentHash);
      const vectorCol = result.getChild(C.vector);
      if (!hashCol || !vectorCol)
        throw new RagError('E_STORE', this.#what(`${doing}: result lacks its columns`));
      for (let i = 0; i < result.numRows; i++) {
        const hash = hashCol.get(i) as string;
        if (found.has(hash)) continue;
        // A copy, so the map does not pin the whole result buffer in memory.
        found.set(hash, Float32Array.from((vectorCol.get(i) as Vector).toArray() as Float32Array));
      }
    }
    return found;
  }

  #checkBatch(batch: RecordBatch, paths: ReadonlySet<string>): void {
    if (!(batch instanceof arrow.RecordBatch)) {
      throw new RagError(
        'E_SCHEMA',
        this.#what('the batch was built with another copy of apache-arrow than LanceDB loads'),
        { fix: 'build batches with the helpers in src/engines/arrow.ts' },
      );
    }
    const difference = schemaDifference(this.#schema, batch.schema);
    if (difference) throw new RagError('E_SCHEMA', this.#what(`batch does not fit the table: ${difference}`));
    const pathCol = batch.getChild(C.path);
    const idCol = batch.getChild(C.id);
    if (!pathCol || !idCol) throw new RagError('E_SCHEMA', this.#what('batch lacks the path or id column'));
    const ids = new Set<string>();
    for (let i = 0; i < batch.numRows; i++) {
      const path = pathCol.get(i) as string;
      // A row of an unlisted path would be inserted without its old rows being deleted.
      if (!paths.has(path))
        throw new RagError('E_SCHEMA', this.#what(`batch has rows of ${path}, not listed in paths`));
      const id = idCol.get(i) as string;
      // mergeInsert's behaviour with duplicate source keys is undefined (today: duplicates).
      if (ids.has(id)) throw new RagError('E_SCHEMA', this.#what(`batch has chunk id ${id} twice (${path})`));
      ids.add(id);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new RagError('E_STORE', this.#what('the table is closed'));
  }

  #what(doing: string): string {
    return `table ${this.name} in ${this.#dir}: ${doing}`;
  }
}

/**
 * Files per delete or replace statement. The `IN (…)` list of a statement names every file it
 * touches, so a folder of 100,000 files in one statement would be megabytes of SQL that
 * DataFusion parses and holds as one expression while it scans the table. 500 paths (about
 * 50 kB of SQL for paths of 100 bytes) keeps the statement small, while the commits a mass
 * delete costs stay few: one per 500 files. The indexer's groups (`indexing.commitFiles`,
 * default 256) fit in one statement, so a group stays one commit.
 */
export const PATHS_PER_STATEMENT = 500;

interface StatementPart {
  paths: string[];
  batch: RecordBatch | null;
}

/**
 * Splits a replace into parts of at most `perPart` files each, cutting `batch` (zero-copy
 * slices) between files. The rows of each file must be adjacent in the batch — the mappers
 * write a file's chunks together — or a file would span two commits; such a batch is refused.
 * Paths without rows in the batch are deleted in parts of their own, after the others.
 */
export function statementParts(
  paths: readonly string[],
  batch: RecordBatch | null,
  perPart = PATHS_PER_STATEMENT,
  what: (problem: string) => string = (problem) => problem,
): StatementPart[] {
  if (paths.length <= perPart) return [{ paths: [...paths], batch }];
  const parts: StatementPart[] = [];
  const withRows = new Set<string>();
  if (batch) {
    const pathCol = batch.getChild(C.path);
    if (!pathCol) throw new RagError('E_SCHEMA', what('batch lacks the path column'));
    let start = 0;
    let current: string[] = [];
    let previous: string | undefined;
    for (let i = 0; i < batch.numRows; i++) {
      const path = pathCol.get(i) as string;
      if (path === previous) continue;
      if (withRows.has(path))
        throw new RagError(
          'E_SCHEMA',
          what(`batch of ${paths.length} files has the rows of ${path} in two places`),
          {
            fix: `write each file's rows together (as the mappers in src/engines do), or pass at most ${perPart} files per call`,
          },
        );
      if (current.length === perPart) {
        parts.push({ paths: current, batch: batch.slice(start, i) });
        start = i;
        current = [];
      }
      current.push(path);
      withRows.add(path);
      previous = path;
    }
    if (current.length) parts.push({ paths: current, batch: batch.slice(start, batch.numRows) });
  }
  const rowless = paths.filter((p) => !withRows.has(p));
  for (let i = 0; i < rowless.length; i += perPart)
    parts.push({ paths: rowless.slice(i, i + perPart), batch: null });
  return parts;
}

function describePaths(paths: readonly string[]): string {
  return paths.length === 1 ? (paths[0] as string) : `${paths.length} files (${paths[0]}, …)`;
}
