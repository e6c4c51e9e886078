import { availableParallelism } from 'node:os';
import type { InferenceSession as Session } from 'onnxruntime-node';
import { RagError } from '../../errors.js';
import { type Logger, silentLogger } from '../../log.js';
import { maxSim, unitTokens } from '../late.js';
import { BertModel } from '../model/bert-model.js';
import { readFloatTensors } from '../model/safetensors.js';
import type { TokenIds, WordPieceTokenizer } from '../tokenizer.js';
import type { Embedder, EmbedderRuntime, EmbedOptions } from '../types.js';
import { embedInBatches, normalizeRows } from '../vectors.js';
import {
  ATTENTION_MASK,
  buildBertGraph,
  type GraphOps,
  type GraphPrecision,
  INPUT_IDS,
  POOLED,
  TOKENS,
} from './bert-graph.js';
import { defaultGraphCacheDir, graphCacheFile } from './graph-cache.js';
import { sweepStaleGraphsOnce } from './graph-sweep.js';
import { executionProviders } from './providers.js';
import { loadFirstGraph } from './session-load.js';

/** The fused graph first; the plain one where this onnxruntime cannot run the fused one. */
const FUSED_FIRST: readonly GraphOps[] = ['fused', 'plain'];
const PLAIN_ONLY: readonly GraphOps[] = ['plain'];

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
  /**
   * The graph's ops (bert-graph.ts). Default `fused`: ORT's contrib kernels, falling back to
   * `plain` where this onnxruntime lacks one; `plain` skips the fused graph (benchmarks, tests).
   */
  ops?: GraphOps;
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
    const cacheDir = this.#options.graphCacheDir ?? defaultGraphCacheDir(this.#options.env);
    const weights = readOnce(() => readFloatTensors(files.weights, tensors, spec.prefix));
    const candidates = (this.#options.ops === 'plain' ? PLAIN_ONLY : FUSED_FIRST).map((ops) => ({
      ops,
      file: graphCacheFile(cacheDir, this.modelId, this.precision, ops),
      build: (): Uint8Array => buildBertGraph(spec, weights(), { precision: this.precision, ops }),
    }));
    const threads = this.#options.threads ?? availableParallelism();
    const providers = executionProviders();
    const options: Session.SessionOptions = {
      executionProviders: providers,
      // 'all' adds ORT's remaining fusions (MatMul+Add, GELU of the plain graph); the graph's
      // positions are a Slice (never a Gather over a Range, which this level rewrites into a
      // failing Slice).
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    };
    const graph = await loadFirstGraph(
      candidates,
      (bytes) => ort.InferenceSession.create(bytes, options),
      files.weights,
      this.#log,
    );
    const { session } = graph;
    // After a load, not before: a cache that failed to serve this start is left as it was.
    sweepStaleGraphsOnce(cacheDir, this.#log);
    const runtime: EmbedderRuntime = {
      backend: `onnx-${providers[0]}`,
      details: {
        precision: this.precision,
        threads,
        graph: graph.file,
        graphOps: graph.ops,
        graphCached: graph.cached,
      },
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
    const { session, Tensor } = await this.#ready();
    return embedInBatches(
      texts,
      this.tokenizer,
      this.#options.batchTokens,
      this.dimension,
      options,
      async (encoded, batch) => {
        const result = await session.run(this.#feeds(Tensor, encoded, batch.seqLen), [POOLED]);
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

  /** Late-interaction scores (src/embed/late.ts) of `texts` for `query`, one per text. */
  async lateScores(
    query: string,
    texts: readonly string[],
    options: EmbedOptions = {},
  ): Promise<Float32Array> {
    if (this.#closed) throw new RagError('E_EMBED', 'embedder is closed');
    if (texts.length === 0) return new Float32Array(0);
    const { session, Tensor } = await this.#ready();
    const H = this.dimension;
    const tokensOf = async (encoded: TokenIds[], seqLen: number): Promise<Float32Array> => {
      const result = await session.run(this.#feeds(Tensor, encoded, seqLen), [TOKENS]);
      const tokens = result[TOKENS]!;
      const data = Float32Array.from(tokens.data as Float32Array);
      tokens.dispose();
      return data;
    };
    const q = this.tokenizer.encode(query);
    const queryTokens = unitTokens(await tokensOf([q], q.length), 0, q.length, H);
    return embedInBatches(
      texts,
      this.tokenizer,
      this.#options.batchTokens,
      1,
      options,
      async (encoded, batch) => {
        const S = batch.seqLen;
        const hidden = await tokensOf(encoded, S);
        return Float32Array.from(encoded, (e, row) => maxSim(queryTokens, hidden, row * S * H, e.length, H));
      },
      1,
    );
  }

  #ready(): Promise<Loaded> {
    this.#session ??= this.#createSession();
    return this.#session;
  }

  /** One padded batch as the graph's inputs. */
  #feeds(
    Tensor: Loaded['Tensor'],
    encoded: readonly TokenIds[],
    S: number,
  ): Record<string, InstanceType<Loaded['Tensor']>> {
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
    return {
      [INPUT_IDS]: new Tensor('int64', ids, [B, S]),
      [ATTENTION_MASK]: new Tensor('int64', mask, [B, S]),
    };
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

/** The checkpoint read at most once, and only if a graph has to be built. */
function readOnce<T>(read: () => T): () => T {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: read() };
    return value.v;
  };
}
