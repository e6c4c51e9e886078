import type { Logger } from 'pino';
import { RagError } from '../errors.js';
import { silentLogger } from '../log.js';
import { BertEncoder } from './mlx/bert.js';
import { chooseOpenBlas, openBlasEnv } from './mlx/openblas.js';
import { backend, prepareMlxJit, releaseArrays } from './mlx/runtime.js';
import type { BertOverrides, BertSpec } from './model/bert-config.js';
import { BertModel } from './model/bert-model.js';
import type { ModelFiles } from './model/resolve.js';
import type { WordPieceTokenizer } from './tokenizer.js';
import type { Embedder, EmbedderRuntime, EmbedOptions } from './types.js';
import { embedInBatches } from './vectors.js';

export interface MlxEmbedderOptions extends BertOverrides {
  /** Hugging Face id (looked up in the cache) or a model folder. */
  model: string;
  /** Padded tokens per forward pass. */
  batchTokens: number;
  /** Fuse elementwise kernels with mx.compile. Default: when a compiler is available. */
  compile?: boolean;
  /** Where MLX's CPU kernel compiler keeps its output (default: ~/.cache/ragctl/mlx-jit-<host>). */
  jitCacheDir?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/**
 * The default embedder: a BERT-family sentence encoder (all-MiniLM-L6-v2) on MLX — Metal on
 * Apple Silicon, the CPU elsewhere. Tokenises, plans length-sorted batches under a token budget,
 * runs the encoder, and returns one flat, L2-normalised Float32Array.
 */
export class MlxEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimension: number;
  readonly files: ModelFiles;
  readonly spec: BertSpec;
  readonly #model: BertModel;
  readonly #options: MlxEmbedderOptions;
  readonly #log: Logger;
  #encoder: BertEncoder | undefined;
  #closed = false;

  /**
   * Checks the model folder (files, safetensors header, config against the tensors) and
   * fingerprints the weights — cheap, so a missing or corrupt model fails at start with a
   * clear message. The tokenizer and the weights load on first use: an index run with nothing
   * to embed never pays for them.
   */
  constructor(options: MlxEmbedderOptions) {
    this.#options = options;
    this.#log = (options.logger ?? silentLogger()).child({ component: 'embedder' });
    this.#model = new BertModel(options.model, options, options.env);
    this.files = this.#model.files;
    this.spec = this.#model.spec;
    this.dimension = this.spec.hiddenSize;
    this.modelId = this.#model.weightsId;
  }

  get maxTokens(): number {
    return this.spec.maxTokens;
  }

  get tokenizer(): WordPieceTokenizer {
    return this.#model.tokenizer;
  }

  async load(): Promise<EmbedderRuntime> {
    this.encoder();
    const cpu = backend() === 'cpu';
    return {
      backend: `mlx-${backend()}`,
      details: {
        // As this process started: what OpenBLAS read when it loaded (null: its own detection).
        openblasCoreType: cpu ? (process.env.OPENBLAS_CORETYPE ?? null) : null,
        openblasThreads: cpu ? (process.env.OPENBLAS_NUM_THREADS ?? null) : null,
      },
    };
  }

  /** OpenBLAS's core type and threads for this CPU, measured once per CPU model (mlx/openblas.ts). */
  async processEnv(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
    return openBlasEnv(await chooseOpenBlas(env, this.#log));
  }

  /** The encoder, its weights loaded on first call (profiling reaches it here). */
  encoder(): BertEncoder {
    if (!this.#encoder) {
      const started = performance.now();
      const compile = this.#options.compile === false ? false : prepareMlxJit(this.#options.jitCacheDir);
      if (!compile)
        this.#log.warn({ backend: backend() }, 'no C++ compiler on PATH: running MLX uncompiled (slower)');
      this.#encoder = new BertEncoder(this.spec, this.files.weights, { compile });
      const ms = Math.round(performance.now() - started);
      this.#log.info(
        { model: this.modelId, dir: this.files.dir, backend: backend(), compile, ms },
        'model loaded',
      );
    }
    return this.#encoder;
  }

  embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array> {
    return this.#inBatches(texts, this.dimension, options, (encoder, ids, lengths, S) =>
      encoder.forward(ids, lengths, S),
    );
  }

  /** Late-interaction scores (src/embed/late.ts) of `texts` for `query`, one per text. */
  async lateScores(
    query: string,
    texts: readonly string[],
    options: EmbedOptions = {},
  ): Promise<Float32Array> {
    if (texts.length === 0) return new Float32Array(0);
    let queryTokens: Float32Array | undefined;
    return this.#inBatches(texts, 1, options, async (encoder, ids, lengths, S) => {
      queryTokens ??= await encoder.tokenVectors(this.tokenizer.encode(query));
      return encoder.lateScores(ids, lengths, S, queryTokens);
    });
  }

  /** `embedInBatches` with each batch's ids padded row by row, and MLX's arrays released after it. */
  async #inBatches(
    texts: readonly string[],
    width: number,
    options: EmbedOptions,
    run: (encoder: BertEncoder, ids: Int32Array, lengths: number[], seqLen: number) => Promise<Float32Array>,
  ): Promise<Float32Array> {
    if (this.#closed) throw new RagError('E_EMBED', 'embedder is closed');
    const encoder = this.encoder();
    return embedInBatches(
      texts,
      this.tokenizer,
      this.#options.batchTokens,
      width,
      options,
      async (encoded, batch) => {
        const S = batch.seqLen;
        const ids = new Int32Array(encoded.length * S);
        encoded.forEach((e, row) => {
          ids.set(e, row * S);
        });
        const out = await run(
          encoder,
          ids,
          encoded.map((e) => e.length),
          S,
        );
        await releaseArrays('major');
        return out;
      },
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
