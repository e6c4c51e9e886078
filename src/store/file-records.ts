import type { Table } from '@lancedb/lancedb';
import type { Table as ArrowTable, Schema } from 'apache-arrow';
import { arrow, float64Data, int32Data, recordBatch, utf8Data } from '../engines/arrow.js';
import { RagError } from '../errors.js';
import type { Logger } from '../log.js';
import { forEachValue, guard, readStats, schemaDifference, WriteLock } from './lance-util.js';
import type { StoreTuning } from './tuning.js';
import type { AppendState, FileRecord, FileRecords, FileRecordsReader, TableStats } from './types.js';
import { inList, sqlString } from './where.js';

export const FILE_RECORDS_TABLE = 'files';

/** Paths per `IN (…)` list when reading or deleting records: small SQL, few round trips. */
const PATHS_PER_QUERY = 500;

/** One row per file. `size` is float64: exact to 2^53 bytes, and no BigInt in JS. */
export function fileRecordsSchema(): Schema {
  const f = (name: string, type: ConstructorParameters<typeof arrow.Field>[1]) =>
    new arrow.Field(name, type, false);
  return new arrow.Schema([
    f('path', new arrow.Utf8()),
    f('root', new arrow.Utf8()),
    f('engine', new arrow.Utf8()),
    f('size', new arrow.Float64()),
    f('mtime_ms', new arrow.Float64()),
    f('file_hash', new arrow.Utf8()),
    f('chunk_count', new arrow.Int32()),
    f('status', new arrow.Utf8()),
    f('reason', new arrow.Utf8()),
    f('indexed_at_ms', new arrow.Float64()),
    f('model_id', new arrow.Utf8()),
    f(APPEND_STATE_COLUMN, new arrow.Utf8()),
  ]);
}

/** JSON of `FileRecord.append`, '' for files read whole. The last column: added to older tables on open. */
export const APPEND_STATE_COLUMN = 'append_state';

/**
 * How a records table differs from `fileRecordsSchema()`, or undefined. A table without the
 * `append_state` column still fits: a reader reads it as no append state, the writer adds it.
 */
export function recordsSchemaDifference(actual: Schema): string | undefined {
  const expected = fileRecordsSchema();
  const hasAppend = actual.fields.some((f) => f.name === APPEND_STATE_COLUMN);
  return schemaDifference(
    hasAppend ? expected : new arrow.Schema(expected.fields.filter((f) => f.name !== APPEND_STATE_COLUMN)),
    actual,
  );
}

/**
 * Adds the `append_state` column to a records table written before it existed (empty for every
 * file: each is read whole once more, then appends apply). Returns whether it did.
 */
export async function addAppendStateColumn(table: Table): Promise<boolean> {
  const schema = await table.schema();
  if (schema.fields.some((f) => f.name === APPEND_STATE_COLUMN)) return false;
  await table.addColumns([{ name: APPEND_STATE_COLUMN, valueSql: "''" }]);
  return true;
}

export interface LanceFileRecordsOptions {
  table: Table;
  dir: string;
  tuning: StoreTuning;
  logger: Logger;
}

/**
 * The reads of the file records over a LanceDB handle: what the writer (`LanceFileRecords`) and
 * a reader (`LanceReader`) share. It has no method that writes.
 */
export class FileRecordsView implements FileRecordsReader {
  readonly #table: () => Table;
  readonly #dir: string;

  /** `table` is asked on every call: the writer swaps its handle when caches are renewed. */
  constructor(table: () => Table, dir: string) {
    this.#table = table;
    this.#dir = dir;
  }

