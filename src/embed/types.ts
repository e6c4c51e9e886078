/** Counts tokens the way the embedder will see them, so chunkers can size chunks. */
export interface TokenCounter {
  /** Tokens in `text` including the special tokens the model adds ([CLS], [SEP]). */
  countTokens(text: string): number;
  /** The most tokens the model reads; longer input is truncated. */
  readonly maxTokens: number;
  /**
   * Of the word pieces of `text` (its special tokens aside), the share the vocabulary does not
   * hold ([UNK]): how much of it the model cannot read. Absent: not known.
   */
  unknownShare?(text: string): number;
}

/** A TokenCounter that also gives the ids as the model reads them (truncated to `maxTokens`). */
export interface TokenEncoder extends TokenCounter {
  encode(text: string): ArrayLike<number>;
}

/**
 * Turns texts into unit-length vectors. The one contract every backend implements (MLX, onnx;
 * a remote server later) — the pipeline and the embed worker know nothing else. Constructing
 * one must be cheap (check the model, never load it): the daemon builds one to learn the
 * model's id, dimension and tokenizer, and only the worker process calls `load()`/`embed()`.
 */
export interface Embedder {
  /** Identifies the weights: vectors of two different ids never share a table. */
  readonly modelId: string;
  readonly dimension: number;
  /** Tokens per text the model reads; longer texts are truncated. Known without loading the model. */
  readonly maxTokens: number;
  /** May load the tokenizer on first access. */
  readonly tokenizer: TokenCounter;
  /**
   * Requests the embed worker may keep in flight at once (default 1). A local backend leaves it
   * out: its one batch already uses every core, so a second would only queue inside it and make
   * a search wait longer. A remote server is latency-bound with one request at a time (its GPU
   * idles during each round trip), so the `openai` embedder declares its `concurrency`.
   */
  readonly maxInFlight?: number;
  /**
   * Row-major `texts.length × dimension`, each row L2-normalised. The shape is checked
   * before it is returned; a wrong shape is an error, never silently passed on.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array>;
  /**
   * Late-interaction scores (MaxSim, src/embed/late.ts): for each text, the mean over the query's
   * tokens of the best cosine with one of the text's tokens, from the model's token vectors. The
   * search service re-ranks hybrid's first hits with them. Optional: a backend that sees only
   * pooled vectors (a remote server) leaves it out, and search ranks as without it.
   */
  lateScores?(query: string, texts: readonly string[], options?: EmbedOptions): Promise<Float32Array>;
  /**
   * Loads the model now rather than on the first `embed()` and says what runs it. Optional: an
   * embedder with nothing to load (a remote one) leaves it out.
   */
  load?(): Promise<EmbedderRuntime>;
  /**
   * Variables the process that will run this model should start with, chosen before its native
   * libraries load (MLX: OpenBLAS's kernels for this CPU). The embed worker asks once, in the
   * daemon, before it forks its child; `env` is that child's environment.
   */
  processEnv?(env: NodeJS.ProcessEnv): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** What runs an embedder's model: for the log, `status` and `ragctl model info`. */
export interface EmbedderRuntime {
  /** The engine and device: `mlx-metal`, `mlx-cpu`, `onnx-cpu`, `onnx-cuda`. */
  readonly backend: string;
  /** Settings chosen at load that change speed, not vectors (threads, BLAS kernels, precision). */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

export interface EmbedOptions {
  signal?: AbortSignal;
  /** Queries jump ahead of indexing work where the embedder queues. */
  priority?: 'query' | 'index';
  /**
   * Called as the call's batches land, with how many of its texts are embedded so far: a call
   * of a big file's chunks takes minutes on a CPU, and its caller's progress would stand still.
   * Progress only; a backend that cannot tell leaves it uncalled.
   */
  onProgress?: (embedded: number) => void;
}
