import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, getPriority } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { openBlasChoiceFile, readOpenBlasChoice } from '../../../src/embed/mlx/openblas.js';
import { MlxEmbedder } from '../../../src/embed/mlx-embedder.js';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import { EmbedWorker } from '../../../src/embed/worker/embed-worker.js';
import type { BatchInfo, EmbedWorkerOptions } from '../../../src/embed/worker/types.js';
import { silentLogger } from '../../../src/log.js';
import {
  fixturePath,
  isRunning,
  maxAbsDiff,
  modelConfig,
  nextState,
  texts,
  waitUntil,
} from '../../fixtures/worker/harness.js';
import { testModel } from '../../helpers/model.js';
import { makeTempDir } from '../../helpers/temp.js';

/** The real worker process running the real model: results, scheduling, abort, close, memory. */

const workers: EmbedWorker[] = [];

function makeWorker(options: Partial<EmbedWorkerOptions> = {}): EmbedWorker {
  const worker = new EmbedWorker({ config: modelConfig(), logger: silentLogger(), ...options });
  workers.push(worker);
  return worker;
}

afterEach(async () => {
  const pids = workers.map((w) => w.pid).filter((pid): pid is number => pid !== undefined);
  await Promise.all(workers.splice(0).map((w) => w.close()));
  for (const pid of pids) expect(isRunning(pid)).toBe(false);
});