  async all(
    filter: { engine?: string | undefined; status?: FileRecord['status'] } = {},
  ): Promise<FileRecord[]> {
    const records: FileRecord[] = [];
    await guard(this.#what('reading all records'), async () => {
      const where: string[] = [];
      if (filter.engine !== undefined) where.push(`engine = ${sqlString(filter.engine)}`);
      if (filter.status !== undefined) where.push(`status = ${sqlString(filter.status)}`);
      let query = this.#table().query();
      if (where.length) query = query.where(where.join(' AND '));
      // Streamed batch by batch: a tree of 100k files never sits in memory twice.
      for await (const batch of query) records.push(...readRecords(batch));
    });
    return records;
  }

  async indexedPaths(engine: string): Promise<Set<string>> {
    const paths = new Set<string>();
    await guard(this.#what('listing indexed paths'), async () => {
      const query = this.#table()
        .query()
        .where(`engine = ${sqlString(engine)} AND status = 'indexed'`)
        .select(['path']);
      // One column: the orphan check needs the paths, not whole records.
      await forEachValue(query, 'path', (path) => paths.add(path as string));
    });
    return paths;
  }

  async get(paths: readonly string[]): Promise<Map<string, FileRecord>> {
    const found = new Map<string, FileRecord>();
    const unique = [...new Set(paths)];
    for (let start = 0; start < unique.length; start += PATHS_PER_QUERY) {
      const part = unique.slice(start, start + PATHS_PER_QUERY);
      const table = await guard(this.#what('reading records'), () =>
        this.#table().query().where(inList('path', part)).toArrow(),
      );
      for (const record of readRecords(table)) found.set(record.path, record);
    }
    return found;
  }

  async countIndexed(): Promise<number> {
    return guard(this.#what('counting records'), () => this.#table().countRows("status = 'indexed'"));
  }

  async indexedByRoot(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    await guard(this.#what('counting records by source'), async () => {
      const query = this.#table().query().where("status = 'indexed'").select(['root']);
      await forEachValue(query, 'root', (root) => {
        counts.set(root as string, (counts.get(root as string) ?? 0) + 1);
      });
    });
    return counts;
  }

  async indexedChunks(engine: string): Promise<number> {
    let total = 0;
    await guard(this.#what('counting indexed chunks'), async () => {
      const query = this.#table()
        .query()
        .where(`engine = ${sqlString(engine)} AND status = 'indexed'`)
        .select(['chunk_count']);
      await forEachValue(query, 'chunk_count', (count) => {
        total += (count as number | null) ?? 0;
      });
    });
    return total;
  }

  async stats(): Promise<TableStats> {
    return guard(this.#what('reading stats'), () => readStats(this.#table(), FILE_RECORDS_TABLE, this.#dir));
  }

  #what(doing: string): string {
    return `table ${FILE_RECORDS_TABLE} in ${this.#dir}: ${doing}`;
  }
}

/** The record of what is indexed, in its own LanceDB table beside the chunk tables. */
export class LanceFileRecords implements FileRecords {
  #table: Table;
  readonly #dir: string;
  readonly #tuning: StoreTuning;
  readonly #log: Logger;
  readonly #writes = new WriteLock();
  readonly #reads: FileRecordsView;
  #closed: Promise<void> | undefined;

  constructor(options: LanceFileRecordsOptions) {
    this.#table = options.table;
    this.#dir = options.dir;
    this.#tuning = options.tuning;
    this.#log = options.logger.child({ table: FILE_RECORDS_TABLE });
    this.#reads = new FileRecordsView(() => this.#table, options.dir);
  }

  all(filter: { engine?: string | undefined; status?: FileRecord['status'] } = {}): Promise<FileRecord[]> {
    return this.#reads.all(filter);
  }

  indexedPaths(engine: string): Promise<Set<string>> {
    return this.#reads.indexedPaths(engine);
  }

  get(paths: readonly string[]): Promise<Map<string, FileRecord>> {
    return this.#reads.get(paths);
  }

  countIndexed(): Promise<number> {
    return this.#reads.countIndexed();
  }

  indexedByRoot(): Promise<Map<string, number>> {
    return this.#reads.indexedByRoot();
  }

  indexedChunks(engine: string): Promise<number> {
    return this.#reads.indexedChunks(engine);
  }

  stats(): Promise<TableStats> {
    return this.#reads.stats();
  }

