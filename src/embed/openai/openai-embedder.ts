import type { FieldSpec } from '../../config/schema.js';
import { ConfigError, RagError } from '../../errors.js';
import { type Logger, silentLogger } from '../../log.js';
import { type Batch, planBatches } from '../batching.js';
import { BertModel } from '../model/bert-model.js';
import type { WordPieceTokenizer } from '../tokenizer.js';
import type { Embedder, EmbedderRuntime, EmbedOptions } from '../types.js';
import { checkShape, normalizeRows } from '../vectors.js';
import { EmbeddingsClient } from './client.js';

/** The keys an `openai` embedder block owns (the common ones: `model` is the server's model name). */
export interface OpenAISettings extends Record<string, unknown> {
  endpoint: string;
  dimensions: number;
  sendDimensions: boolean;
  apiKeyEnv: string | null;
  tokenizer: string;
  maxBatchTexts: number;
  concurrency: number;
  timeoutMs: number;
  retryWithinMs: number;
  retryInitialMs: number;
}

export const OPENAI_SETTINGS: Record<keyof OpenAISettings, FieldSpec> = {
  /** Required: the API's base URL; `/embeddings` is added (as the OpenAI SDK's `baseURL`). */
  endpoint: { kind: 'string', nonEmpty: true },
  /** Required: the vectors' size, needed before the server is asked (it fixes the table's schema). */
  dimensions: { kind: 'int', min: 1, max: 65_536 },
  /** false: only models that can shorten their vectors (OpenAI's text-embedding-3) accept `dimensions`. */
  sendDimensions: { kind: 'bool', default: false },
  /** The variable holding the key (e.g. OPENAI_API_KEY); null: no key. The key itself is never in the config. */
  apiKeyEnv: { kind: 'string', default: null, nonEmpty: true },
  /**
   * Required: the model's tokenizer as a local folder or Hugging Face id (the same model's files):
   * chunks are sized and requests planned by its tokens, and over-long texts cut where the index expects.
   */
  tokenizer: { kind: 'string', nonEmpty: true },
  /** 256 texts per request: under every server's cap seen (OpenAI 2,048; TEI's default 32 is raised by its flag). */
  maxBatchTexts: { kind: 'int', default: 256, min: 1, max: 2048 },
  /**
   * 4 requests in flight (in one call, and from the embed worker while it indexes): keeps a GPU
   * server's batcher fed without queueing a shared one deep.
   */
  concurrency: { kind: 'int', default: 4, min: 1, max: 64 },
  /** 15 s per request: a CPU server answers a full batch in a few seconds; past this it is stuck. */
  timeoutMs: { kind: 'int', default: 15_000, min: 100 },
  /**
   * 20 s of retries for an index request (later tries' timeouts shrink to fit), then
   * E_EMBED_UNAVAILABLE: the embed worker counts a child silent for 30 s as hung, and holds
   * indexing itself while the server is down.
   */
  retryWithinMs: { kind: 'int', default: 20_000, min: 0 },
  /** 0.5 s first back-off, doubling (1, 2, 4 s …, each at most 10 s). */
  retryInitialMs: { kind: 'int', default: 500, min: 1 },
};

export interface OpenAIEmbedderOptions {
  /** Base URL of an OpenAI-compatible API (`http://127.0.0.1:7997`, `https://api.openai.com/v1`). */
  endpoint: string;
  /** The server's name for the model. */
  model: string;
  dimensions: number;
  sendDimensions: boolean;
  /** The environment variable holding the API key; null: no key is sent. */
  apiKeyEnv: string | null;
  /** A local model folder or Hugging Face id whose tokenizer.json matches the server's model. */
  tokenizer: string;
  maxTokens: number | null;
  /** Tokens (length-sorted, padded as a server batches them) per HTTP request. */
  batchTokens: number;
  maxBatchTexts: number;
  /** HTTP requests in flight at once, per embed call. */
  concurrency: number;
  timeoutMs: number;
  retryWithinMs: number;
  retryInitialMs: number;
  /** `embedders.<name>`, for messages. */
  keyPath: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/**
 * Vectors from a remote OpenAI-compatible `/embeddings` server (text-embeddings-inference,
 * vLLM, Infinity, Ollama, llama.cpp's server, OpenAI). Texts are tokenised here with the
 * model's own tokenizer, so chunks are sized and requests planned by tokens as for the local
 * backends, and a text over `maxTokens` is cut where the index expects it. Requests run
 * `concurrency` at a time; the client retries what a retry can fix (client.ts).
 *
 * The API key is read from the environment variable named in the config, at construction,
 * and is never written anywhere (the config holds only the variable's name).
 */
export class OpenAIEmbedder implements Embedder {
  /** The server and its model: vectors from another server or model never share a table. */
  readonly modelId: string;
  readonly dimension: number;
  readonly maxTokens: number;
  /**
   * The embed worker keeps `concurrency` requests in flight too: it sends requests of at most
   * `batchTokens`, each one HTTP request here, so the server sees `concurrency` at once either way.
   */
  readonly maxInFlight: number;
  readonly #model: BertModel;
  readonly #client: EmbeddingsClient;
  readonly #options: OpenAIEmbedderOptions;
  #closed = false;

