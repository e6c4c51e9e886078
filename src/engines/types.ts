import type { RecordBatch, Schema } from 'apache-arrow';
import type { FieldSpec } from '../config/schema.js';
import type { TokenCounter } from '../embed/types.js';
import type { FilterKind } from '../store/types.js';

/** One searchable piece of a file. Plain data: it crosses process boundaries. */
export interface Chunk {
  /** Stable across runs for the same path, position and content. */
  id: string;
  text: string;
  /**
   * What is embedded when it is not `text` (e.g. a SQL statement normalised, so the same
   * statement with other literals shares one vector). Not stored; `contentHash` hashes it.
   */
  embedText?: string;
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
  /** The path relative to its source folder, '/'-separated: what names read best to a person. */
  relativePath?: string;
  text: string;
}

export interface ChunkLimits {
  /** Upper bound on a chunk's tokens (the embedder's limit, usually). */
  maxTokens: number;
  /** Neighbours smaller than this are merged when they share a parent. */
  minTokens: number;
  tokenizer: TokenCounter;
}

/**
 * Turns one file into chunks. May answer asynchronously (a wasm parser starts asynchronously);
 * the pipeline awaits every chunker alike and knows nothing of languages or dialects.
 */
export interface Chunker {
  readonly name: string;
  /**
   * Throws a RagError with code `E_SKIPPED` to decline a file (generated, vendored): its message
   * is recorded as the skip reason. Any other error is recorded as a chunker failure.
   */
  chunk(input: ChunkInput, limits: ChunkLimits): Chunk[] | Promise<Chunk[]>;
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
 * A field of an engine's table that searches may filter on, declared once by its mapper (the
 * one that writes the column). The search schema (src/search/params.ts) turns it into a socket
 * parameter `name`, a CLI flag `--name-in-kebab-case`, their validation, and the `where` clause
 * (`fieldWhere` in src/store/where.ts). Mappers may share a name when they share the kind.
 */
export interface FilterField {
  /** The socket parameter (snake_case): `min_time` is `--min-time` on the command line. */
  readonly name: string;
  readonly kind: FilterKind;
  /** The column it reads in this mapper's table (a lower-case identifier). */
  readonly column: string;
  /** What it keeps, for `--help`, docs and tool schemas: "only statements slower than this (ms)". */
  readonly description: string;
  /** The value's name in `--help` (`--min-time <ms>`); default from the kind. */
  readonly placeholder?: string;
}

/**
 * Turns domain data into Arrow for one table and back. The store only ever sees
 * the batches and the schema — never `Chunk`.
 */
export interface StoreMapper {
  readonly name: string;
  /** The fields of this table that searches may filter on, beyond those every table has. */
  readonly filters?: readonly FilterField[];
  /**
   * The float64 epoch-ms column that `--after`/`--before` read in this table; default
   * `mtime_ms` (the file's time). A log's entries have their own time (the SQL mapper's `at_ms`).
   */
  readonly timeColumn?: string;
  /**
   * The engine block's own YAML keys beside the common ones, with their defaults: what an
   * engine over this table can be tuned with (the sql mapper's `clusterThreshold`). The
   * registry checks a config's keys against these; unknown ones fail with the key path.
   */
  readonly options?: Readonly<Record<string, FieldSpec>>;
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
