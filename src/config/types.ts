import type { ContextTokenizer } from '../context/tokenizers.js';
import type { LogLevel } from '../log.js';

/** The resolved, frozen configuration. Only `config/load.ts` reads `config.yaml`. */
export interface Config {
  /** The file this came from, or null for built-in defaults. */
  readonly configFile: string | null;
  /** Index tables, logs and the daemon's lock live here. */
  readonly dataDir: string;
  /** The daemon's Unix socket. Its folder is created 0700. */
  readonly socketPath: string;
  readonly log: LogConfig;
  readonly embedders: Readonly<Record<string, EmbedderConfig>>;
  readonly engines: Readonly<Record<string, EngineConfig>>;
  readonly sources: readonly SourceConfig[];
  readonly indexing: IndexingConfig;
  readonly search: SearchConfig;
  readonly context: ContextConfig;
}

export interface LogConfig {
  readonly level: LogLevel;
  /** The daemon's JSON-lines log. Default: `<dataDir>/logs/ragd.log`. */
  readonly file: string;
}

export interface EmbedderConfig {
  /**
   * Registered embedder type; `auto`, `mlx-bert`, `onnx` and `openai` are built in. Default `auto`:
   * MLX on Apple Silicon, elsewhere the faster fp32 backend measured once per machine (the embed
   * worker's first start waits for it, ~30 s; `ragctl model info` shows the choice). Every fp32
   * choice has the weights' id, so the default keeps an index built with `mlx-bert`.
   */
  readonly type: string;
  /** A Hugging Face model id (looked up in the HF cache) or a folder path. */
  readonly model: string;
  /** Tokens per text the model reads; longer texts are truncated. Default: from the model, else 256. */
  readonly maxTokens: number | null;
  /** Padded tokens per forward pass. Default 4096: big enough to keep the BLAS busy, small enough that a query waits little. */
  readonly batchTokens: number;
  /**
   * The block's other keys, as written (`precision` for onnx, architecture overrides for
   * mlx-bert): the type registered under `type` declares and checks them (registry.ts), so a
   * misspelt key still fails at start with its path.
   */
  readonly settings: Readonly<Record<string, unknown>>;
}

export interface EngineConfig {
  readonly chunker: string;
  readonly mapper: string;
  readonly embedder: string;
  /** Largest chunk in tokens. Default: the embedder's limit. */
  readonly chunkMaxTokens: number | null;
  /** Neighbouring chunks smaller than this are merged. Default 48. */
  readonly chunkMinTokens: number;
  /**
   * Globs of the files this engine reads, for sources that name it without their own `include`.
   * Default: its chunker's files (`Chunker.include`): markdown, every extension with a code
   * grammar, or `.sql` and database log names.
   */
  readonly include: readonly string[];
  /**
   * The block's other keys, as written: the engine's mapper declares and checks them
   * (`StoreMapper.options`), e.g. the sql engine's `clusterThreshold`.
   */
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * One folder read by one engine. A config source naming several engines (`engine: [code, md]`)
 * gives one per engine, in its order, and a folder may be listed once per engine: each file of
 * the folder belongs to the first of them that reads it (PathFilter's `earlier`).
 */
export interface SourceConfig {
  /** Absolute folder path (relative paths in the file resolve against the file's folder). */
  readonly path: string;
  readonly engine: string;
  /** Globs of the files to index. Default: the engine's `include`. */
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

export interface IndexingConfig {
  /** Files larger than this are skipped with a reason. Default 10 MiB: larger text is rarely notes. */
  readonly maxFileBytes: number;
  /** Files per store commit in a one-shot index. Default 256: fewer table versions, bounded memory. */
  readonly commitFiles: number;
}

export interface ContextConfig {
  /**
   * What counts `ragctl context`'s budget. Default `embedder`: the searched engine's embedding
   * model, which needs nothing loaded. `cl100k_base` / `o200k_base`: an LLM's encoding, for a
   * budget meant for that model's prompt (WordPiece counts code quite differently).
   */
  readonly tokenizer: ContextTokenizer;
}

export interface SearchConfig {
  /** Results returned when `-k` is not given. Default 10. */
  readonly k: number;
  /**
   * The reciprocal-rank-fusion constant for merging the results of engines embedded with
   * different models, whose similarities cannot be compared (engines of one model merge by
   * score: `mergeEngines`). Default 60 (Cormack et al.).
   */
  readonly rrfK: number;
  /**
   * A query that is one identifier (`make_context`, `pg_stat_activity`, `ENOSPC`) ranks the
   * chunks that hold it whole first, and one word (`Session`, `jsonify`) the chunks that define
   * it (src/search/identifier.ts); several words, the chunks holding them as written (pasted
   * error text). Default true.
   */
  readonly identifierFirst: boolean;
  /**
   * Hybrid's first this many hits are re-ranked by late interaction: the query and each hit's
   * text read token by token with the embedding model (src/search/rerank.ts). 0 turns it off.
   * Default 10: +0.03 to +0.05 MRR@10 on documentation nobody tuned for, for the time of
   * embedding ten chunks once more per search; 20 also lifts answers from places 11–20 into the
   * first ten, for twice that time (docs/BENCHMARKS.md §56).
   */
  readonly rerank: number;
}
