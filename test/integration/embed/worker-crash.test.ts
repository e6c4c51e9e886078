import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EmbedWorker } from '../../../src/embed/worker/embed-worker.js';
import { faultText, TEST_FAULTS_ENV } from '../../../src/embed/worker/faults.js';
import { WORKER_PROTOCOL_VERSION } from '../../../src/embed/worker/protocol.js';
import type {
  BatchInfo,
  EmbedWorkerOptions,
  RestartInfo,
  WorkerState,
} from '../../../src/embed/worker/types.js';
import { silentLogger } from '../../../src/log.js';
import {
  fixturePath,
  isRunning,
  maxAbsDiff,
  modelConfig,
  nextState,
  texts,
} from '../../fixtures/worker/harness.js';
import { testModel } from '../../helpers/model.js';

/**
 * The crash paths, on the real worker process with the real model: the process is really
 * killed (SIGKILL), really aborts (SIGABRT via the test-only fault text, honoured because the
 * child's env has RAGCTL_TEST_FAULTS=1) and really hangs.
 */

const FAULTS_ENV = { ...process.env, [TEST_FAULTS_ENV]: '1' };
/** Short back-off so that a test with three restarts takes seconds, not the production 3.5 s. */
const QUICK_RESTART = { backoffInitialMs: 50, backoffMaxMs: 200 };

const workers: EmbedWorker[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'ragctl-worker-crash-'));

function makeWorker(options: Partial<EmbedWorkerOptions> = {}): EmbedWorker {
  const worker = new EmbedWorker({ config: modelConfig(), logger: silentLogger(), ...options });
  workers.push(worker);
  return worker;
}

function record<T>(worker: EmbedWorker, event: 'restarted' | 'batch' | 'state'): T[] {
  const seen: T[] = [];
  worker.on(event, (value: unknown) => seen.push(value as T));
  return seen;
}

