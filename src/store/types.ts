import type { RecordBatch } from 'apache-arrow';

/**
 * Columns every chunk table has, whatever else its mapper adds: the store filters, ranks
 * and builds `SearchHit`s from these alone, so a mapper's schema must contain them all
 * (checked when a table is opened). Units are in the names.
 */
export const CHUNK_COLUMNS = {
  id: 'id',
  path: 'path',
  /** `path` relative to `root`, with `/` separators: what relative `--path` globs match. */
  relPath: 'rel_path',
  root: 'root',
  engine: 'engine',
  /** `List<utf8>`, outermost first. */
  headingPath: 'heading_path',
  startLine: 'start_line',
  endLine: 'end_line',
  text: 'text',
  contentHash: 'content_hash',
  fileHash: 'file_hash',
  /** float64 epoch ms, as `fs.Stats.mtimeMs`. */
  mtimeMs: 'mtime_ms',
  indexedAtMs: 'indexed_at_ms',
  modelId: 'model_id',
  /** utf8 JSON object. */
  metadata: 'metadata',
  /** `FixedSizeList<float32>[dimension]`. */
  vector: 'vector',
} as const;

/** How a search ranks: ANN over vectors, BM25 over text, or both fused. The one list of modes. */
export const SEARCH_MODES = ['hybrid', 'vector', 'text'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/**
 * How a declared filter field reads its column (`fieldWhere` in where.ts writes the clause):
 * - `number-min` / `number-max`: `column >= n` / `column <= n`;
 * - `date-after` / `date-before`: `column >= t` / `column < t`, the column holding epoch ms;
 * - `string-eq`: `column = s`; `string-in`: `column IN (s1, s2, …)`; `string-prefix`: the
 *   column starts with s (a fingerprint as its first hex digits);
 * - `list-contains`: a `List<utf8>` column has an item equal to s (`array_has`);
 * - `heading`: the chunk is under a heading of that text, in any case: an item of its heading
 *   path (a `List<utf8>` column), or a heading line in its text (a small section merged into the
 *   chunk before it keeps no heading path of its own: Markdown `##`, Org `**`);
 * - `glob`: the whole value matches a shell glob (`*`, `?`, `[…]`, `{a,b}`; `*` stops at a
 *   `/`, `**` crosses it);
 * - `path-glob`: the gitignore-like path glob of `--path` (`pathGlobWhere`).
 */
export const FILTER_KINDS = [
  'number-min',
  'number-max',
  'date-after',
  'date-before',
  'string-eq',
  'string-in',
  'string-prefix',
  'list-contains',
  'heading',
  'glob',
  'path-glob',
] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];

/** One engine-declared filter with its value, as the store applies it. Dates are epoch ms by now. */
export type FieldFilter =
  | { kind: 'number-min' | 'number-max' | 'date-after' | 'date-before'; column: string; value: number }
  | {
      kind: 'string-eq' | 'string-prefix' | 'list-contains' | 'heading' | 'glob' | 'path-glob';
      column: string;
      value: string;
    }
  | { kind: 'string-in'; column: string; value: readonly string[] };

/**
 * Rows a hybrid search ranks below equally good matches without leaving them out: their fused
 * score is multiplied by `factor` (0–1) before file evidence.
 */
export interface RankDown {
  /** Tested against the hit's path relative to its source root, `/`-separated (a RegExp will do). */
  readonly paths?: { test(path: string): boolean };
  /** Tested against the hit's metadata (a listing of links, marked by its chunker). */
  readonly rows?: (metadata: Readonly<Record<string, unknown>>) => boolean;
  readonly factor: number;
  /** What the rule's rows are, as `--explain` names them: `a test file`, `a listing of links`. */
  readonly why: string;
  /**
   * Queries that ask for what these rows hold, and leave them where the legs put them (a
   * question about releases keeps a changelog's place); tested against the query as typed.
   */
  readonly unlessAsked?: { test(query: string): boolean };
}

