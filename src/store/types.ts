import type { RecordBatch } from 'apache-arrow';

/** How a search ranks: ANN over vectors, BM25 over text, or both fused by RRF. */
export type SearchMode = 'hybrid' | 'vector' | 'text';

/** Filters pushed down into the table scan (LanceDB `where`), never applied after the fact. */
export interface SearchFilter {
  /** Glob over the file path (absolute, or relative to its source root), e.g. `docs/**` or `*.md`. */
  pathGlob?: string | undefined;
  /** Only chunks of files modified at or after this time (epoch ms). */
  afterMs?: number | undefined;
}

export interface SearchRequest {
  /** The text the user typed; full-text search uses it as is. */
  query: string;
  /** The query's embedding; required for `vector` and `hybrid`. */
  vector?: Float32Array | undefined;
  k: number;
  mode: SearchMode;
  filter?: SearchFilter | undefined;
  /** RRF constant for hybrid mode. */
  rrfK?: number | undefined;
}

/** One result row. Plain data: it goes over the socket as JSON. */
export interface SearchHit {
  id: string;
  path: string;
  root: string;
  engine: string;
  startLine: number;
  endLine: number;
  headingPath: string[];
  text: string;
  /** Higher is better. Hybrid: fused RRF score; vector: 1 − cosine distance; text: BM25. */
  score: number;
  mtimeMs: number;
  metadata: Record<string, unknown>;
}

/** What the store remembers of a file, to decide from a `stat` whether it changed. */
export interface FileRecord {
  path: string;
  root: string;
  engine: string;
  size: number;
  mtimeMs: number;
  fileHash: string;
  chunkCount: number;
  /** `skipped` files (binary, too large, unreadable) are remembered so they are not re-read. */
  status: 'indexed' | 'skipped';
  reason: string;
  indexedAt: number;
  modelId: string;
}

/** One LanceDB table of chunks (one per engine). Knows Arrow batches, never `Chunk`. */
export interface ChunkTable {
  readonly name: string;
  readonly modelId: string;
  readonly dimension: number;
  /**
   * Replaces every row of `paths` with the rows in `batch`, in one commit: a reader sees
   * either the old rows of a file or the new ones, never both or neither.
   * A null batch (or one without rows of a path) deletes that path's rows.
   */
  replaceFiles(paths: readonly string[], batch: RecordBatch | null): Promise<void>;
  /** Vectors already stored for these content hashes (any path), for reuse without embedding. */
  vectorsByContentHash(hashes: readonly string[]): Promise<Map<string, Float32Array>>;
  search(request: SearchRequest): Promise<SearchHit[]>;
  countRows(): Promise<number>;
  /** Compacts small fragments, prunes old versions and folds new rows into the indexes. */
  optimize(): Promise<void>;
  close(): Promise<void>;
}
