import { CODE_COLUMNS } from '../engines/code-filters.js';
import { CHUNK_COLUMNS as C, type ChunkTableReader, type StoredChunk } from '../store/types.js';
import type { ContextStore } from './types.js';

/** An engine's table and the names of its columns (its mapper's schema). */
export interface ContextTable {
  engine: string;
  table: ChunkTableReader;
  columns: readonly string[];
}

/**
 * Rows read for one question: parents, imports and neighbours of at most `k` hits. A file of
 * 5,000 lines holds a few hundred chunks; this bounds a pathological one, not a normal read.
 */
const MAX_ROWS_PER_READ = 2_000;

/**
 * `ContextStore` over the engines' chunk tables: ids and places become `where` filters pushed
 * into LanceDB (`ChunkTableReader.chunks`), never a scan in JavaScript. Import blocks are found
 * by the code mapper's `kind` column, so an engine whose table has none has no imports.
 */
export class TableContextStore implements ContextStore {
  readonly #tables: ReadonlyMap<string, ContextTable>;

  constructor(tables: readonly ContextTable[]) {
    this.#tables = new Map(tables.map((t) => [t.engine, t]));
  }

  async byIds(engine: string, ids: readonly string[]): Promise<StoredChunk[]> {
    const table = this.#tables.get(engine)?.table;
    if (!table || ids.length === 0) return [];
    return table.chunks(
      [{ kind: 'string-in', column: C.id, value: ids }],
      Math.min(ids.length, MAX_ROWS_PER_READ),
    );
  }

  async inRange(engine: string, path: string, startLine: number, endLine: number): Promise<StoredChunk[]> {
    const table = this.#tables.get(engine)?.table;
    if (!table) return [];
    return table.chunks(
      [
        { kind: 'string-eq', column: C.path, value: path },
        { kind: 'number-max', column: C.startLine, value: endLine },
        { kind: 'number-min', column: C.endLine, value: startLine },
      ],
      MAX_ROWS_PER_READ,
    );
  }

  async imports(engine: string, path: string): Promise<StoredChunk[]> {
    const entry = this.#tables.get(engine);
    if (!entry?.columns.includes(CODE_COLUMNS.kind)) return [];
    return entry.table.chunks(
      [
        { kind: 'string-eq', column: C.path, value: path },
        { kind: 'string-eq', column: CODE_COLUMNS.kind, value: 'imports' },
      ],
      MAX_ROWS_PER_READ,
    );
  }
}
