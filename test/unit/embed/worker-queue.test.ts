import { describe, expect, it } from 'vitest';
import { planBatches } from '../../../src/embed/batching.js';
import { PendingCall, type Priority } from '../../../src/embed/worker/call.js';
import { JobQueue, jobsFor } from '../../../src/embed/worker/queue.js';

const DIM = 3;

function call(
  texts: string[],
  priority: Priority,
  signal?: AbortSignal,
  onAbort: (c: PendingCall, reason: unknown) => void = (c, reason) => c.fail(reason),
): PendingCall {
  return new PendingCall(texts, DIM, priority, signal, onAbort);
}

/** Rows whose values name their text: row for text i is [i, i, i]. */
function rows(indices: readonly number[]): Float32Array {
  return Float32Array.from(indices.flatMap((i) => [i, i, i]));
}

describe('PendingCall', () => {
  it('stitches rows that arrive in any order into the caller order, and resolves on the last', async () => {
    const c = call(['a', 'b', 'c', 'd'], 'index');
    c.fill([3, 1], rows([3, 1]));
    expect(c.isSettled).toBe(false);
    c.fill([0, 2], rows([0, 2]));
    expect(c.isSettled).toBe(true);
    expect(Array.from(await c.promise)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });

  it('settles once: a failure wins over later rows, later failures are ignored', async () => {
    const c = call(['a', 'b'], 'index');
    c.fail(new Error('first'));
    c.fail(new Error('second'));
    c.fill([0], rows([0]));
    await expect(c.promise).rejects.toThrow('first');
  });

  it('reports an abort with its reason, and stops listening once settled', async () => {
    const controller = new AbortController();
    const reasons: unknown[] = [];
    const c = call(['a'], 'query', controller.signal, (pending, reason) => {
      reasons.push(reason);
      pending.fail(reason);
    });
    controller.abort('stop');
    await expect(c.promise).rejects.toBe('stop');
    expect(reasons).toEqual(['stop']);

    const later = new AbortController();
    const done = call(['a'], 'query', later.signal, () => reasons.push('late'));
    done.fill([0], rows([0]));
    later.abort();
    await done.promise;
    expect(reasons).toEqual(['stop']);
  });
});

describe('jobsFor', () => {
  it('makes one request per planned batch, with its padded token cost', () => {
    const counts = [120, 30, 250, 64, 64];
    const batches = planBatches(counts, 512, 256);
    const c = call(['a', 'b', 'c', 'd', 'e'], 'index');
    const jobs = jobsFor(c, batches);
    expect(jobs.map((j) => j.indices)).toEqual(batches.map((b) => b.indices));
    expect(jobs.map((j) => j.paddedTokens)).toEqual(batches.map((b) => b.indices.length * b.seqLen));
    expect(jobs.every((j) => j.paddedTokens <= 512 && j.attempts === 0 && j.call === c)).toBe(true);
    expect(jobs.flatMap((j) => j.indices).sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('JobQueue', () => {
  it('hands out every query request before any index request, first in first out per lane', () => {
    const index = call(['i0', 'i1', 'i2'], 'index');
    const query = call(['q0', 'q1'], 'query');
    const queue = new JobQueue();
    queue.push(
      jobsFor(
        index,
        [0, 1, 2].map((i) => ({ indices: [i], seqLen: 8 })),
      ),
    );
    queue.push(
      jobsFor(
        query,
        [0, 1].map((i) => ({ indices: [i], seqLen: 8 })),
      ),
    );
    expect(queue.sizes).toEqual({ query: 2, index: 3 });
    const order: string[] = [];
    for (let job = queue.take(); job; job = queue.take()) order.push(job.call.texts[job.indices[0]!]!);
    expect(order).toEqual(['q0', 'q1', 'i0', 'i1', 'i2']);
    expect(queue.isEmpty).toBe(true);
  });

  it('puts a retried request back at the head of its lane', () => {
    const index = call(['i0', 'i1'], 'index');
    const queue = new JobQueue();
    queue.push(
      jobsFor(
        index,
        [0, 1].map((i) => ({ indices: [i], seqLen: 8 })),
      ),
    );
    const first = queue.take()!;
    queue.pushFront(first);
    expect(queue.take()).toBe(first);
  });

  it('removes the queued requests of one call and drains the rest', () => {
    const a = call(['a0', 'a1'], 'index');
    const b = call(['b0'], 'index');
    const q = call(['q0'], 'query');
    const queue = new JobQueue();
    queue.push(
      jobsFor(
        a,
        [0, 1].map((i) => ({ indices: [i], seqLen: 8 })),
      ),
    );
    queue.push(jobsFor(b, [{ indices: [0], seqLen: 8 }]));
    queue.push(jobsFor(q, [{ indices: [0], seqLen: 8 }]));
    expect(queue.removeCall(a)).toBe(2);
    expect(queue.removeCall(a)).toBe(0);
    expect(queue.drain().map((j) => j.call)).toEqual([q, b]);
    expect(queue.sizes).toEqual({ query: 0, index: 0 });
  });

  it('merges consecutive index requests of one call up to a budget, and nothing else', async () => {
    const a = call(['a0', 'a1', 'a2', 'a3'], 'index');
    const b = call(['b0'], 'index');
    const q = call(['q0'], 'query');
    const queue = new JobQueue();
    queue.push(
      jobsFor(
        a,
        [0, 1, 2, 3].map((i) => ({ indices: [i], seqLen: 128 })),
      ),
    );
    queue.push(jobsFor(b, [{ indices: [0], seqLen: 128 }]));
    // Without a budget (someone is searching), one planned request at a time.
    expect(queue.take()!.indices).toEqual([0]);
    queue.push(jobsFor(q, [{ indices: [0], seqLen: 8 }]));
    // Queries go first and are never merged.
    expect(queue.take(1024)!.call).toBe(q);
    // 256 padded tokens of budget: two of a's 128-token requests, not b's.
    const merged = queue.take(256)!;
    expect(merged).toMatchObject({ call: a, indices: [1, 2], paddedTokens: 256 });
    expect(queue.take(4096)!.indices).toEqual([3]);
    expect(queue.take(4096)!.call).toBe(b);
    // The merged request fills the rows it carries: the call resolves when all rows are in.
    a.fill([0], rows([0]));
    a.fill(merged.indices, rows(merged.indices));
    expect(a.isSettled).toBe(false);
    a.fill([3], rows([3]));
    expect(Array.from(await a.promise)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });

  it('never merges a request that is being retried', () => {
    const a = call(['a0', 'a1'], 'index');
    const queue = new JobQueue();
    queue.push(
      jobsFor(
        a,
        [0, 1].map((i) => ({ indices: [i], seqLen: 8 })),
      ),
    );
    const first = queue.take()!;
    first.attempts = 1;
    queue.pushFront(first);
    expect(queue.take(4096)).toBe(first);
  });
});
