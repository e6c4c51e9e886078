import type { Embedder, EmbedOptions, TokenCounter } from '../../src/embed/types.js';

/**
 * A real embedder passed through, for tests that change one behaviour of it (hold a query back,
 * fail a call) and keep the rest real. `close()` ends this lease only: the model it wraps is the
 * test file's, which closes it.
 */
export class DelegatingEmbedder implements Embedder {
  protected readonly inner: Embedder;

  constructor(inner: Embedder) {
    this.inner = inner;
  }

  get modelId(): string {
    return this.inner.modelId;
  }
  get dimension(): number {
    return this.inner.dimension;
  }
  get maxTokens(): number {
    return this.inner.maxTokens;
  }
  get tokenizer(): TokenCounter {
    return this.inner.tokenizer;
  }

  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array> {
    return this.inner.embed(texts, options);
  }

  async close(): Promise<void> {}
}