/**
 * Rows that repeat one thing, shown by a search as one hit (the SQL mapper's: the runs of one
 * statement shape in a log, which share a fingerprint and, normalised, one vector). The best of
 * them stays, with how many more the search found (`SearchHit.repeats`); the search looks further
 * until it has k distinct hits. Rows whose `column` is null are each their own.
 */
export interface Collapse {
  /** The nullable utf8 column whose equal values are one thing (a lower-case identifier). */
  readonly column: string;
  /** The key of the same value in a hit's `metadata`. */
  readonly key: string;
  /** The filter field (`FilterField.name`) that lists every row of one value. */
  readonly filter: string;
}

/** Filters pushed down into the table scan (LanceDB `where`), never applied after the fact. */
export interface SearchFilter {
  /**
   * Gitignore-like glob over the file path: starting with `/` it matches the absolute path,
   * otherwise the path relative to the file's source root (or that path under the root's own
   * name: `notes/daily/x.md` for the source `~/notes`); without a `/` it matches at any
   * depth (`*.md`); a matched folder includes its contents (`docs` = `docs/**`). `*` and `?`
   * stay within a segment, `**` crosses them, `[…]`, `{a,b}` and `\x` as in shells. See
   * `pathGlobWhere` in `where.ts`.
   */
  pathGlob?: string | undefined;
  /** Only chunks of files modified at or after this time (epoch ms). */
  afterMs?: number | undefined;
  /** Only chunks of files modified before this time (epoch ms). */
  beforeMs?: number | undefined;
  /** The column `afterMs`/`beforeMs` compare; default `mtime_ms` (see `StoreMapper.timeColumn`). */
  timeColumn?: string | undefined;
  /** Filters on the engine's own columns, each from its mapper's declaration (all must hold). */
  fields?: readonly FieldFilter[] | undefined;
  /** Rows whose column holds none of the values (null counts as none): what a collapsed search found already. */
  notAmong?: readonly { column: string; values: readonly string[] }[] | undefined;
  /** Only chunks whose text holds each phrase's words side by side (see `phraseWhere` in `where.ts`). */
  phrases?: readonly string[] | undefined;
}

export interface SearchRequest {
  /** The text the user typed; full-text search uses it as is. */
  query: string;
  /**
   * The query's embedding; required for `vector` and `hybrid`. It may still be on its way:
   * hybrid search runs its full-text leg meanwhile.
   */
  vector?: Float32Array | Promise<Float32Array> | undefined;
  k: number;
  mode: SearchMode;
  filter?: SearchFilter | undefined;
  /**
   * Hybrid mode: rows its full-text leg leaves out, beside `filter` (the table's mapper's
   * `hybridTextSkip`). Ignored in `text` mode, which reads every row.
   */
  hybridTextSkip?: FieldFilter | undefined;
  /**
   * The column of each row's qualified name (`StoreMapper.nameColumn`): a hybrid search for one
   * identifier (`exact`, not soft) adds the rows whose name ends with it to its candidates.
   */
  nameColumn?: string | undefined;
  /** Hybrid mode: rows whose fused score is lowered by a factor (the table's mapper's `hybridRankDown`). */
  hybridRankDown?: readonly RankDown[] | undefined;
  /** Rows shown as one hit per value (the table's mapper's `collapse`); absent: every row its own hit. */
  collapse?: Collapse | undefined;
  /**
   * Hybrid and text modes: the query is one name, and the hits that define it rank first
   * (`withExactFirst`). The service sets it (src/search/identifier.ts).
   */
  exact?: ExactTerm | undefined;
  /** Hybrid mode: the vector leg's share in the fusion (default: the store's tuning). */
  vectorWeight?: number | undefined;
  /**
   * Hybrid mode: return every candidate of both legs, fused and ranked, not only the first k, each
   * with `explain` (so with each leg's raw score): what a merge across tables fuses again. The
   * candidate pools are still sized from `k`.
   */
  candidates?: boolean | undefined;
  /**
   * Hits to return past the first k, for a caller that folds some away (copies of one passage,
   * src/search/copies.ts). The ranking and hybrid's candidate pools are still k's. Default 0.
   */
  spare?: number | undefined;
  /** Attach to each hit how it was ranked (`SearchHit.explain`): a few objects per hit, no extra query. */
  explain?: boolean | undefined;
  /** Filled in with each leg's time when given (the daemon's debug log of where a search's time went). */
  timings?: LegTimings | undefined;
}

