import type { FtsOptions } from '@lancedb/lancedb';
import type { RecordBatch, Schema } from 'apache-arrow';
import type { FieldSpec } from '../config/schema.js';
import type { TokenCounter } from '../embed/types.js';
import type { Collapse, FieldFilter, FilterKind, Passage, RankDown, StoredChunk } from '../store/types.js';

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
  /**
   * sha256 (hex, 32 chars) of what the vector depends on: the key for vector reuse. Usually the
   * embedded text; an engine may leave out names it adds to that text, so that a rename costs
   * no embedding (the code chunker hashes the source without its symbol line).
   */
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
  /** The file's text; empty for a file the chunker reads as bytes (`Chunker.readsBytes`). */
  text: string;
  /** The file's bytes, for a file the chunker reads as bytes (a PDF). */
  bytes?: Uint8Array;
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
   * Globs of the files it reads, for engines and sources that list none: an engine block that
   * names only its chunker indexes that chunker's files. Absent: the markdown globs.
   */
  readonly include?: readonly string[];
  /**
   * Changes when the same file gives other chunks (absent: never changed). Part of each file's
   * record signature, so an index made by an older chunker re-chunks its files once; unchanged
   * chunk texts keep their vectors.
   */
  readonly version?: string;
  /**
   * Throws a RagError with code `E_SKIPPED` to decline a file (generated, vendored): its message
   * is recorded as the skip reason. Any other error is recorded as a chunker failure.
   */
  chunk(input: ChunkInput, limits: ChunkLimits): Chunk[] | Promise<Chunk[]>;
  /**
   * Whether it reads this file as bytes (a PDF) rather than text: the pipeline then neither
   * decodes it nor skips it as binary, and hands `ChunkInput.bytes`. Absent: every file is text.
   */
  readsBytes?(path: string): boolean;
  /**
   * How many times `indexing.maxFileBytes` this file may be: for a format whose bytes are mostly
   * not the text it reads (a PDF's fonts and images, a notebook's outputs), so that the limit
   * bounds the text, as it does for a plain file. Absent: 1.
   */
  sizeFactor?(path: string): number;
}

/**
 * A chunker for files that only grow (logs): it reads a byte stream from an offset, so a grown
 * file costs its new bytes, and it never holds the whole file. The pipeline keeps, per file,
 * the checkpoint this returns (with hashes of the file's head and of the last complete entry);
 * when a file grew and those still match, it streams the bytes from `fromOffset` with the
 * previous `resume`, adds the chunks yielded and keeps the old ones; otherwise it starts over
 * from 0 (`previous` null) and the chunks yielded replace the file's. The size limit
 * `indexing.maxFileBytes` does not apply. See src/pipeline/README.md, "Files that only grow".
 */
export interface AppendingChunker extends Chunker {
  chunkAppend(input: AppendInput, limits: ChunkLimits): AsyncIterable<AppendPiece>;
}

export interface AppendInput {
  path: string;
  relativePath?: string;
  /** Where `bytes` starts in the file: 0 for a fresh start, else the last checkpoint's `offset`. */
  fromOffset: number;
  /** The last checkpoint's `resume`, or null for a fresh start. */
  previous: unknown;
  /** The file from `fromOffset` to its size when it was looked at. */
  bytes: AsyncIterable<Uint8Array>;
  /**
   * Nothing more is coming (the file has not changed for a while, or a one-shot index): entries
   * that may be unfinished — the last one of a log, whose end is only known when the next
   * begins — are emitted too instead of being held back.
   */
  final: boolean;
}

/**
 * Chunks and where the reading stands after them. Pieces come in file order; after a piece is
 * committed its checkpoint is recorded, so a stop between pieces resumes from there. The last
 * piece (possibly without chunks) carries the checkpoint of the whole read.
 */
export interface AppendPiece {
  chunks: Chunk[];
  checkpoint: AppendCheckpoint;
}