  async upsert(records: readonly FileRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byPath = new Map(records.map((r) => [r.path, r]));
    if (byPath.size !== records.length) {
      throw new RagError('E_STORE', this.#what('upsert got two records for one path'));
    }
    const batch = toBatch(records);
    await this.#writes.run(() =>
      guard(this.#what(`recording ${records.length} file(s)`), async () => {
        await this.#table
          .mergeInsert('path')
          .whenMatchedUpdateAll()
          .whenNotMatchedInsertAll()
          .execute(new arrow.Table(batch));
      }),
    );
  }

  async delete(paths: readonly string[]): Promise<void> {
    const unique = [...new Set(paths)];
    for (let start = 0; start < unique.length; start += PATHS_PER_QUERY) {
      const part = unique.slice(start, start + PATHS_PER_QUERY);
      await this.#writes.run(() =>
        guard(this.#what(`forgetting ${part.length} file(s)`), () =>
          this.#table.delete(inList('path', part)),
        ),
      );
    }
  }

  /** Forgets every file of an engine, e.g. before its table is rebuilt for a new model. */
  async deleteEngine(engine: string): Promise<void> {
    await this.#writes.run(() =>
      guard(this.#what(`forgetting engine ${engine}`), () =>
        this.#table.delete(`engine = ${sqlString(engine)}`),
      ),
    );
  }

  async optimize(): Promise<void> {
    await this.#writes.run(() =>
      guard(this.#what('optimizing'), async () => {
        const result = await this.#table.optimize({
          cleanupOlderThan: new Date(Date.now() - this.#tuning.keepVersionsMs),
        });
        this.#log.debug(
          {
            fragmentsRemoved: result.compaction.fragmentsRemoved,
            versionsRemoved: result.prune.oldVersionsRemoved,
          },
          'optimized',
        );
      }),
    );
  }

  /** As `LanceChunkTable.swapHandle`. */
  async swapHandle(open: () => Promise<Table>): Promise<Table> {
    return this.#writes.run(async () => {
      const old = this.#table;
      this.#table = await guard(this.#what('opening it again'), open);
      return old;
    });
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#writes.drain();
      this.#table.close();
    })();
    return this.#closed;
  }

  #what(doing: string): string {
    return `table ${FILE_RECORDS_TABLE} in ${this.#dir}: ${doing}`;
  }
}

function toBatch(records: readonly FileRecord[]) {
  const n = records.length;
  const pick = (f: (r: FileRecord) => string) => utf8Data(records.map(f));
  const numbers = (f: (r: FileRecord) => number) => Float64Array.from(records, f);
  return recordBatch(
    fileRecordsSchema(),
    [
      pick((r) => r.path),
      pick((r) => r.root),
      pick((r) => r.engine),
      float64Data(numbers((r) => r.size)),
      float64Data(numbers((r) => r.mtimeMs)),
      pick((r) => r.fileHash),
      int32Data(Int32Array.from(records, (r) => r.chunkCount)),
      pick((r) => r.status),
      pick((r) => r.reason),
      float64Data(numbers((r) => r.indexedAt)),
      pick((r) => r.modelId),
      pick((r) => (r.append ? JSON.stringify(r.append) : '')),
    ],
    n,
  );
}

function readRecords(table: Pick<ArrowTable, 'numRows' | 'getChild'>): FileRecord[] {
  // LanceDB returns a table without columns when nothing matched.
  if (table.numRows === 0) return [];
  const col = (name: string) => {
    const c = table.getChild(name);
    if (!c) throw new RagError('E_STORE', `${FILE_RECORDS_TABLE}: result lacks column ${name}`);
    return c;
  };
  const [path, root, engine, size, mtime, hash, chunks, status, reason, indexedAt, model] = [
    'path',
    'root',
    'engine',
    'size',
    'mtime_ms',
    'file_hash',
    'chunk_count',
    'status',
    'reason',
    'indexed_at_ms',
    'model_id',
  ].map(col);
  // A reader may meet a table older than the column (only a writer adds it).
  const appendState = table.getChild(APPEND_STATE_COLUMN);
  const out: FileRecord[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    out[i] = {
      path: path?.get(i),
      root: root?.get(i),
      engine: engine?.get(i),
      size: size?.get(i),
      mtimeMs: mtime?.get(i),
      fileHash: hash?.get(i),
      chunkCount: chunks?.get(i),
      status: status?.get(i),
      reason: reason?.get(i),
      indexedAt: indexedAt?.get(i),
      modelId: model?.get(i),
    };
    const append = appendState?.get(i) as string | null | undefined;
    if (append) out[i]!.append = JSON.parse(append) as AppendState;
  }
  return out;
}
