import type { RecordBatch, Schema } from 'apache-arrow';
import type { TokenCounter } from '../embed/types.js';

/** One searchable piece of a file. Plain data: it crosses process boundaries. */
export interface Chunk {
  /** Stable across runs for the same path, position and content. */
  id: string;
  text: string;
  /** sha256 (hex, 32 chars) of the text that is embedded: the key for vector reuse. */
  contentHash: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** Headings (or scopes) that contain the chunk, outermost first. */
  headingPath: string[];
  /** Engine-specific fields (front matter, SQL fingerprint, …), stored as JSON. */
  metadata: Record<string, unknown>;
}

export interface ChunkInput {
  /** Absolute path; used for ids and error messages. */
  path: string;
  text: string;
}

export interface ChunkLimits {
  /** Upper bound on a chunk's tokens (the embedder's limit, usually). */
  maxTokens: number;
  /** Neighbours smaller than this are merged when they share a parent. */
  minTokens: number;
  tokenizer: TokenCounter;
}

export interface Chunker {
  readonly name: string;
  chunk(input: ChunkInput, limits: ChunkLimits): Chunk[];
}

/** What the store records about a file besides its chunks. */
export interface FileFacts {
  path: string;
  /** The configured source folder the file belongs to. */
  root: string;
  engine: string;
  fileHash: string;
  size: number;
  mtimeMs: number;
  indexedAt: number;
  modelId: string;
}

/**
 * Turns domain data into Arrow for one table and back. The store only ever sees
 * the batches and the schema — never `Chunk`.
 */
export interface StoreMapper {
  readonly name: string;
  schema(dimension: number): Schema;
  /**
   * `vectors` is one flat row-major buffer (`chunks.length × dimension`). The vector column
   * must be a FixedSizeList over that same buffer: no per-row arrays.
   */
  toRecordBatch(rows: readonly MappedFile[], vectors: Float32Array, dimension: number): RecordBatch;
}

export interface MappedFile {
  file: FileFacts;
  chunks: readonly Chunk[];
}