/** Milliseconds spent in each leg of one search, added to across tables; in hybrid mode the legs overlap. */
export interface LegTimings {
  vectorMs: number;
  textMs: number;
}

/**
 * How a hit got its place (`ragctl search --explain`). Plain JSON with one-word keys: it goes
 * over the socket as is. A leg is null when the hit was not among that leg's candidates (or the
 * mode has no such leg).
 */
export interface HitExplanation {
  /** Rank (1-based) among the vector leg's candidates and the cosine distance (0 same, 2 opposite). */
  vector: { rank: number; distance: number } | null;
  /** Rank (1-based) among the full-text leg's candidates and the BM25 score. */
  text: { rank: number; bm25: number } | null;
  /** Hybrid mode: how the two legs became one score; null in a one-leg mode. */
  fusion: FusionExplanation | null;
  /** The filter pushed down into both legs (LanceDB `where`), null for none. */
  where: string | null;
  /**
   * Hybrid mode, when the full-text leg read fewer rows than `where` keeps (its mapper's
   * `hybridTextSkip`): the `where` that leg used. Absent otherwise.
   */
  textWhere?: string;
  /** The table's final score, as `SearchHit.score` had it before any merge of engines. */
  score: number;
  /**
   * The query was one name (`SearchRequest.exact`): whether this hit's text holds it
   * whole, and whether the hit defines it (`definesTerm`: its symbol or heading is that name).
   * Definers rank first, then the other holders, then the rest, each group's scores capped at the
   * last of the groups before. `soft`: the query was one word, and only the definers
   * moved (`ExactTerm.soft`); `phrase`: the query was several words, and the hits holding them
   * as written came first (`ExactTerm.phrase`); `usages`: the query asked where the name is used,
   * and the hits naming it without defining it came first (`ExactTerm.usages`). Absent otherwise.
   */
  exact?: {
    term: string;
    held: boolean;
    defines?: true;
    /** A member of the term's own definition (`HTTPAdapter.send`), ranked after it for `usages`. */
    member?: true;
    /** Encloses the term's definition (its class's summary), ranked after it for `usages`. */
    enclosing?: true;
    /** Names the term only as parameters (`void f(boolean nullSafe)`): no use, ranked after the definition's members for `usages`. */
    parameter?: true;
    soft?: true;
    phrase?: true;
    usages?: true;
  };
  /** Several engines answered: how their hits became one list (`mergeEngines`). */
  merge?: MergeExplanation;
  /**
   * Hybrid's first `depth` hits were re-ranked by late interaction (src/search/rerank.ts): this
   * hit's `late` score (the mean over the query's tokens of the best cosine with one of its
   * tokens) and its place `before` (1-based). The hit took the score of the place it moved to.
   */
  rerank?: { method: 'late-interaction'; late: number; before: number; depth: number };
}

/**
 * A hybrid hit's fusion: each leg's score `normalized` over that leg's first `scale` candidates
 * (min-max, see `fuseRelativeScores`), times its `weights` share, summed; a leg that missed the hit adds 0.
 * Then `file.weight × file.evidence` is added (`withFileEvidence`): that sum is the score.
 */
