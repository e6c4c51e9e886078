/** Counts tokens the way the embedder will see them, so chunkers can size chunks. */
export interface TokenCounter {
  /** Tokens in `text` including the special tokens the model adds ([CLS], [SEP]). */
  countTokens(text: string): number;
  /** The most tokens the model reads; longer input is truncated. */
  readonly maxTokens: number;
}

/**
 * Turns texts into unit-length vectors. The one contract every backend implements
 * (MLX today; CUDA or a remote server later) — the pipeline knows nothing else.
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
   * Row-major `texts.length × dimension`, each row L2-normalised. The shape is checked
   * before it is returned; a wrong shape is an error, never silently passed on.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface EmbedOptions {
  signal?: AbortSignal;
  /** Queries jump ahead of indexing work where the embedder queues. */
  priority?: 'query' | 'index';
}