afterEach(async () => {
  const pids = workers.map((w) => w.pid).filter((pid): pid is number => pid !== undefined);
  await Promise.all(workers.splice(0).map((w) => w.close()));
  for (const pid of pids) expect(isRunning(pid)).toBe(false);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('EmbedWorker crash paths', () => {
  it('kill -9 mid-batch: restarts the process and the call still resolves with the right vectors', async () => {
    const worker = makeWorker({ limits: QUICK_RESTART });
    // One request's worth (8 × 128 padded tokens = requestTokens), so the kill hits all of it.
    const input = texts(8, 118);
    const want = await worker.embed(input);
    const batches = record<BatchInfo>(worker, 'batch');
    const restarted = once(worker, 'restarted') as Promise<[RestartInfo]>;
    const busy = nextState(worker, 'busy');
    const got = worker.embed(input);
    await busy;
    const pid = worker.pid!;
    process.kill(pid, 'SIGKILL');

    const [info] = await restarted;
    expect(info.reason).toEqual({ kind: 'exit', code: null, signal: 'SIGKILL' });
    expect(info.previousPid).toBe(pid);
    expect(info.pid).not.toBe(pid);
    expect(maxAbsDiff(await got, want)).toBeLessThanOrEqual(1e-6);
    expect(batches.map((b) => [b.attempt, b.pid])).toEqual([[2, info.pid]]);
    expect(isRunning(pid)).toBe(false);
    expect(worker.stats()).toMatchObject({ state: 'ready', restarts: 1, quarantined: 0 });
  });

  it('quarantines a request that aborts the process every time, and keeps serving the rest', async () => {
    const worker = makeWorker({ env: FAULTS_ENV, limits: QUICK_RESTART });
    await worker.start();
    const restarts = record<RestartInfo>(worker, 'restarted');
    const poison = worker.embed(['an ordinary note', faultText('abort')]);
    const behind = worker.embed(texts(4, 20));
    const query = worker.embed(['a query during the crashes'], { priority: 'query' });

    await expect(poison).rejects.toMatchObject({
      code: 'E_EMBED',
      message: expect.stringMatching(/was killed by SIGABRT on the same 2 text\(s\) 3 times/),
    });
    expect((await behind).length).toBe(4 * 384);
    expect((await query).length).toBe(384);
    expect(restarts.map((r) => r.reason)).toEqual(
      Array(3).fill({ kind: 'exit', code: null, signal: 'SIGABRT' }),
    );
    expect(restarts.map((r) => r.failures)).toEqual([1, 2, 3]);
    expect(worker.stats()).toMatchObject({ state: 'ready', restarts: 3, quarantined: 1 });
    // Without RAGCTL_TEST_FAULTS=1 the same text is just text.
    const plain = makeWorker();
    expect((await plain.embed([faultText('abort')])).length).toBe(384);
  });

  it('kills a process that stops answering after the deadline, and retries its request', async () => {
    const marker = join(scratch, 'hang-once');
    const worker = makeWorker({
      env: FAULTS_ENV,
      limits: { ...QUICK_RESTART, requestTimeoutBaseMs: 5_000, requestTimeoutPerTokenMs: 1 },
    });
    const input = ['a note about rivers', faultText('hang', marker)];
    const restarted = once(worker, 'restarted') as Promise<[RestartInfo]>;
    const got = worker.embed(input);
    const [info] = await restarted;
    expect(existsSync(marker)).toBe(true);
    expect(info.reason).toMatchObject({ kind: 'timeout', phase: 'request' });
    // 5 s plus 1 ms per padded token of the request.
    expect(info.reason.kind === 'timeout' && info.reason.afterMs).toBeGreaterThan(5_000);
    const again = await worker.embed(input);
    expect(maxAbsDiff(await got, again)).toBeLessThanOrEqual(1e-6);
  });

  it('a corrupt model fails with E_MODEL once, without a crash loop, and recovers once fixed', async () => {
    const dir = join(scratch, 'model');
    cpSync(testModel().dir, dir, { recursive: true, dereference: true });
    const weights = join(dir, 'model.safetensors');
    const FAILED_RETRY_MS = 1_500;
    const worker = makeWorker({
      config: modelConfig(dir),
      limits: { ...QUICK_RESTART, failedRetryMs: FAILED_RETRY_MS },
    });
    const states = record<WorkerState>(worker, 'state');
    const restarts = record<RestartInfo>(worker, 'restarted');
    // Checked in the daemon at start, then damaged on disk before the worker loads it.
    const good = readFileSync(weights);
    truncateSync(weights, good.length >> 1);

    const failure = { code: 'E_MODEL', message: expect.stringContaining(weights) };
    await expect(worker.embed(['x'])).rejects.toMatchObject(failure);
    const failedAt = performance.now();
    expect(worker.state).toBe('failed');
    await expect(worker.embed(['y'])).rejects.toMatchObject(failure);
    await expect(worker.start()).rejects.toMatchObject(failure);
    expect(states).toEqual(['starting', 'failed']);
    expect(restarts).toHaveLength(0);
    expect(worker.stats().lastError).toContain(weights);

    // A repaired model is picked up by the first request after failedRetryMs. No event marks
    // that moment: it is a time policy, so the test waits it out.
    writeFileSync(weights, good);
    const left = FAILED_RETRY_MS - (performance.now() - failedAt);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left + 10));
    expect((await worker.embed(['x'])).length).toBe(384);
  });

  it('gives up on a process that dies while loading after maxStartFailures tries', async () => {
    const worker = makeWorker({ entry: fixturePath('die-on-start.mjs'), limits: QUICK_RESTART });
    const restarts = record<RestartInfo>(worker, 'restarted');
    await expect(worker.start()).rejects.toMatchObject({
      code: 'E_MODEL',
      message: expect.stringMatching(/died 3 times in a row while loading .*was killed by SIGABRT/),
    });
    expect(restarts).toHaveLength(2);
    expect(worker.state).toBe('failed');
    await expect(worker.embed(['x'])).rejects.toMatchObject({ code: 'E_MODEL' });
  });

  it('refuses a worker program from another build (protocol version) without restarting it', async () => {
    const worker = makeWorker({ entry: fixturePath('stale-protocol.mjs'), limits: QUICK_RESTART });
    const restarts = record<RestartInfo>(worker, 'restarted');
    await expect(worker.start()).rejects.toMatchObject({
      code: 'E_PROTOCOL',
      message: expect.stringContaining(`protocol version 0, expected ${WORKER_PROTOCOL_VERSION}`),
    });
    expect(restarts).toHaveLength(0);
    expect(worker.state).toBe('failed');
  });

  it('close() during a restart back-off stops for good', async () => {
    const worker = makeWorker({ limits: { backoffInitialMs: 60_000, backoffMaxMs: 60_000 } });
    await worker.start();
    const restarts = record<RestartInfo>(worker, 'restarted');
    const backoff = nextState(worker, 'backoff');
    process.kill(worker.pid!, 'SIGKILL');
    await backoff;
    const waiting = worker.embed(['queued while the worker is down'], { priority: 'query' });
    await worker.close();
    await expect(waiting).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(restarts).toHaveLength(0);
    expect(worker.state).toBe('closed');
  });
});
