import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderConfig } from '../../../src/config/types.js';
import { MlxEmbedder } from '../../../src/embed/mlx-embedder.js';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import type { Embedder } from '../../../src/embed/types.js';
import { EmbedWorker } from '../../../src/embed/worker/embed-worker.js';
import type { BatchInfo } from '../../../src/embed/worker/types.js';
import { isRagError, type RagError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { createRegistry } from '../../../src/registry/builtins.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, waitFor } from '../../helpers/daemon.js';
import {
  type EmbeddingServer,
  embedServerMissing,
  InFlightCounter,
  Outlet,
  startEmbeddingServer,
} from '../../helpers/embedding-server.js';
import { testModel } from '../../helpers/model.js';
import { cosine, parityReference, parityTexts, referenceVectors, row } from '../../helpers/parity.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * The `openai` embedder against a real OpenAI-compatible server (Infinity on the CPU, serving
 * the same all-MiniLM-L6-v2 files): its vectors against ours and the reference, the API key from
 * the variable the config names, and what happens while the server is away — the worker holds
 * indexing, searches fall back to text with a note, `status` says degraded, and indexing resumes
 * by itself when the server is back. A relay (Outlet) in front of the server takes it away.
 */
const missing = embedServerMissing();
const DIM = 384;
/** Same weights in torch: float noise only (measured ≥ 0.99999999 against onnx). */
const MIN_COSINE = 0.9999;
const KEY_ENV = 'RAGCTL_TEST_EMBED_KEY';

let server: EmbeddingServer;
let outlet: Outlet;
const apiKey = randomBytes(12).toString('hex');

function openaiBlock(endpoint: string, extra: Record<string, unknown> = {}): EmbedderConfig {
  return {
    type: 'openai',
    model: server.modelName,
    maxTokens: null,
    batchTokens: 4096,
    settings: { endpoint, dimensions: DIM, tokenizer: testModel().dir, apiKeyEnv: KEY_ENV, ...extra },
  };
}

async function build(
  config: EmbedderConfig,
  env: NodeJS.ProcessEnv = { [KEY_ENV]: apiKey },
): Promise<Embedder> {
  const factory = createRegistry().embedderFactory('openai', 'embedders.remote.type');
  return factory(config, { logger: silentLogger(), env });
}

async function rejection(p: Promise<unknown>): Promise<RagError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRagError(err)) throw new Error(`expected a RagError, got ${String(err)}`);
  return err;
}