export interface FusionExplanation {
  method: 'relative-score';
  weights: { vector: number; text: number };
  normalized: { vector: number | null; text: number | null };
  /** `evidence`: the sum of the fused scores of the other candidates from the hit's file (0 for none). */
  file: { weight: number; evidence: number };
  /** Candidates each leg was asked for. */
  pool: number;
  /**
   * How many of each leg's first candidates set its min-max scale, whatever `pool` is (one
   * beyond them normalises to 0), so that a larger k does not reorder the first hits.
   */
  scale: number;
  /**
   * The factor the fused score was multiplied by (`SearchRequest.hybridRankDown`; the product
   * when several rules applied); absent when none did.
   */
  rankDown?: number;
  /** What the hit was ranked down as (each rule's `RankDown.why`), with `rankDown`. */
  rankDownFor?: string[];
  /**
   * The fusion's own result, when the hit's `score` is lower: a one-name or phrase query keeps
   * each group of hits at or below the scores of the groups ranked before it (`exact`).
   */
  capped?: number;
}

/**
 * How a hit of several engines got its place. Tables embedded with one model share one scale of
 * cosine similarity, so their hits are ranked together by it:
 * - `relative-score` (hybrid): every table's candidates fused again as one pool, each leg
 *   min-max `normalized` over all tables' candidates (`candidates`), then file evidence;
 * - `similarity` (vector): by 1 − cosine distance; `bm25` (text): by BM25 score.
 * - `rrf`: tables embedded with different models, whose similarities are not comparable:
 *   1/(k + the hit's rank in its engine's list).
 */
export type MergeExplanation = (
  | {
      method: 'relative-score';
      candidates: number;
      normalized: { vector: number | null; text: number | null };
      file: { weight: number; evidence: number };
      score: number;
    }
  | { method: 'similarity' | 'bm25'; score: number }
  | { method: 'rrf'; k: number; rank: number; score: number }
) & {
  /**
   * The hit's score when lower than the merge's `score`: a one-name or phrase query keeps each
   * group of hits at or below the scores of the groups ranked before it (`exact`).
   */
  heldAt?: number;
};

/**
 * The name a query is: an identifier (`make_context`, `ENOSPC`), whose definers rank first and
 * then the other hits holding it; or, `soft`, one word (`Session`, `jsonify`), which may be a
 * name or only a word: just the hits that define it as typed rank first, the rest keep their
 * order (`withExactFirst`).
 */
export interface ExactTerm {
  term: string;
  soft: boolean;
  /**
   * The term is the whole query, several words as written (a pasted error message, a line of a
   * log): the hits holding its words side by side come first, the rest keep their order after.
   */
  phrase?: boolean;
  /**
   * The query asks where the name is used (`what calls rebuild_auth`, `usageOf`): the hits that
   * name it without defining it come first, then its definitions, then the rest.
   */
  usages?: boolean;
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
  /** Higher is better. Hybrid: fused relative score, 0–1; vector: 1 − cosine distance; text: BM25. */
  score: number;
  mtimeMs: number;
  metadata: Record<string, unknown>;
  /**
   * With a `collapse`: rows of this hit's value that the search found besides it and folded into
   * it (`count`, at least 1), and the filter and value that list each of them.
   */
  repeats?: { count: number; filter: string; value: string };
  /**
   * The same passage in other files, which the search found below this hit and folded into it
   * (src/search/copies.ts); absent when there were none, and when every row was asked for.
   */
  copies?: HitPlace[];
  /**
   * Other rows of this hit's passage (its mapper's `passageOf`: neighbouring chunks of a long
   * Markdown section, a long function's header and body parts), which the search found below
   * this hit and folded into it, by their lines in this hit's file; absent when there were none, and when
   * every row was asked for.
   */
  parts?: LineSpan[];
  /**
   * Hybrid: the factor its mapper's `hybridRankDown` multiplied its fused score by; absent when
   * none did. Re-ranking leaves such a hit where fusion put it (src/search/rerank.ts).
   */
  rankedDown?: number;
  /** With `rankedDown`: what its rules name the hit (`RankDown.why`). */
  rankedDownFor?: string[];
  /**
   * Read by its name as a definition of the query's one identifier or word (the store's
   * `withNamed`): it scores at least the best candidate's fused score, in its table and in a merge
   * of engines, whether or not the legs found it too.
   */
  named?: true;
  /** Only when the request asked for it (`SearchRequest.explain`). */
  explain?: HitExplanation;
}

