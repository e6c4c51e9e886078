import type { Embedder, EmbedOptions, TokenCounter } from '../../src/embed/types.js';

/**
 * A decorator around a real embedder that counts what it is asked to embed: the texts of
 * indexing calls and of query calls, separately. Everything else is delegated. `close()` ends
 * this lease only: the model it wraps is shared by a test file and closed by its owner.
 *
 * `failOnCall` makes the n-th indexing call (1-based) throw instead of embedding, so a test can
 * stop a run part-way through at a precise point.
 */
export class CountingEmbedder implements Embedder {
  readonly #inner: Embedder;
  readonly #modelId: string;
  /** Texts of every indexing call, in order. */
  readonly indexed: string[] = [];
  /** How many texts each indexing call had, in order. */
  readonly indexCallSizes: number[] = [];
  /** Texts of every query call, in order. */
  readonly queried: string[] = [];
  indexCalls = 0;
  failOnCall: number | undefined;
  closed = false;

  constructor(inner: Embedder, options: { failOnCall?: number } = {}) {
    this.#inner = inner;
    this.#modelId = inner.modelId;
    this.failOnCall = options.failOnCall;
  }

  get modelId(): string {
    return this.#modelId;
  }

  get dimension(): number {
    return this.#inner.dimension;
  }

  get maxTokens(): number {
    return this.#inner.maxTokens;
  }

  get tokenizer(): TokenCounter {
    return this.#inner.tokenizer;
  }

  async embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array> {
    if (this.closed) throw new Error('CountingEmbedder: embed() after close()');
    if (options?.priority === 'query') {
      this.queried.push(...texts);
    } else {
      this.indexCalls++;
      if (this.indexCalls === this.failOnCall)
        throw new Error(`CountingEmbedder: failing indexing call ${this.indexCalls} as the test asked`);
      this.indexed.push(...texts);
      this.indexCallSizes.push(texts.length);
    }
    return this.#inner.embed(texts, options);
  }

  /** Texts scored against a query (`lateScores`: search re-ranking its first hits), in order. */
  readonly lateScored: string[] = [];

  /** Present only where the real embedder has it, as on the embed worker. */
  get lateScores(): Embedder['lateScores'] {
    const inner = this.#inner;
    if (!inner.lateScores) return undefined;
    return (query, texts, options) => {
      if (this.closed) throw new Error('CountingEmbedder: lateScores() after close()');
      this.lateScored.push(...texts);
      return inner.lateScores!(query, texts, options);
    };
  }

  /** Forgets what was counted so far (between steps of one test). */
  reset(): void {
    this.indexed.length = 0;
    this.indexCallSizes.length = 0;
    this.queried.length = 0;
    this.lateScored.length = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
