import { errorMessage } from '../../errors.js';
import { type Logger, silentLogger } from '../../log.js';
import { lateScoresOf } from '../late.js';
import { MlxEmbedder } from '../mlx-embedder.js';
import { OnnxEmbedder } from '../onnx/onnx-embedder.js';
import type { WordPieceTokenizer } from '../tokenizer.js';
import type { Embedder, EmbedderRuntime, EmbedOptions } from '../types.js';
import { chooseBackend } from './choose.js';
import type { BackendChoice } from './types.js';

/**
 * The choice the daemon made, handed to the embed worker's process so it runs what was chosen
 * (and says why) without measuring again. Internal: set by `processEnv`, read by `load`.
 */
const CHOICE_ENV = 'RAGCTL_EMBED_AUTO_CHOICE';

export interface AutoEmbedderOptions {
  model: string;
  batchTokens: number;
  maxTokens?: number | null;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/**
 * `type: auto`: the fastest fp32 backend on this machine (choose.ts) — MLX on Apple Silicon,
 * elsewhere MLX or onnx by measurement. Both read the same ids and give the same vectors (the
 * parity test holds them to the same reference), so the `modelId` is the weights' id whichever
 * runs: a change of choice keeps the index. int8 is never chosen: it changes the vectors.
 */
export class AutoEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimension: number;
  readonly #options: AutoEmbedderOptions;
  readonly #log: Logger;
  /** Knows the model's id, shape and tokenizer without loading a runtime; also the onnx runner. */
  readonly #onnx: OnnxEmbedder;
  #chosen: Promise<{ choice: BackendChoice; embedder: Embedder }> | undefined;
  #closed = false;

  constructor(options: AutoEmbedderOptions) {
    this.#options = options;
    this.#log = (options.logger ?? silentLogger()).child({ component: 'embedder' });
    this.#onnx = new OnnxEmbedder({ ...options, precision: 'fp32' });
    this.modelId = this.#onnx.modelId;
    this.dimension = this.#onnx.dimension;
  }

  get maxTokens(): number {
    return this.#onnx.maxTokens;
  }

  get tokenizer(): WordPieceTokenizer {
    return this.#onnx.tokenizer;
  }

  /** Chooses now (measuring if nothing is cached), then asks the chosen backend for its variables. */
  async processEnv(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
    const { choice, embedder } = await this.#choose(env);
    const extra = (await embedder.processEnv?.(env)) ?? {};
    const { type, source, reason } = choice;
    return { ...extra, [CHOICE_ENV]: JSON.stringify({ type, source, reason }) };
  }

  async load(): Promise<EmbedderRuntime> {
    const { choice, embedder } = await this.#choose(this.#options.env ?? process.env);
    const runtime = (await embedder.load?.()) ?? { backend: choice.type, details: {} };
    return {
      backend: runtime.backend,
      details: {
        ...runtime.details,
        auto: choice.type,
        autoSource: choice.source,
        autoReason: choice.reason,
      },
    };
  }

  async embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array> {
    const { embedder } = await this.#choose(this.#options.env ?? process.env);
    return embedder.embed(texts, options);
  }

  /** Both backends this one chooses from can score late. */
  async lateScores(query: string, texts: readonly string[], options?: EmbedOptions): Promise<Float32Array> {
    const { embedder } = await this.#choose(this.#options.env ?? process.env);
    return lateScoresOf(embedder, query, texts, options);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const chosen = this.#chosen;
    if (chosen) {
      const { embedder } = await chosen;
      if (embedder !== this.#onnx) await embedder.close();
    }
    await this.#onnx.close();
  }

  #choose(env: NodeJS.ProcessEnv): Promise<{ choice: BackendChoice; embedder: Embedder }> {
    this.#chosen ??= (async () => {
      const choice = handedDown(env, this.#log) ?? (await chooseBackend(this.#options.model, env, this.#log));
      const embedder = choice.type === 'onnx' ? this.#onnx : new MlxEmbedder({ ...this.#options });
      this.#log.info({ type: choice.type, source: choice.source, reason: choice.reason }, 'type auto runs');
      return { choice, embedder };
    })();
    return this.#chosen;
  }
}

/** The daemon's choice, in the embed worker's process; a malformed one is chosen again here. */
function handedDown(env: NodeJS.ProcessEnv, log: Logger): BackendChoice | undefined {
  const raw = env[CHOICE_ENV];
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as Pick<BackendChoice, 'type' | 'source' | 'reason'>;
    if (parsed.type === 'onnx' || parsed.type === 'mlx-bert') return { ...parsed, cpu: '' };
  } catch (err) {
    log.warn({ [CHOICE_ENV]: raw, err: errorMessage(err) }, 'ignoring a malformed backend choice');
    return undefined;
  }
  log.warn({ [CHOICE_ENV]: raw }, 'ignoring a backend choice of an unknown type');
  return undefined;
}