/** Where a row sits in a passage of its file (a mapper's `passageOf`). */
export interface Passage {
  /** The same for the rows of one passage of a file. */
  key: string;
  /**
   * The row's place among the passage's pieces, where only neighbouring pieces are one hit (a
   * long section's chunks: two matches far apart in it are two answers). Absent where every row
   * of the passage is one hit (a function's header and body parts).
   */
  piece?: number;
}

/** Lines of a file, first and last (1-based, inclusive). */
export interface LineSpan {
  startLine: number;
  endLine: number;
}

/** Where a chunk lies: its file and its lines there. */
export interface HitPlace extends LineSpan {
  path: string;
}

/** A stored chunk as `ChunkTableReader.chunks` reads it: a hit without a score. */
export type StoredChunk = Omit<SearchHit, 'score'>;

/** The most rows one `chunks` call returns: a bound on a reply, not a page size. */
export const MAX_CHUNKS_READ = 10_000;

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
  /**
   * For a file of an engine that reads appends (`AppendingChunker`): how far it was read and
   * how to check it is still the same file, so a grown file is read from there. Absent for
   * other files. Stored as JSON in the record's `append_state` column.
   */
  append?: AppendState | undefined;
}

/**
 * Where an append-only file (a log) was indexed up to, and what proves a later version of it
 * only grew (src/pipeline/README.md, "Files that only grow").
 */
export interface AppendState {
  /** Bytes before this are indexed for good: an append is read from here. */
  offset: number;
  /** Bytes read last time (the size then): a smaller file was truncated. */
  end: number;
  /** sha256 (32 hex) of the first `headBytes` bytes: another head means another file (rotation). */
  headBytes: number;
  headHash: string;
  /** sha256 (32 hex) of bytes [lastFrom, lastTo): the last complete entry, which must be unchanged. */
  lastFrom: number;
  lastTo: number;
  lastHash: string;
  /** Entries past `offset` were held back as possibly unfinished (the tail of a live log). */
  withheld: boolean;
  /** False for files that are edited rather than grown (a `.sql` file): every change re-reads them. */
  appendable: boolean;
  /** The engine's own data to go on with (line number, entries so far, …), opaque to the pipeline. */
  resume: unknown;
}

/**
 * What a reader may do with a chunk table: search and look, never write. `ragctl search` and
 * `ragctl status` without a daemon get only this (see `LanceReader`).
 */
export interface ChunkTableReader {
  readonly name: string;
  readonly modelId: string;
  readonly dimension: number;
  search(request: SearchRequest): Promise<SearchHit[]>;
  /**
   * Rows where every filter holds, in no particular order, at most `limit` (≤ MAX_CHUNKS_READ):
   * chunks by id, or a file's chunks in a range of lines (`string-in` on `id`, `string-eq` on
   * `path`, `number-max` on `start_line`…), for the context assembler. No vectors.
   */
  chunks(filters: readonly FieldFilter[], limit: number): Promise<StoredChunk[]>;
  countRows(): Promise<number>;
  /** Every distinct path with rows in the table: a scan of one column, for repairs, not for every run. */
  paths(): Promise<Set<string>>;
  /**
   * The rows where `where` holds (every row when undefined), only `columns`, batch by batch: a
   * scan for reports over a whole table (`ragctl sql clusters`), not for every search.
   */
  scan(columns: readonly string[], where: string | undefined): AsyncIterable<RecordBatch>;
  /** Size and shape of the table, for `ragctl status` and the fragmentation benchmark. */
  stats(): Promise<TableStats>;
  close(): Promise<void>;
}

