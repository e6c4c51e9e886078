import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, RagError } from '../../errors.js';
import type { Logger } from '../../log.js';

/** How one client talks to one server. Defaults and the reason for each: `embedderSettings` in registry/builtins.ts. */
export interface EmbeddingsClientOptions {
  /** `<endpoint>/embeddings` is posted to (the OpenAI SDK's `baseURL` convention). */
  endpoint: string;
  /** The server's model name, sent as `model`. */
  model: string;
  /** The vector size expected back; checked on every answer. */
  dimensions: number;
  /** Send `dimensions` in the request (models that can shorten their vectors); most servers reject it. */
  sendDimensions: boolean;
  /** Sent as `Authorization: Bearer …`; read from the environment by the caller, never stored in config. */
  apiKey: string | undefined;
  /** One HTTP request's limit. */
  timeoutMs: number;
  /** How long an index request keeps retrying 429/5xx/unreachable before it gives up. */
  retryWithinMs: number;
  /** First back-off; doubles per retry. */
  retryInitialMs: number;
  /** Names the config block in messages (`embedders.<name>`). */
  keyPath: string;
  /** The variable the key came from, for the message when the server refuses it. */
  apiKeyEnv: string | null;
  logger: Logger;
}

/** Back-off never waits longer than this between two tries, whatever `Retry-After` asks. */
const MAX_BACKOFF_MS = 10_000;
/**
 * A retry is made only with at least this long left for its answer (the smallest `timeoutMs` a
 * config may set): a try squeezed into the last few ms of `retryWithinMs` cannot be answered, and
 * its "no answer within 2 ms" would hide what the server actually said.
 */
const MIN_TRY_MS = 100;
/** Bytes of an error body kept for the message: enough for the server's reason, not a page of HTML. */
const ERROR_BODY_CHARS = 300;

/** One answer row as the OpenAI API gives it. */
interface EmbeddingRow {
  index?: unknown;
  embedding?: unknown;
}

/** A try that failed, and whether another try may help. */
interface Failure {
  retry: boolean;
  reason: string;
  /** The server's Retry-After, in ms. */
  retryAfterMs?: number;
  status?: number;
}

/**
 * Posts texts to an OpenAI-compatible `/embeddings` endpoint and returns their vectors in input
 * order. A 429, a 5xx, a timeout or a refused connection is retried with doubling back-off
 * (honouring `Retry-After`) for up to `retryWithinMs`; queries get one try, since a search
 * falls back to text rather than wait. What no retry can fix (a 400 for this input) is
 * `E_EMBED`; a server that cannot be used now (down, overloaded, refusing the key or the
 * model) is `E_EMBED_UNAVAILABLE`, which makes the embed worker hold indexing until it answers.
 */
export class EmbeddingsClient {
  readonly url: string;
  readonly #options: EmbeddingsClientOptions;

  constructor(options: EmbeddingsClientOptions) {
    this.#options = options;
    const base = options.endpoint.replace(/\/+$/, '');
    this.url = base.endsWith('/embeddings') ? base : `${base}/embeddings`;
  }