describe('EmbedWorker', () => {
  it('knows the model without starting a process, and embeds exactly as the in-process embedder', async () => {
    const worker = makeWorker();
    expect(worker.state).toBe('idle');
    expect(worker.pid).toBeUndefined();
    expect(worker.dimension).toBe(384);
    expect(worker.maxTokens).toBe(256);
    expect(worker.tokenizer.countTokens('hello world')).toBe(4);

    const corpus = JSON.parse(
      readFileSync(new URL('../../fixtures/parity/texts.json', import.meta.url), 'utf8'),
    ) as string[];
    const got = await worker.embed(corpus);
    expect(worker.pid).toBeDefined();
    expect(getPriority(worker.pid!)).toBe(worker.limits.niceness);

    // Same batches as the worker's requests: the process boundary must change nothing beyond
    // float noise. The worker may run other OpenBLAS kernels than this process (its core type is
    // chosen by measurement), which sum in another order: a few 1e-6 at most, far below the
    // parity test's bar against the reference.
    const inProcess = new MlxEmbedder({ model: testModel().dir, batchTokens: worker.limits.requestTokens });
    expect(inProcess.modelId).toBe(worker.modelId);
    const want = await inProcess.embed(corpus);
    await inProcess.close();
    expect(got).toBeInstanceOf(Float32Array);
    expect(got.length).toBe(corpus.length * 384);
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(5e-6);
    expect(await worker.embed([])).toEqual(new Float32Array(0));
  });

  it('hosts any registered embedder: the onnx backend, with the same vectors as in process', async () => {
    const cache = await makeTempDir('worker-onnx');
    try {
      // The graph is built into this cache (XDG_CACHE_HOME), never the user's.
      const env = { ...process.env, XDG_CACHE_HOME: cache.dir };
      const worker = makeWorker({ config: modelConfig(testModel().dir, 4096, 'onnx'), env });
      expect(worker.dimension).toBe(384);
      expect(worker.maxTokens).toBe(256);
      const corpus = texts(40, 30);
      const got = await worker.embed(corpus);
      expect(worker.runtime).toMatchObject({ backend: 'onnx-cpu', details: { precision: 'fp32' } });

      const inProcess = new OnnxEmbedder({
        model: testModel().dir,
        batchTokens: worker.limits.requestTokens,
        graphCacheDir: join(cache.dir, 'ragctl', 'onnx'),
      });
      expect(inProcess.modelId).toBe(worker.modelId);
      const want = await inProcess.embed(corpus);
      // The worker's child wrote the graph; the in-process embedder found it there.
      expect((await inProcess.load()).details.graphCached).toBe(true);
      await inProcess.close();
      expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
    } finally {
      await Promise.all(workers.splice(0).map((w) => w.close()));
      await cache.cleanup();
    }
  });

  it('starts MLX with OpenBLAS kernels chosen by measurement, kept per CPU and reused', async () => {
    const cache = await makeTempDir('worker-openblas');
    try {
      const { OPENBLAS_CORETYPE: _user, OPENBLAS_NUM_THREADS: _threads, ...base } = process.env;
      const env = { ...base, XDG_CACHE_HOME: cache.dir };
      const file = openBlasChoiceFile(env);
      const first = makeWorker({ env });
      await first.start();
      const details = first.runtime!.details;
      if (process.platform !== 'linux' || process.arch !== 'x64') {
        expect(existsSync(file)).toBe(false);
        return;
      }
      const choice = readOpenBlasChoice(file)!;
      // Every candidate was timed (one that the CPU cannot run failed); the detection is one of them.
      expect(choice.timings!.length).toBeGreaterThanOrEqual(4);
      expect(choice.timings!.some((t) => t.coreType === null && t.ms !== null)).toBe(true);
      expect(details).toEqual({
        openblasCoreType: choice.coreType,
        openblasThreads: String(availableParallelism()),
      });
      await first.close();

      // A second start reads the measurement instead of taking it again.
      const second = makeWorker({ env });
      await second.start();
      expect(readOpenBlasChoice(file)!.measuredAt).toBe(choice.measuredAt);
      expect(second.runtime!.details.openblasCoreType).toBe(choice.coreType);

      // The user's own OPENBLAS_CORETYPE wins and is passed through as is.
      const third = makeWorker({ env: { ...env, OPENBLAS_CORETYPE: 'Haswell' } });
      await third.start();
      expect(third.runtime!.details.openblasCoreType).toBe('Haswell');
    } finally {
      await Promise.all(workers.splice(0).map((w) => w.close()));
      await cache.cleanup();
    }
  });

  it('reports how many texts of a call are embedded as its requests land, up to all of them', async () => {
    const worker = makeWorker();
    const many = texts(200, 200);
    const seen: number[] = [];
    const got = await worker.embed(many, { priority: 'index', onProgress: (n) => seen.push(n) });
    expect(got.length).toBe(many.length * worker.dimension);
    // Several requests, each reported once, counts growing to the whole call.
    expect(seen.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    expect(seen.at(-1)).toBe(many.length);
  });

  it('answers a query after at most the one index request in flight', async () => {
    // 80 texts of 120 tokens at 512 tokens a request: 4 texts a request, 20 requests.
    const worker = makeWorker({ limits: { requestTokens: 512, mergedRequestTokens: 512 } });
    await worker.start();
    const batches: BatchInfo[] = [];
    worker.on('batch', (b) => batches.push(b));
    const corpus = texts(80, 118);
    const index = worker.embed(corpus, { priority: 'index' });
    await once(worker, 'batch');
    // One request done, the next already sent, 18 waiting.
    expect(worker.stats().queued).toEqual({ query: 0, index: 18 });
    const seqAtSubmit = batches.at(-1)!.seq;
    const query = await worker.embed(['where did the fox cross the river'], { priority: 'query' });
    const q = batches.find((b) => b.priority === 'query')!;
    // seq counts requests the child ran: only the one in flight ran between submit and answer.
    expect(q.seq).toBe(seqAtSubmit + 2);
    expect(batches.filter((b) => b.priority === 'index' && b.seq > q.seq).length).toBe(0);
    expect(worker.stats().queued.index).toBe(17);

    const vectors = await index;
    const order = batches.map((b) => b.priority[0]).join('');
    expect(order).toBe(`ii${'q'}${'i'.repeat(18)}`);
    expect(batches.every((b) => b.tokens <= 512)).toBe(true);
    // Stitched in the caller's order: a row equals the same text embedded alone.
    const alone = await worker.embed([corpus[37]!]);
    expect(maxAbsDiff(vectors.subarray(37 * 384, 38 * 384), alone)).toBeLessThanOrEqual(1e-5);
    const queryAgain = await worker.embed(['where did the fox cross the river']);
    expect(maxAbsDiff(query, queryAgain)).toBeLessThanOrEqual(1e-6);
  });

  it('indexes in bigger passes while nobody searches, and in small ones once someone does', async () => {
    const worker = makeWorker({
      limits: { requestTokens: 512, mergedRequestTokens: 2048, queryQuietMs: 60_000 },
    });
    await worker.start();
    const batches: BatchInfo[] = [];
    worker.on('batch', (b) => batches.push(b));
    const corpus = texts(64, 118); // 4 texts (480 padded tokens) a planned request
    await worker.embed(corpus, { priority: 'index' });
    // No query yet: four planned requests go out as one pass (4 × 480 ≤ 2,048 tokens).
    expect(batches.map((b) => b.tokens)).toEqual([1920, 1920, 1920, 1920]);
    batches.length = 0;
    await worker.embed(['is anyone there'], { priority: 'query' });
    const vectors = await worker.embed(corpus, { priority: 'index' });
    // Someone searched within queryQuietMs: requests stay small, so the next query waits little.
    expect(batches.filter((b) => b.priority === 'index').every((b) => b.tokens <= 512)).toBe(true);
    // Merged or not, the rows land in the caller's order.
    const alone = await worker.embed([corpus[41]!]);
    expect(maxAbsDiff(vectors.subarray(41 * 384, 42 * 384), alone)).toBeLessThanOrEqual(1e-5);
  });

  it('drops the queued requests of an aborted call and keeps serving', async () => {
    const worker = makeWorker({ limits: { requestTokens: 512, mergedRequestTokens: 512 } });
    await worker.start();
    const served: BatchInfo[] = [];
    worker.on('batch', (b) => served.push(b));
    const controller = new AbortController();
    const aborted = worker.embed(texts(40, 118), { signal: controller.signal });
    await nextState(worker, 'busy');
    controller.abort(new Error('the indexer stopped'));
    await expect(aborted).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(worker.stats().queued).toEqual({ query: 0, index: 0 });
    await expect(worker.embed(['x'], { signal: controller.signal })).rejects.toMatchObject({
      code: 'E_ABORTED',
    });
    expect((await worker.embed(['still here'], { priority: 'query' })).length).toBe(384);
    // Of the aborted call's 10 requests only the one in flight ran (its answer was dropped).
    expect(served.map((b) => b.priority)).toEqual(['index', 'query']);
  });

  it('close() during work rejects what waits with E_ABORTED and leaves no process', async () => {
    const worker = makeWorker({ limits: { requestTokens: 512, mergedRequestTokens: 512 } });
    const pending = worker.embed(texts(40, 118));
    const queued = worker.embed(['a query'], { priority: 'query' });
    await nextState(worker, 'busy');
    const pid = worker.pid!;
    const rejected = [
      expect(pending).rejects.toMatchObject({ code: 'E_ABORTED' }),
      expect(queued).rejects.toMatchObject({ code: 'E_ABORTED' }),
    ];
    const closing = worker.close();
    expect(worker.close()).toBe(closing);
    await Promise.all(rejected);
    await closing;
    expect(isRunning(pid)).toBe(false);
    expect(worker.state).toBe('closed');
    expect(worker.pid).toBeUndefined();
    await expect(worker.embed(['x'])).rejects.toMatchObject({ code: 'E_ABORTED' });
    await expect(worker.start()).rejects.toMatchObject({ code: 'E_ABORTED' });
  });

  it("keeps the child's memory flat over 30 requests", async () => {
    const worker = makeWorker();
    const rss: number[] = [];
    worker.on('batch', (b) => rss.push(b.rssBytes));
    for (let i = 0; i < 30; i++) await worker.embed(texts(4, 118, i));
    expect(rss).toHaveLength(30);
    expect(rss.at(-1)!).toBeLessThan(2 * rss[2]!);
  });

  it('does not outlive a parent that is killed', async () => {
    const parent = spawn(process.execPath, [fixturePath('parent.mjs'), JSON.stringify(modelConfig())], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
    const childPid = Number(line);
    expect(isRunning(childPid)).toBe(true);
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    // The child learns it from its IPC channel closing.
    await waitUntil(() => !isRunning(childPid), 10_000, `the orphaned worker ${childPid} exits`);
  });
});