// Skipped only where the server's Python packages are not installed; CI's set-up installs them.
describe.skipIf(missing !== undefined)(
  `openai embedder against a real server${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    beforeAll(async () => {
      server = await startEmbeddingServer(testModel().dir, apiKey);
      outlet = await Outlet.open(server.url);
    }, 300_000);
    afterAll(async () => {
      await outlet?.down();
      await server?.close();
    });

    it("returns the same vectors as the onnx and MLX backends and the reference, in the caller's order", async () => {
      const texts = parityTexts();
      const remote = await build(openaiBlock(server.url, { concurrency: 3 }));
      expect(remote.modelId).toBe(`openai:${server.url}/embeddings#${server.modelName}`);
      expect(remote.modelId).not.toContain(apiKey);
      expect(remote.dimension).toBe(DIM);
      expect(remote.maxTokens).toBe(256);
      const graphs = await makeTempDir('onnx-graphs');
      const onnx = new OnnxEmbedder({ model: testModel().dir, batchTokens: 4096, graphCacheDir: graphs.dir });
      const mlx = new MlxEmbedder({ model: testModel().dir, batchTokens: 4096 });
      try {
        // Small requests, several in flight: rows must still land in the caller's order.
        const small = await build(openaiBlock(server.url, { maxBatchTexts: 3, concurrency: 4 }));
        const [got, gotSmall, ours, mlxs] = [
          await remote.embed(texts),
          await small.embed(texts),
          await onnx.embed(texts),
          await mlx.embed(texts),
        ];
        const expected = referenceVectors(parityReference());
        for (let i = 0; i < texts.length; i++) {
          const r = row(got, i, DIM);
          expect(cosine(r, row(ours, i, DIM)), `text ${i} vs onnx`).toBeGreaterThan(MIN_COSINE);
          expect(cosine(r, row(mlxs, i, DIM)), `text ${i} vs MLX`).toBeGreaterThan(MIN_COSINE);
          expect(cosine(r, row(expected, i, DIM)), `text ${i} vs reference`).toBeGreaterThan(MIN_COSINE);
          expect(cosine(r, row(gotSmall, i, DIM)), `text ${i}, small requests`).toBeGreaterThan(0.999999);
        }
      } finally {
        await onnx.close();
        await mlx.close();
        await graphs.cleanup();
      }
    }, 180_000);

    it('sends the key from the variable apiKeyEnv names; a refused key or a missing variable says which', async () => {
      const wrong = await build(openaiBlock(server.url), { [KEY_ENV]: 'not-the-key' });
      const refused = await rejection(wrong.embed(['hello']));
      expect(refused.code).toBe('E_EMBED_UNAVAILABLE');
      expect(refused.message).toContain('HTTP 401');
      expect(refused.fix).toContain(KEY_ENV);
      expect(`${refused.message} ${refused.fix}`).not.toContain('not-the-key');

      const unset = await rejection(build(openaiBlock(server.url), {}));
      expect(unset.code).toBe('E_CONFIG');
      expect(unset.message).toContain('embedders.remote.apiKeyEnv');
      expect(unset.message).toContain(KEY_ENV);
    });

    it('gives a search one try but retries index work, and says the server is unusable when it stays away', async () => {
      await outlet.down();
      try {
        const remote = await build(openaiBlock(outlet.url, { retryWithinMs: 1_500, retryInitialMs: 200 }));
        let started = performance.now();
        const query = await rejection(remote.embed(['where is it'], { priority: 'query' }));
        const queryMs = performance.now() - started;
        started = performance.now();
        const index = await rejection(remote.embed(['a note']));
        const indexMs = performance.now() - started;
        for (const err of [query, index]) {
          expect(err.code).toBe('E_EMBED_UNAVAILABLE');
          expect(err.message).toContain(`${outlet.url}/embeddings`);
          expect(err.message).toContain('ECONNREFUSED');
        }
        expect(index.message).toMatch(/\(\d+ tries\)/);
        // Retries took the back-offs (200 + 400 ms; after 800 more, 1.5 s would leave a fourth try
        // under 100 ms, so none is made); the query took none.
        expect(indexMs).toBeGreaterThan(500);
        expect(queryMs).toBeLessThan(indexMs);
      } finally {
        await outlet.up();
      }
    });

    it('in the embed worker: index work waits while the server is away, searches fail at once, and it resumes', async () => {
      const worker = new EmbedWorker({
        config: openaiBlock(outlet.url, { retryWithinMs: 300, retryInitialMs: 100 }),
        name: 'remote',
        logger: silentLogger(),
        env: { ...process.env, [KEY_ENV]: apiKey },
        limits: { backoffInitialMs: 100, backoffMaxMs: 400 },
      });
      try {
        await worker.start();
        const texts = ['first note about ferries', 'second note about harbours'];
        const expected = await worker.embed(texts);
        await outlet.down();
        const pending = worker.embed(texts);
        let settled = false;
        void pending.then(
          () => (settled = true),
          () => (settled = true),
        );
        const unusable = await waitFor(
          'the worker to see the server unusable',
          () => worker.stats().unavailable ?? undefined,
        );
        expect(unusable.reason).toContain('ECONNREFUSED');
        expect(unusable.fix).toContain('embedders.remote.endpoint');
        const query = await rejection(worker.embed(['a search'], { priority: 'query' }));
        expect(query.code).toBe('E_EMBED_UNAVAILABLE');
        // Several probes later the index call still waits: it is held, not failed.
        await new Promise((r) => setTimeout(r, 1_500));
        expect(settled).toBe(false);
        expect(worker.stats().quarantined).toBe(0);
        await outlet.up();
        const got = await pending;
        for (let i = 0; i < texts.length; i++)
          expect(cosine(row(got, i, DIM), row(expected, i, DIM))).toBeGreaterThan(0.999999);
        expect(worker.stats().unavailable).toBeNull();
      } finally {
        await outlet.up();
        await worker.close();
      }
    }, 60_000);

    it('in the embed worker: keeps `concurrency` index requests in flight, rows in order, a search still first', async () => {
      const counter = await InFlightCounter.open(server.url);
      const worker = new EmbedWorker({
        config: openaiBlock(counter.url, { concurrency: 4 }),
        name: 'remote',
        logger: silentLogger(),
        env: { ...process.env, [KEY_ENV]: apiKey },
        // Requests of 512 tokens, never merged: many requests, each one HTTP request.
        limits: { requestTokens: 512, mergedRequestTokens: 512 },
      });
      const direct = await build(openaiBlock(server.url, { concurrency: 1 }));
      try {
        await worker.start();
        const texts = Array.from(
          { length: 160 },
          (_, i) =>
            `note ${i}: the ferry to island ${i % 7} leaves at dawn from pier ${i % 13} with ${'a cargo of apples and pears '.repeat(1 + (i % 5))}`,
        );
        const batches: BatchInfo[] = [];
        worker.on('batch', (b) => batches.push(b));
        counter.reset();
        const index = worker.embed(texts);
        // Awaited below; marked handled so a failed assertion before that leaves no stray rejection.
        index.catch(() => undefined);
        await once(worker, 'batch');
        // Many requests still wait: a search now must pass every one of them.
        expect(worker.stats().queued.index).toBeGreaterThanOrEqual(5);
        const answeredAtSubmit = batches.length;
        await worker.embed(['which pier does the ferry leave from'], { priority: 'query' });
        const query = batches.find((b) => b.priority === 'query')!;
        // The child numbers requests as they start: before the search only those answered or in
        // flight when it came (at most one per slot), none of the requests still queued.
        expect(query.seq).toBeLessThanOrEqual(answeredAtSubmit + 4 + 1);
        const got = await index;
        expect(counter.max).toBeGreaterThanOrEqual(2);
        expect(counter.max).toBeLessThanOrEqual(4);
        expect(batches.filter((b) => b.priority === 'index').length).toBeGreaterThanOrEqual(10);
        // Stitched in the caller's order: each row is the same text embedded one request at a time.
        const expected = await direct.embed(texts);
        for (let i = 0; i < texts.length; i++)
          expect(cosine(row(got, i, DIM), row(expected, i, DIM)), `text ${i}`).toBeGreaterThan(0.999999);
      } finally {
        await worker.close();
        await direct.close();
        await counter.close();
      }
    }, 120_000);

    describe('in a daemon', () => {
      let ws: DaemonWorkspace | undefined;
      let daemon: DaemonProcess | undefined;
      afterAll(() => endDaemonTest(daemon, ws));

      it('is degraded while the server is away, searches fall back to text with a note, and indexing resumes', async () => {
        ws = await DaemonWorkspace.create({
          embedders: {
            default: {
              type: 'openai',
              model: server.modelName,
              endpoint: outlet.url,
              dimensions: DIM,
              tokenizer: testModel().dir,
              apiKeyEnv: KEY_ENV,
              retryWithinMs: 500,
            },
          },
        });
        await ws.write('ferry.md', '# Ferry\n\nThe ferry to the island leaves at dawn from pier four.\n');
        daemon = await DaemonProcess.start(ws, { env: { [KEY_ENV]: apiKey } });
        const first = await daemon.idle(60_000);
        expect(first.model).toBe(`openai:${outlet.url}/embeddings#${server.modelName}`);
        expect((await daemon.search('island ferry', { mode: 'vector' }))[0]?.path).toBe(ws.path('ferry.md'));
        // Text search finds a note once the daemon has folded it into the full-text index.
        const ferry = ws.path('ferry.md');
        await waitFor('the full-text index to hold the note', async () =>
          (await daemon!.search('ferry island', { mode: 'text' })).some((h) => h.path === ferry),
        );

        await outlet.down();
        await ws.write(
          'harbour.md',
          '# Harbour\n\nThe harbour master keeps the tide tables in a blue folder.\n',
        );
        const degraded = await daemon.until('status degraded', (s) => s.state === 'degraded', 30_000);
        expect(degraded.reason).toContain(`${outlet.url}/embeddings`);
        expect(degraded.reason).toContain('search by text still works');
        expect(degraded.fix).toContain('embedders.default.endpoint');

        const hybrid = await daemon.request('search', { query: 'ferry island', k: 5 });
        expect(hybrid.mode).toBe('text');
        expect(hybrid.note).toContain('full-text results only');
        expect(hybrid.results[0]?.path).toBe(ws.path('ferry.md'));
        // The note that could not be embedded is waiting, not failed.
        const waiting = await daemon.status();
        expect(waiting.last_errors.filter((e) => e.path === ws?.path('harbour.md'))).toEqual([]);

        await outlet.up();
        await daemon.idle(60_000);
        const back = await daemon.request('search', { query: 'tide tables', k: 5 });
        expect(back.mode).toBe('hybrid');
        expect(back.note).toBeUndefined();
        expect(back.results[0]?.path).toBe(ws.path('harbour.md'));
        await daemon.stop();
      }, 180_000);
    });
  },
);