  async embed(texts: readonly string[], retries: boolean, signal?: AbortSignal): Promise<Float32Array> {
    const started = performance.now();
    let delayMs = this.#options.retryInitialMs;
    let timeoutMs = this.#options.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#post(texts, timeoutMs, signal);
      if (outcome instanceof Float32Array) return outcome;
      if (signal?.aborted) throw new RagError('E_ABORTED', 'embedding aborted', { cause: signal.reason });
      const waitMs = Math.min(Math.max(delayMs, outcome.retryAfterMs ?? 0), MAX_BACKOFF_MS);
      const elapsed = performance.now() - started;
      if (!outcome.retry) throw this.#refused(outcome);
      const shortestTryMs = Math.min(MIN_TRY_MS, this.#options.timeoutMs);
      if (!retries || elapsed + waitMs + shortestTryMs > this.#options.retryWithinMs)
        throw this.#unavailable(outcome, attempt);
      this.#options.logger.warn(
        { url: this.url, attempt, reason: outcome.reason, retryInMs: Math.round(waitMs) },
        'the embedding server failed; retrying',
      );
      await sleep(waitMs, undefined, { signal }).catch((err: unknown) => {
        throw new RagError('E_ABORTED', 'embedding aborted', { cause: err });
      });
      delayMs *= 2;
      // Retries end by retryWithinMs (the embed worker's deadline for a request follows it).
      timeoutMs = Math.max(
        1,
        // AbortSignal.timeout takes whole milliseconds only.
        Math.floor(
          Math.min(this.#options.timeoutMs, this.#options.retryWithinMs - (performance.now() - started)),
        ),
      );
    }
  }

  /** One try: the vectors, or why it failed. Throws only for an answer of the wrong shape. */
  async #post(
    texts: readonly string[],
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Float32Array | Failure> {
    const o = this.#options;
    const body: Record<string, unknown> = { model: o.model, input: texts, encoding_format: 'float' };
    if (o.sendDimensions) body.dimensions = o.dimensions;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (o.apiKey !== undefined) headers.authorization = `Bearer ${o.apiKey}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let json: unknown;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (!response.ok) return failureOf(response, await response.text());
      json = await response.json();
    } catch (err) {
      if (signal?.aborted) return { retry: false, reason: 'aborted' };
      if (timeout.aborted) return { retry: true, reason: `no answer within ${timeoutMs} ms` };
      return { retry: true, reason: networkReason(err) };
    }
    return this.#vectors(json, texts.length);
  }

  #vectors(json: unknown, rows: number): Float32Array {
    const { dimensions } = this.#options;
    const data = (json as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) || data.length !== rows)
      throw this.#badAnswer(
        `${Array.isArray(data) ? `${data.length} embeddings` : 'no data list'} for ${rows} inputs`,
      );
    const out = new Float32Array(rows * dimensions);
    const seen = new Uint8Array(rows);
    data.forEach((entry: EmbeddingRow, position) => {
      const index = entry.index === undefined ? position : entry.index;
      const vector = entry.embedding;
      if (
        !Number.isSafeInteger(index) ||
        (index as number) < 0 ||
        (index as number) >= rows ||
        seen[index as number]
      )
        throw this.#badAnswer(`row ${position} has index ${String(index)}`);
      if (!Array.isArray(vector) || vector.length !== dimensions)
        throw this.#badAnswer(
          `row ${position} has ${Array.isArray(vector) ? vector.length : 'no'} values, not ${dimensions} (embedders.dimensions, or the server sends base64)`,
        );
      seen[index as number] = 1;
      out.set(vector as number[], (index as number) * dimensions);
    });
    return out;
  }

  #badAnswer(what: string): RagError {
    return new RagError('E_EMBED', `${this.url} answered with a response of the wrong shape: ${what}`, {
      fix: `check ${this.#options.keyPath}.dimensions and that the endpoint speaks the OpenAI embeddings API`,
    });
  }

  /** A refusal no retry changes: the key, the URL, the model, or this input. */
  #refused(f: Failure): RagError {
    const { keyPath, apiKeyEnv, model } = this.#options;
    const message = `${this.url} refused the request (${f.reason})`;
    if (f.status === 401 || f.status === 403)
      return new RagError('E_EMBED_UNAVAILABLE', message, {
        fix: apiKeyEnv
          ? `check the API key in the environment variable ${apiKeyEnv} (${keyPath}.apiKeyEnv) of the daemon`
          : `the server wants an API key: name the variable holding it in ${keyPath}.apiKeyEnv`,
      });
    if (f.status === 404)
      return new RagError('E_EMBED_UNAVAILABLE', message, {
        fix: `check ${keyPath}.endpoint (the base URL; /embeddings is added) and ${keyPath}.model ('${model}')`,
      });
    return new RagError('E_EMBED', message, {
      fix: `the server rejected this input; check ${keyPath}.model and ${keyPath}.maxTokens against what the server accepts`,
    });
  }

  #unavailable(f: Failure, attempts: number): RagError {
    return new RagError(
      'E_EMBED_UNAVAILABLE',
      `the embedding server ${this.url} cannot be used: ${f.reason}${attempts > 1 ? ` (${attempts} tries)` : ''}`,
      { fix: `start the server, or fix ${this.#options.keyPath}.endpoint; indexing resumes by itself` },
    );
  }
}

function failureOf(response: Response, text: string): Failure {
  const status = response.status;
  const reason = `HTTP ${status}${text ? `: ${serverMessage(text)}` : ''}`;
  // 408 and 429 are the server asking to come back later; 5xx is the server's own trouble.
  const retry = status === 408 || status === 429 || status >= 500;
  const after = Number(response.headers.get('retry-after'));
  return {
    retry,
    reason,
    status,
    ...(Number.isFinite(after) && after > 0 ? { retryAfterMs: after * 1000 } : {}),
  };
}

/** The server's own words from an error body: OpenAI's `error.message`, FastAPI's `detail`, or the text. */
function serverMessage(text: string): string {
  let message = text;
  try {
    const json = JSON.parse(text) as {
      error?: { message?: unknown } | string;
      detail?: unknown;
      message?: unknown;
    };
    const found =
      typeof json.error === 'object' ? json.error?.message : (json.error ?? json.detail ?? json.message);
    if (found !== undefined) message = typeof found === 'string' ? found : JSON.stringify(found);
  } catch {
    // Not JSON (a proxy's HTML page): the text itself, shortened.
    message = text;
  }
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > ERROR_BODY_CHARS ? `${oneLine.slice(0, ERROR_BODY_CHARS)}…` : oneLine;
}

/** fetch's "fetch failed" hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, a reset). */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return `${cause.code} (${errorMessage(cause)})`;
  return cause ? `${errorMessage(err)}: ${errorMessage(cause)}` : errorMessage(err);
}
