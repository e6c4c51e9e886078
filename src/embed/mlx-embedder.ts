import type { Logger } from 'pino';
import { RagError } from '../errors.js';
import { silentLogger } from '../log.js';
import { planBatches } from './batching.js';
import { BertEncoder } from './mlx/bert.js';
import { backend, canCompile, collectGarbage, nextTick } from './mlx/runtime.js';
import { type BertOverrides, readBertSpec } from './model/bert-config.js';
import { weightsFingerprint } from './model/fingerprint.js';
import { type ModelFiles, resolveModel } from './model/resolve.js';
import { readSafetensorsHeader } from './model/safetensors.js';
import { WordPieceTokenizer } from './tokenizer.js';
import type { Embedder, EmbedOptions } from './types.js';

export interface MlxEmbedderOptions extends BertOverrides {
  /** Hugging Face id (looked up in the cache) or a model folder. */
  model: string;
  /** Padded tokens per forward pass. */
  batchTokens: number;
  /** Fuse elementwise kernels with mx.compile. Default: when a compiler is available. */
  compile?: boolean;
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
  readonly tokenizer: WordPieceTokenizer;
  readonly files: ModelFiles;
  readonly #encoder: BertEncoder;
  readonly #batchTokens: number;
  readonly #log: Logger;
  #closed = false;

  constructor(options: MlxEmbedderOptions) {
    this.#log = (options.logger ?? silentLogger()).child({ component: 'embedder' });
    this.files = resolveModel(options.model, options.env);
    const tensors = readSafetensorsHeader(this.files.weights);
    const spec = readBertSpec(this.files, tensors, options);
    this.tokenizer = new WordPieceTokenizer(this.files.dir, spec.maxTokens);
    const maxId = this.tokenizer.maxId();
    if (maxId >= spec.vocabSize) {
      throw new RagError(
        'E_MODEL',
        `${this.files.tokenizer}: tokenizer produces ids up to ${maxId}, but the model's vocabulary has ${spec.vocabSize} entries (tokenizer and weights do not match)`,
      );
    }
    const compile = options.compile ?? canCompile(options.env);
    if (!compile)
      this.#log.warn({ backend: backend() }, 'no C++ compiler on PATH: running MLX uncompiled (slower)');
    this.#encoder = new BertEncoder(spec, this.files.weights, { compile });
    this.dimension = spec.hiddenSize;
    this.#batchTokens = options.batchTokens;
    this.modelId = `${this.files.id}@${weightsFingerprint(this.files.weights)}`;
    this.#log.info(
      { model: this.modelId, dir: this.files.dir, backend: backend(), compile, maxTokens: spec.maxTokens },
      'model loaded',
    );
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array> {
    if (this.#closed) throw new RagError('E_EMBED', 'embedder is closed');
    const H = this.dimension;
    const out = new Float32Array(texts.length * H);
    const encoded = texts.map((t) => this.tokenizer.encode(t));
    const batches = planBatches(
      encoded.map((e) => e.length),
      this.#batchTokens,
      this.tokenizer.maxTokens,
    );
    for (const batch of batches) {
      if (options.signal?.aborted)
        throw new RagError('E_ABORTED', 'embedding aborted', { cause: options.signal.reason });
      const S = batch.seqLen;
      const ids = new Int32Array(batch.indices.length * S);
      const lengths = batch.indices.map((textIndex, row) => {
        const e = encoded[textIndex]!;
        ids.set(e, row * S);
        return e.length;
      });
      const vectors = this.#encoder.forward(ids, lengths, S);
      checkShape(vectors, batch.indices.length, H);
      batch.indices.forEach((textIndex, row) => {
        out.set(vectors.subarray(row * H, (row + 1) * H), textIndex * H);
      });
      collectGarbage();
      await nextTick();
    }
    return out;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

function checkShape(vectors: Float32Array, rows: number, dimension: number): void {
  if (vectors.length !== rows * dimension) {
    throw new RagError(
      'E_EMBED',
      `model returned ${vectors.length} values for ${rows} texts × ${dimension} dimensions`,
    );
  }
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i]!))
      throw new RagError('E_EMBED', `model returned a non-finite value in row ${Math.floor(i / dimension)}`);
  }
}
