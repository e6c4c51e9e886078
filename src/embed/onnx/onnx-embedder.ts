import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { InferenceSession as Session } from 'onnxruntime-node';
import { errorMessage, ModelError, RagError } from '../../errors.js';
import { type Logger, silentLogger } from '../../log.js';
import { BertModel } from '../model/bert-model.js';
import { readFloatTensors } from '../model/safetensors.js';
import type { WordPieceTokenizer } from '../tokenizer.js';
import type { Embedder, EmbedderRuntime, EmbedOptions } from '../types.js';
import { embedInBatches, normalizeRows } from '../vectors.js';
import { ATTENTION_MASK, buildBertGraph, type GraphPrecision, INPUT_IDS, POOLED } from './bert-graph.js';
import { cachedGraph, defaultGraphCacheDir, graphCacheFile } from './graph-cache.js';
import { executionProviders } from './providers.js';

/** fp32 matches the MLX backend and the parity reference; int8 is faster and only close (cosine bound). */
export type OnnxPrecision = GraphPrecision;

interface Loaded {
  session: Session;
  runtime: EmbedderRuntime;
  Tensor: typeof import('onnxruntime-node').Tensor;
}

export interface OnnxEmbedderOptions {
  /** Hugging Face id (looked up in the cache) or a model folder. */
  model: string;
  /** Padded tokens per forward pass. */
  batchTokens: number;
  maxTokens?: number | null;
  precision?: OnnxPrecision;
  /** ORT's intra-op threads. Default: every core this process may use. */
  threads?: number | null;
  /** Where built graphs are kept (default: ~/.cache/ragctl/onnx). */
  graphCacheDir?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/**
 * A BERT sentence encoder on onnxruntime (its CPU execution provider; CUDA where the machine
 * provides ORT's CUDA provider libraries). The graph is built here from the model's
 * safetensors (bert-graph.ts) and cached; the project's own tokenizer feeds it, so it reads
 * the same ids as the MLX backend and its vectors match the same reference.
 */
export class OnnxEmbedder implements Embedder {
  /**
   * fp32: the weights' id alone — these vectors match MLX's (both meet the parity reference).
   * int8: the weights' id plus `#int8`, so quantised vectors never share a table with fp32 ones.
   */
  readonly modelId: string;
  readonly dimension: number;
  readonly model: BertModel;
  readonly precision: OnnxPrecision;
  readonly #options: OnnxEmbedderOptions;
  readonly #log: Logger;
  #session: Promise<Loaded> | undefined;
  #closed = false;
  #paddedTokens = 0;

  /** Checks the model folder and fingerprints the weights; builds and loads nothing. */
  constructor(options: OnnxEmbedderOptions) {
    this.#options = options;
    this.#log = (options.logger ?? silentLogger()).child({ component: 'embedder' });
    this.model = new BertModel(options.model, { maxTokens: options.maxTokens ?? null }, options.env);
    this.precision = options.precision ?? 'fp32';
    this.dimension = this.model.spec.hiddenSize;
    this.modelId = onnxModelId(this.model.weightsId, this.precision);
  }

  get maxTokens(): number {
    return this.model.spec.maxTokens;
  }

  get tokenizer(): WordPieceTokenizer {
    return this.model.tokenizer;
  }

  /** Token positions (padding included) run through the model so far: the work embedding costs. */
  get paddedTokens(): number {
    return this.#paddedTokens;
  }

  /** Builds (or reads the cached) graph and starts an ORT session on it. */
  async load(): Promise<EmbedderRuntime> {
    this.#session ??= this.#createSession();
    return (await this.#session).runtime;
  }

  async #createSession(): Promise<Loaded> {
    const started = performance.now();
    // Imported here: the daemon builds this embedder only to learn the model's id and
    // tokenizer, and should not map onnxruntime's native library for that.
    const ort = await import('onnxruntime-node');
    const { files, spec, tensors } = this.model;
    const cacheFile = graphCacheFile(
      this.#options.graphCacheDir ?? defaultGraphCacheDir(this.#options.env),
      this.modelId,
      this.precision,
    );
    const build = (): Uint8Array =>
      buildBertGraph(spec, readFloatTensors(files.weights, tensors, spec.prefix), this.precision);
    const threads = this.#options.threads ?? availableParallelism();
    const providers = executionProviders();
    const options: Session.SessionOptions = {
      executionProviders: providers,
      // 'all' adds ORT's fusions (GELU, LayerNorm, MatMul+Add); the graph's positions are a
      // Slice (never a Gather over a Range, which this level rewrites into a failing Slice).
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    };
    let graph = cachedGraph(cacheFile, build, this.#log);
    let session: Session;
    try {
      session = await ort.InferenceSession.create(graph.bytes, options);
    } catch (err) {
      if (!graph.cached) throw loadError(cacheFile, files.weights, err);
      // A damaged cache file (a full disk, an older ORT's output): build the graph again, once.
      this.#log.warn(
        { file: cacheFile, err: errorMessage(err) },
        'the cached onnx graph does not load; rebuilding it',
      );
      rmSync(cacheFile, { force: true });
      graph = cachedGraph(cacheFile, build, this.#log);
      try {
        session = await ort.InferenceSession.create(graph.bytes, options);
      } catch (again) {
        throw loadError(cacheFile, files.weights, again);
      }
    }
    const runtime: EmbedderRuntime = {
      backend: `onnx-${providers[0]}`,
      details: { precision: this.precision, threads, graph: cacheFile, graphCached: graph.cached },
    };
    this.#log.info(
      { model: this.modelId, dir: files.dir, ...runtime, ms: Math.round(performance.now() - started) },
      'model loaded',
    );
    return { session, runtime, Tensor: ort.Tensor };
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array> {
    if (this.#closed) throw new RagError('E_EMBED', 'embedder is closed');
    if (texts.length === 0) return new Float32Array(0);
    this.#session ??= this.#createSession();
    const { session, Tensor } = await this.#session;
    return embedInBatches(
      texts,
      this.tokenizer,
      this.#options.batchTokens,
      this.dimension,
      options.signal,
      async (encoded, batch) => {
        const S = batch.seqLen;
        const B = encoded.length;
        this.#paddedTokens += B * S;
        const ids = new BigInt64Array(B * S);
        const mask = new BigInt64Array(B * S);
        encoded.forEach((e, row) => {
          for (let j = 0; j < e.length; j++) {
            ids[row * S + j] = BigInt(e[j]!);
            mask[row * S + j] = 1n;
          }
        });
        const result = await session.run({
          [INPUT_IDS]: new Tensor('int64', ids, [B, S]),
          [ATTENTION_MASK]: new Tensor('int64', mask, [B, S]),
        });
        const pooled = result[POOLED]!;
        const vectors = normalizeRows(Float32Array.from(pooled.data as Float32Array), this.dimension);
        pooled.dispose();
        return vectors;
      },
      // onnxruntime runs any shape without compiling it: pad each batch to its longest text
      // exactly rather than to a multiple of 8 (SEQ_LEN_MULTIPLE).
      1,
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#session;
    this.#session = undefined;
    if (pending) await (await pending).session.release();
  }
}

/** The model signature: a precision that changes vectors is part of it (fp32 is the weights' own). */
export function onnxModelId(weightsId: string, precision: OnnxPrecision): string {
  return precision === 'fp32' ? weightsId : `${weightsId}#${precision}`;
}

function loadError(graphFile: string, weights: string, err: unknown): ModelError {
  return new ModelError(
    graphFile,
    `onnxruntime cannot load the graph built from ${weights}: ${errorMessage(err)}`,
    {
      cause: err,
    },
  );
}
