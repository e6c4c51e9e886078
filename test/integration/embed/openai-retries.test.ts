import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from '../../../src/embed/openai/openai-embedder.js';
import { isRagError, type RagError } from '../../../src/errors.js';
import { testModel } from '../../helpers/model.js';

/**
 * The client's answers to what a real server only does under load or misconfiguration (429 with
 * Retry-After, 503, a 400 for one input, an answer of the wrong shape), played by a real HTTP
 * server on loopback whose replies the test scripts. The vectors themselves are tested against a
 * real embedding server in openai-server.test.ts.
 */
const DIM = 4;

interface Seen {
  auth: string | undefined;
  inputs: string[];
}

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** Serves `replies` in order (then the last one again), recording each request. */
async function scripted(
  replies: Array<(inputs: string[], res: ServerResponse) => void>,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString('utf8');
    });
    req.on('end', () => {
      const inputs = (JSON.parse(body) as { input: string[] }).input;
      seen.push({ auth: req.headers.authorization, inputs });
      replies[Math.min(seen.length - 1, replies.length - 1)]!(inputs, res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1`, seen };
}

const status =
  (code: number, body: string, headers: Record<string, string> = {}) =>
  (_inputs: string[], res: ServerResponse) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers }).end(body);
  };

/** Row i is (i+1, 0, 0, 0), listed in reverse order with its index, as servers may. */
const vectors = (inputs: string[], res: ServerResponse) => {
  const data = inputs.map((_, i) => ({ index: i, embedding: [i + 1, 0, 0, 0] })).reverse();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
};

function embedder(url: string, extra: Partial<OpenAIEmbedderOptions> = {}): OpenAIEmbedder {
  return new OpenAIEmbedder({
    endpoint: url,
    model: 'm',
    dimensions: DIM,
    sendDimensions: false,
    apiKeyEnv: 'KEY',
    tokenizer: testModel().dir,
    maxTokens: null,
    batchTokens: 4096,
    maxBatchTexts: 256,
    concurrency: 2,
    timeoutMs: 5_000,
    retryWithinMs: 10_000,
    retryInitialMs: 50,
    keyPath: 'embedders.remote',
    env: { KEY: 'k-123' },
    ...extra,
  });
}

async function rejection(p: Promise<unknown>): Promise<RagError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRagError(err)) throw new Error(`expected a RagError, got ${String(err)}`);
  return err;
}

describe('openai client against scripted replies', () => {
  it('retries a 429 after its Retry-After and a 503 after the back-off, then returns rows in input order', async () => {
    const { url, seen } = await scripted([
      status(429, '{"error":{"message":"slow down"}}', { 'retry-after': '1' }),
      status(503, 'overloaded'),
      vectors,
    ]);
    const started = performance.now();
    const got = await embedder(url).embed(['a', 'b', 'c']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(seen).toHaveLength(3);
    expect(seen.every((s) => s.auth === 'Bearer k-123')).toBe(true);
    // Unit length, row i in place i whatever order the server listed them in.
    expect(Array.from(got)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('does not retry a 400, and says what the server said', async () => {
    const { url, seen } = await scripted([status(400, '{"error":{"message":"input too long"}}')]);
    const err = await rejection(embedder(url).embed(['a']));
    expect(seen).toHaveLength(1);
    expect(err.code).toBe('E_EMBED');
    expect(err.message).toContain('HTTP 400: input too long');
    expect(err.message).toContain(`${url}/embeddings`);
  });

  it('gives up after retryWithinMs with E_EMBED_UNAVAILABLE, and a search after one try', async () => {
    const { url, seen } = await scripted([status(502, 'bad gateway')]);
    const index = await rejection(embedder(url, { retryWithinMs: 400 }).embed(['a']));
    expect(index.code).toBe('E_EMBED_UNAVAILABLE');
    expect(index.message).toContain('HTTP 502');
    const tries = seen.length;
    expect(tries).toBeGreaterThan(1);
    await rejection(embedder(url, { retryWithinMs: 400 }).embed(['q'], { priority: 'query' }));
    expect(seen.length).toBe(tries + 1);
  });

  it('makes no last try too short to be answered: the error says what the server said', async () => {
    // Each reply takes 50 ms; back-offs 50, 100, 200 ms. After the third reply (~300 ms) and its
    // back-off (~500 ms) only ~20 ms of the 520 would be left: a fourth try could only time out.
    const { url, seen } = await scripted([
      (inputs, res) => setTimeout(() => status(502, 'bad gateway')(inputs, res), 50),
    ]);
    const err = await rejection(embedder(url, { retryWithinMs: 520 }).embed(['a']));
    expect(err.code).toBe('E_EMBED_UNAVAILABLE');
    expect(err.message).toContain('HTTP 502');
    expect(err.message).not.toContain('no answer within');
    expect(seen.length).toBeLessThanOrEqual(3);
  });

  it('refuses an answer of the wrong shape instead of storing it', async () => {
    const { url } = await scripted([
      (_inputs, res) => res.writeHead(200).end(JSON.stringify({ data: [{ index: 0, embedding: [1, 2] }] })),
    ]);
    const err = await rejection(embedder(url).embed(['a']));
    expect(err.code).toBe('E_EMBED');
    expect(err.message).toContain('2 values, not 4');
  });
});
