import type { Table } from '@lancedb/lancedb';
import type { RecordBatch } from 'apache-arrow';
import { RagError } from '../errors.js';
import { ChunkTableView } from './chunk-table-view.js';
import type { Mismatch } from './table-meta.js';
import type { StoreTuning } from './tuning.js';
import type {
  ChunkTableReader,
  FieldFilter,
  SearchHit,
  SearchRequest,
  StoredChunk,
  TableStats,
} from './types.js';

export interface ReadOnlyChunkTableOptions {
  table: Table;
  name: string;
  /** The database folder, for error messages. */
  dir: string;
  modelId: string;
  dimension: number;
  tuning: StoreTuning;
  /** Set when the table was made for another model or schema: what is wrong and the fix. */
  mismatch?: (Mismatch & { fix: string }) | undefined;
  close: () => Promise<void>;
}

/**
 * A chunk table as a reader sees it: it has no method that writes. One made for another model
 * still answers full-text searches (its text and columns are good); vector and hybrid searches,
 * and every search of a table with other columns, throw `E_SCHEMA` with the fix.
 */
export class ReadOnlyChunkTable implements ChunkTableReader {
  readonly name: string;
  readonly modelId: string;
  readonly dimension: number;
  readonly #dir: string;
  readonly #reads: ChunkTableView;
  readonly #mismatch: ReadOnlyChunkTableOptions['mismatch'];
  readonly #close: () => Promise<void>;
  #closed: Promise<void> | undefined;

  constructor(options: ReadOnlyChunkTableOptions) {
    this.name = options.name;
    this.#dir = options.dir;
    this.modelId = options.modelId;
    this.dimension = options.dimension;
    const { table } = options;
    this.#reads = new ChunkTableView(() => table, this.name, this.#dir, this.dimension, options.tuning);
    this.#mismatch = options.mismatch;
    this.#close = options.close;
  }

  async search(request: SearchRequest): Promise<SearchHit[]> {
    this.#checkOpen();
    const mismatch = this.#mismatch;
    if (mismatch && (mismatch.kind === 'schema' || request.mode !== 'text')) {
      throw new RagError('E_SCHEMA', this.#what(mismatch.reason), { fix: mismatch.fix });
    }
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

  /** Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  #checkOpen(): void {
    if (this.#closed) throw new RagError('E_STORE', this.#what('the table is closed'));
  }

  #what(doing: string): string {
    return `table ${this.name} in ${this.#dir}: ${doing}`;
  }
}

/** The table of an engine that was never indexed: it holds nothing, and finds nothing. */
export class EmptyChunkTable implements ChunkTableReader {
  readonly name: string;
  readonly modelId: string;
  readonly dimension: number;

  constructor(name: string, modelId: string, dimension: number) {
    this.name = name;
    this.modelId = modelId;
    this.dimension = dimension;
  }

  async search(): Promise<SearchHit[]> {
    return [];
  }

  async chunks(): Promise<StoredChunk[]> {
    return [];
  }

  async countRows(): Promise<number> {
    return 0;
  }

  async paths(): Promise<Set<string>> {
    return new Set();
  }

  async *scan(): AsyncGenerator<RecordBatch> {}

  async stats(): Promise<TableStats> {
    return {
      name: this.name,
      rows: 0,
      version: 0,
      versions: 0,
      fragments: 0,
      smallFragments: 0,
      dataBytes: 0,
      indexes: [],
    };
  }

  async close(): Promise<void> {}
}