  /** Checks the settings and the tokenizer's model folder; contacts nothing. */
  constructor(options: OpenAIEmbedderOptions) {
    this.#options = options;
    const env = options.env ?? process.env;
    let apiKey: string | undefined;
    if (options.apiKeyEnv !== null) {
      apiKey = env[options.apiKeyEnv];
      if (!apiKey)
        throw new ConfigError(
          `${options.keyPath}.apiKeyEnv`,
          `the environment variable ${options.apiKeyEnv} is not set (it holds the API key for ${options.endpoint}); set it where the daemon starts, or remove apiKeyEnv if the server needs no key`,
        );
    }
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      // new URL() says only "Invalid URL"; the message below names the key and an example.
      throw new ConfigError(
        `${options.keyPath}.endpoint`,
        `'${options.endpoint}' is not a URL (e.g. http://127.0.0.1:7997/v1)`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ConfigError(`${options.keyPath}.endpoint`, `'${options.endpoint}' is not an http(s) URL`);
    this.#model = new BertModel(options.tokenizer, { maxTokens: options.maxTokens }, options.env);
    this.maxTokens = this.#model.spec.maxTokens;
    this.dimension = options.dimensions;
    this.maxInFlight = options.concurrency;
    this.#client = new EmbeddingsClient({
      ...options,
      apiKey,
      logger: (options.logger ?? silentLogger()).child({ component: 'embedder', backend: 'openai' }),
    });
    const shortened = options.sendDimensions ? `@${options.dimensions}d` : '';
    this.modelId = `openai:${this.#client.url}#${options.model}${shortened}`;
  }

  get tokenizer(): WordPieceTokenizer {
    return this.#model.tokenizer;
  }

  /** Nothing to load: the model lives in the server. The first request finds out whether it answers. */
  async load(): Promise<EmbedderRuntime> {
    const o = this.#options;
    return {
      backend: 'openai-http',
      details: { url: this.#client.url, model: o.model, concurrency: o.concurrency, timeoutMs: o.timeoutMs },
    };
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array> {
    if (this.#closed) throw new RagError('E_EMBED', 'embedder is closed');
    const { signal } = options;
    const out = new Float32Array(texts.length * this.dimension);
    if (texts.length === 0) return out;
    const tokenizer = this.tokenizer;
    const encoded = texts.map((t) => tokenizer.encode(t));
    // A text at the limit may have been cut: send what the index planned with, not the whole text.
    const inputs = texts.map((t, i) =>
      encoded[i]!.length >= this.maxTokens ? tokenizer.decode(encoded[i]!) : t,
    );
    const batches = splitByCount(
      planBatches(
        encoded.map((e) => e.length),
        this.#options.batchTokens,
        this.maxTokens,
      ),
      this.#options.maxBatchTexts,
    );
    // A search waits for one try at most: it falls back to text search rather than wait out back-offs.
    const retries = options.priority !== 'query';
    const run = async (batch: Batch): Promise<void> => {
      if (signal?.aborted) throw new RagError('E_ABORTED', 'embedding aborted', { cause: signal.reason });
      const vectors = normalizeRows(
        await this.#client.embed(
          batch.indices.map((i) => inputs[i]!),
          retries,
          signal,
        ),
        this.dimension,
      );
      checkShape(vectors, batch.indices.length, this.dimension);
      batch.indices.forEach((textIndex, row) => {
        out.set(
          vectors.subarray(row * this.dimension, (row + 1) * this.dimension),
          textIndex * this.dimension,
        );
      });
    };
    await inParallel(batches, this.#options.concurrency, run);
    return out;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

/** Servers cap inputs per request (OpenAI: 2,048) whatever their tokens: cut bigger batches. */
function splitByCount(batches: readonly Batch[], maxTexts: number): Batch[] {
  return batches.flatMap((b) => {
    const parts: Batch[] = [];
    for (let i = 0; i < b.indices.length; i += maxTexts)
      parts.push({ indices: b.indices.slice(i, i + maxTexts), seqLen: b.seqLen });
    return parts;
  });
}

/**
 * Runs `work` over `items`, at most `limit` at a time. The first failure stops new work from
 * starting and is thrown once the ones already running have settled (none is left behind).
 */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.err;
}