export interface AppendCheckpoint {
  /** Byte offset the next read starts at: everything before is chunked for good. */
  offset: number;
  /** Bytes of the last complete entry, [from, to) (at most a few dozen kB): hashed to check the file later. */
  lastEntry: { from: number; to: number } | null;
  /** Entries past `offset` are held back as possibly unfinished; the pipeline comes back once the file settles. */
  withheld: boolean;
  /** False when a later change must be read from 0 (a file that is edited, not appended to). */
  appendable: boolean;
  /**
   * Entries of the file, from its start to `offset`, that the chunker read and left out of the
   * index on purpose, counted by why (the SQL chunker: `{ 'server message': 12 }`): so nothing
   * is lost without a trace. Cumulative, so the last checkpoint's counts are the file's.
   * Absent or empty: nothing was left out.
   */
  omitted?: Readonly<Record<string, number>>;
  /** JSON-serialisable data the chunker needs to go on from `offset` (line number, entry count, …). */
  resume: unknown;
}

/** Whether an engine's chunker reads appends (see `AppendingChunker`). */
export function readsAppends(chunker: Chunker): chunker is AppendingChunker {
  return typeof (chunker as Partial<AppendingChunker>).chunkAppend === 'function';
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
  /**
   * The values it can take, when they are a closed set (`lang`: the code engine's languages):
   * any other is refused, naming them, where it would silently match nothing.
   */
  readonly values?: readonly string[];
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
  /**
   * Tokenizer options of this table's full-text index that differ from the store's default
   * (`FTS_OPTIONS` in src/store/tuning.ts), for text whose words weigh otherwise than prose's.
   * A table whose index was built with other options is re-indexed when it is opened.
   */
  readonly textIndex?: Readonly<Partial<FtsOptions>>;
  /**
   * Rows that the full-text leg of a hybrid search leaves out; they stay the vector leg's
   * candidates. For rows whose stored text repeats words that other rows hold as their own (the
   * code mapper's class summaries list every member's signature), so BM25 does not count those
   * words twice. A `--mode text` search still reads every row: it asked for every match.
   */
  readonly hybridTextSkip?: FieldFilter;
  /**
   * The column holding each row's qualified name (the code mapper's `symbol`, `path:Class.method`).
   * A hybrid search for one identifier also reads the rows whose name ends with it, so that a
   * definition the legs missed is a candidate: a class summary, which `hybridTextSkip` keeps out
   * of the full-text leg, and whose vector may be far from its bare name.
   */
  readonly nameColumn?: string;
  /**
   * Rows whose fused hybrid score is multiplied by a factor below 1: still found, but below
   * equally good matches (the code mapper's test files, whose tables of inputs and expected
   * messages read like a question about the code they test). Only hybrid search applies it.
   */
  readonly hybridRankDown?: readonly RankDown[];
  /**
   * Rows that repeat one thing, which a search shows as one hit with a count of the others (the
   * SQL mapper's: a log's runs of one statement shape, by fingerprint). Its `filter` must be one
   * of this mapper's `filters`, reading the same column: it lists each row of one value.
   */
  readonly collapse?: Collapse;
  /**
   * Hybrid's first hits from this table may be re-ranked by late interaction (the query and each
   * hit's text read token by token: src/search/rerank.ts, `search.rerank`). Declared where it
   * was measured to help on text nobody tuned for (the document mapper; on code it was mixed:
   * docs/BENCHMARKS.md §56).
   */
  readonly rerank?: boolean;
  /**
   * The passage a row belongs to where several rows of one file make one (a Markdown section
   * cut into chunks; a long function's header and the parts of its body), or undefined for a
   * row that stands alone. A search shows a passage once: its best-ranked row, with the lines of
   * the others it found (`SearchHit.parts`), so that k hits are k passages; where the passage
   * numbers its pieces, only a run of neighbouring pieces is one hit.
   */
  passageOf?(row: StoredChunk): Passage | undefined;
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