/** One LanceDB table of chunks (one per engine), as its writer sees it. Knows Arrow batches, never `Chunk`. */
export interface ChunkTable extends ChunkTableReader {
  /**
   * Replaces every row of `paths` with the rows in `batch`: a reader sees either the old rows
   * of a file or the new ones, never both or neither. Up to `PATHS_PER_STATEMENT` (500) files
   * are one commit; more are split into commits of that many files (a file's rows must then be
   * adjacent in the batch), so that no statement grows with the number of files.
   * A null batch (or one without rows of a path) deletes that path's rows.
   */
  replaceFiles(paths: readonly string[], batch: RecordBatch | null): Promise<void>;
  /**
   * Adds rows of one file without touching its other rows: the new entries of a file that only
   * grows (a log, see `AppendingChunker`). Rows whose id is already stored are skipped, so an
   * append redone after a crash adds nothing twice. One commit.
   */
  appendRows(path: string, batch: RecordBatch): Promise<void>;
  /** Vectors already stored for these content hashes (any path), for reuse without embedding. */
  vectorsByContentHash(hashes: readonly string[]): Promise<Map<string, Float32Array>>;
  /**
   * The vectors stored for these files, by content hash: read before a delete so that a
   * rename (delete old path, add new path) can reuse them after the old rows are gone.
   * At most `max` of them (default: all): reading stops once that many are found.
   */
  vectorsForPaths(paths: readonly string[], max?: number): Promise<Map<string, Float32Array>>;
  /** Compacts small fragments, prunes old versions and folds new rows into the indexes. */
  optimize(): Promise<void>;
  /**
   * Rebuilds the full-text index over every row, without compacting: after a save, this makes
   * the new rows searchable by text for the cost of the index (3.4 MB written at 20k rows)
   * where `optimize()` rewrites the whole table (~47 MB), since every fragment of a table
   * under a million rows counts as small.
   */
  rebuildTextIndex(): Promise<void>;
}

export interface TableStats {
  name: string;
  rows: number;
  /** The table's current version: one per commit since the last cleanup. */
  version: number;
  /** Versions still on disk (readable by time travel, pruned by `optimize()`). */
  versions: number;
  fragments: number;
  /** Fragments LanceDB considers small (worth compacting). */
  smallFragments: number;
  /** Bytes of the current version's data files (not counting old versions or indexes). */
  dataBytes: number;
  indexes: { name: string; type: string; unindexedRows: number }[];
}

/** What a reader may do with the record of what is indexed: read it, never change it. */
export interface FileRecordsReader {
  /** Every record, optionally only those of one engine and/or one status. */
  all(filter?: { engine?: string | undefined; status?: FileRecord['status'] }): Promise<FileRecord[]>;
  /** The paths of an engine's `indexed` records (one column read, not whole records). */
  indexedPaths(engine: string): Promise<Set<string>>;
  /** The records of these paths; paths without one are absent from the map. */
  get(paths: readonly string[]): Promise<Map<string, FileRecord>>;
  /** How many files are `indexed` (a count, no records read). */
  countIndexed(): Promise<number>;
  /** How many files are `indexed` under each source folder (`root`; one column read). */
  indexedByRoot(): Promise<Map<string, number>>;
  /** The chunks the `indexed` records of an engine account for (one column read, not all). */
  indexedChunks(engine: string): Promise<number>;
  stats(): Promise<TableStats>;
}

/** The record of what is indexed: one row per file, keyed by absolute path. */
export interface FileRecords extends FileRecordsReader {
  /** Inserts or replaces (by path) in one commit. */
  upsert(records: readonly FileRecord[]): Promise<void>;
  delete(paths: readonly string[]): Promise<void>;
  optimize(): Promise<void>;
}
