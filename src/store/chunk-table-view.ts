import type { Table } from '@lancedb/lancedb';
import type { RecordBatch } from 'apache-arrow';
import { errorMessage, isRagError, RagError } from '../errors.js';
import { hasVectorIndex } from './indexes.js';
import { forEachValue, guard, readStats } from './lance-util.js';
import { readChunks, searchChunks } from './search.js';
import type { StoreTuning } from './tuning.js';
import {
  CHUNK_COLUMNS as C,
  type FieldFilter,
  type SearchHit,
  type SearchRequest,
  type StoredChunk,
  type TableStats,
} from './types.js';
import { and, fieldWhere } from './where.js';

/**
 * The reads of a chunk table over a LanceDB handle: what the writer (`LanceChunkTable`) and a
 * reader (`ReadOnlyChunkTable`) share. It has no method that writes; each owner checks first
 * that it is open (and, for a reader, that the table fits the config).
 */
export class ChunkTableView {
  readonly #table: () => Table;
  readonly #name: string;
  readonly #dir: string;
  readonly #dimension: number;
  readonly #tuning: StoreTuning;
  /** Asked of LanceDB once; the writer says so when it builds the index. */
  #vectorIndexed: boolean | undefined;

  /** `table` is asked on every call: the writer swaps its handle when caches are renewed. */
  constructor(table: () => Table, name: string, dir: string, dimension: number, tuning: StoreTuning) {
    this.#table = table;
    this.#name = name;
    this.#dir = dir;
    this.#dimension = dimension;
    this.#tuning = tuning;
  }

  markVectorIndexed(): void {
    this.#vectorIndexed = true;
  }

  async search(request: SearchRequest): Promise<SearchHit[]> {
    this.#vectorIndexed ??= await guard(this.#what('listing indexes'), () => hasVectorIndex(this.#table()));
    const target = {
      table: this.#table(),
      dimension: this.#dimension,
      tuning: this.#tuning,
      vectorIndexed: this.#vectorIndexed,
    };
    return guard(this.#what(`searching (${request.mode})`), () => searchChunks(target, request));
  }

  chunks(filters: readonly FieldFilter[], limit: number): Promise<StoredChunk[]> {
    const where = and(...filters.map(fieldWhere));
    return guard(this.#what('reading chunks'), () => readChunks(this.#table(), where, limit));
  }

  countRows(): Promise<number> {
    return guard(this.#what('counting rows'), () => this.#table().countRows());
  }

  async paths(): Promise<Set<string>> {
    const paths = new Set<string>();
    await guard(this.#what('listing the paths it holds'), () =>
      forEachValue(this.#table().query().select([C.path]), C.path, (path) => paths.add(path as string)),
    );
    return paths;
  }

  async *scan(columns: readonly string[], where: string | undefined): AsyncGenerator<RecordBatch> {
    let query = this.#table()
      .query()
      .select([...columns]);
    if (where) query = query.where(where);
    try {
      for await (const batch of query) yield batch as RecordBatch;
    } catch (err) {
      if (isRagError(err)) throw err;
      throw new RagError('E_STORE', `${this.#what('scanning rows')}: ${errorMessage(err)}`, { cause: err });
    }
  }

  stats(): Promise<TableStats> {
    return guard(this.#what('reading stats'), () => readStats(this.#table(), this.#name, this.#dir));
  }

  #what(doing: string): string {
    return `table ${this.#name} in ${this.#dir}: ${doing}`;
  }
}
