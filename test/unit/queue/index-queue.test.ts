import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RagError } from '../../../src/errors.js';
import { CodedError, elapse, eventually, FAST, paths, QueueTest, Work } from './helpers.js';

let t: QueueTest;
beforeEach(() => {
  t = new QueueTest();
});
afterEach(async () => {
  await t.teardown();
});

describe('IndexQueue: one entry per path, in batches', () => {
  it('hands each path to the worker once, however often it was added, in batches of batchPaths', async () => {
    const work = new Work();
    const queue = t.make(work);
    const all = paths(300);
    for (let round = 0; round < 5; round++) queue.add(all);
    await queue.drain();
    expect(work.calls.flatMap((c) => c.paths).sort()).toEqual([...all].sort());
    expect(Math.max(...work.calls.map((c) => c.paths.length))).toBeLessThanOrEqual(FAST.batchPaths!);
    expect(queue.stats()).toMatchObject({ state: 'idle', depth: 0, busy: false, processed: 300 });
  });

  it('a path added again while its batch runs is looked at again afterwards', async () => {
    const work = new Work();
    let release!: () => void;
    work.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queue = t.make(work);
    queue.add(['/src/a.md']);
    await work.until(() => work.calls.length === 1, 'the first call');
    queue.add(['/src/a.md']);
    expect(queue.stats().depth).toBe(2); // one in flight, one waiting
    work.hold = undefined;
    release();
    await queue.drain();
    expect(work.count('/src/a.md')).toBe(2);
  });

  it('a path added with force is read again whatever its stat says, even beside a walk of its folder', async () => {
    const work = new Work();
    const queue = t.make(work);
    queue.add(['/src/a.md', '/src/b.md']);
    queue.add(['/src/b.md'], { force: true });
    await queue.drain();
    expect(work.calls.map((c) => c.forced)).toEqual([['/src/b.md']]);
    // Once read, the force is spent.
    queue.add(['/src/b.md']);
    await queue.drain();
    expect(work.calls.at(-1)!.forced).toEqual([]);
    // A walk of its folder in the same batch goes by the stat: the forced path is synced too.
    queue.pause();
    queue.add(['/src/c.md'], { force: true });
    queue.rescan('/src');
    const drained = queue.drain();
    queue.resume();
    await drained;
    expect(work.calls.at(-1)).toMatchObject({ paths: ['/src/c.md'], forced: ['/src/c.md'] });
    expect(work.rescans.map((r) => r.request.within)).toEqual(['/src']);
  });

  it('drain() resolves at once when idle', async () => {
    const queue = t.make(new Work());
    await queue.drain();
    expect(queue.stats().state).toBe('idle');
  });
});

describe('IndexQueue: failures', () => {
  it('retries a failed batch with back-off: throws twice, then succeeds', async () => {
    const work = new Work();
    work.failWith = (_, call) => (call <= 2 ? new CodedError('E_STORE', 'commit conflict') : undefined);
    const queue = t.make(work, { batchPaths: 2 });
    queue.add(['/src/a.md']);
    await queue.drain();
    expect(work.calls).toHaveLength(3);
    const [first, second, third] = work.calls.map((c) => c.atMs);
    const [d1, d2] = FAST.retryDelaysMs!;
    expect(second! - first!).toBeGreaterThanOrEqual(d1! - 2);
    expect(third! - second!).toBeGreaterThanOrEqual(d2! - 2);
    expect(queue.stats()).toMatchObject({ lastErrors: [], processed: 1, retrying: 0, parked: 0 });
  });

  it('finds the one bad path of a batch; the others are indexed at once; the bad one is listed after its retries and tried again later', async () => {
    const work = new Work();
    const bad = '/src/f5.md';
    work.failWith = (batch) =>
      batch.includes(bad) ? new CodedError('E_EMBED', `model crashed on ${bad}`) : undefined;
    const queue = t.make(work, { batchPaths: 16 });
    const all = paths(16);
    queue.add(all);
    await work.until(
      () => all.filter((p) => p !== bad).every((p) => work.count(p) >= 1 && !failedOnly(p)),
      'the good paths',
    );
    function failedOnly(path: string): boolean {
      return work.calls.filter((c) => c.paths.includes(path)).every((c) => c.paths.includes(bad));
    }
    // Bisection: 1 call for the batch, then 2 per level down to the bad path (log2 16 = 4 levels).
    expect(work.calls.length).toBeLessThanOrEqual(1 + 2 * 4);
    await queue.drain(); // back-off retries done; the bad path is parked now
    const stats = queue.stats();
    expect(stats.lastErrors).toEqual([
      expect.objectContaining({
        path: bad,
        code: 'E_EMBED',
        message: `model crashed on ${bad}`,
        attempts: 4,
      }),
    ]);
    expect(stats.parked).toBe(1);
    expect(stats.processed).toBe(15);
    // The retries (1 + 3) gave the bad path to the worker alone.
    expect(work.calls.filter((c) => c.paths.length === 1 && c.paths[0] === bad)).toHaveLength(4);
    // After parkMs it is tried again; once its cause is gone, it is indexed and leaves the parked set.
    work.failWith = () => undefined;
    const before = work.count(bad);
    await work.until(() => work.count(bad) > before, 'the parked retry', 5_000);
    await queue.drain();
    expect(queue.stats()).toMatchObject({ parked: 0, processed: 16 });
  });

  it('a parked path that changes again is tried at once, not after parkMs', async () => {
    const work = new Work();
    work.failWith = () => new CodedError('EACCES', 'permission denied');
    const queue = t.make(work, { parkMs: 600_000 });
    queue.add(['/src/locked.md']);
    await queue.drain();
    expect(queue.stats().parked).toBe(1);
    work.failWith = () => undefined;
    queue.add(['/src/locked.md']);
    await queue.drain();
    expect(queue.stats()).toMatchObject({ parked: 0, processed: 1 });
    // The failure stays listed: it happened, and status shows recent history.
    expect(queue.stats().lastErrors.map((e) => e.code)).toEqual(['EACCES']);
  });

  it('a failure of every call (store down) is not split path by path: the group backs off as one', async () => {
    const work = new Work();
    work.failWith = () => new RagError('E_STORE', 'disk full');
    const queue = t.make(work);
    queue.add(paths(40));
    await queue.drain();
    // Per try: the batch, then its two halves; 4 tries. Not 40 single calls per try.
    expect(work.calls).toHaveLength(3 * 4);
    const stats = queue.stats();
    expect(stats.parked).toBe(40);
    expect(stats.lastErrors).toHaveLength(40);
    expect(stats.lastErrors[0]).toMatchObject({ code: 'E_STORE', message: 'disk full', attempts: 4 });
  });

  it('a failed rescan is retried with back-off too', async () => {
    const work = new Work();
    let fails = 2;
    const rescan = work.rescan;
    const queue = t.make(
      Object.assign(work, {
        rescan: async (...args: Parameters<typeof rescan>) => {
          await rescan(...args);
          if (fails-- > 0) throw new CodedError('E_STORE', 'busy');
        },
      }),
    );
    queue.rescan('/src/sub', 'folder-added');
    await queue.drain();
    expect(work.rescans.map((r) => r.request)).toEqual(
      Array(3).fill({ within: '/src/sub', reason: 'folder-added' }),
    );
  });
});

describe('IndexQueue: pause, resume, close', () => {
  it('while paused nothing is processed and events still merge; resume processes each once', async () => {
    const work = new Work();
    const queue = t.make(work);
    queue.pause();
    expect(queue.paused).toBe(true);
    for (let i = 0; i < 10; i++) queue.add(paths(100));
    // Ten batch delays pass: nothing may run.
    await elapse(10 * FAST.batchDelayMs!);
    expect(work.calls).toEqual([]);
    expect(queue.stats()).toMatchObject({ state: 'paused', depth: 100 });
    const drained = queue.drain();
    queue.resume();
    await drained;
    expect(work.calls.flatMap((c) => c.paths)).toHaveLength(100);
    expect(queue.stats().state).toBe('idle');
  });

  it('close() mid-batch aborts the worker through its signal and waits for it; nothing is retried or listed', async () => {
    const work = new Work();
    work.hold = new Promise<void>(() => {}); // never released: only the abort ends it
    const queue = t.make(work);
    queue.add(paths(10));
    await work.until(() => work.calls.length === 1, 'the batch to start');
    const waiting = queue.drain();
    const closing = queue.close();
    expect(queue.close()).toBe(closing);
    await closing;
    await expect(waiting).rejects.toMatchObject({ code: 'E_ABORTED' });
    const [signal] = work.signals;
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toMatchObject({ code: 'E_ABORTED' });
    expect(work.calls).toHaveLength(1);
    expect(queue.stats()).toMatchObject({
      state: 'closed',
      lastErrors: [],
      retrying: 0,
      parked: 0,
      processed: 0,
    });
    // Closed: new work is ignored, drain() says why.
    queue.add(['/src/late.md']);
    await expect(queue.drain()).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(work.calls).toHaveLength(1);
  });

  it('pause() stops the batch in flight through its signal; resume runs its paths again', async () => {
    const work = new Work();
    work.hold = new Promise<void>(() => {}); // a big file's embedding: only the abort ends it
    const queue = t.make(work);
    queue.add(['/src/big.txt', '/src/a.md']);
    await work.until(() => work.calls.length === 1, 'the batch to start');
    queue.pause();
    await eventually(() => !queue.stats().busy, 'the batch to stop');
    expect(work.signals[0]!.aborted).toBe(true);
    expect(work.signals[0]!.reason).toMatchObject({ code: 'E_ABORTED' });
    // Waiting, not lost, and nothing ran while paused.
    await elapse(5 * FAST.batchDelayMs!);
    expect(work.calls).toHaveLength(1);
    expect(queue.stats()).toMatchObject({ state: 'paused', depth: 2, lastErrors: [], retrying: 0 });
    work.hold = undefined;
    const drained = queue.drain();
    queue.resume();
    await drained;
    expect(work.calls.map((c) => [...c.paths].sort())).toEqual([
      ['/src/a.md', '/src/big.txt'],
      ['/src/a.md', '/src/big.txt'],
    ]);
  });

  it('a file deleted while its batch runs stops that batch, which runs again at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-'));
    const big = join(dir, 'big.txt');
    writeFileSync(big, 'x');
    try {
      const work = new Work();
      work.hold = new Promise<void>(() => {});
      const queue = t.make(work);
      queue.add([big]);
      await work.until(() => work.calls.length === 1, 'the batch to start');
      // An edit does not stop it (a file saved every few seconds would never finish).
      queue.add([big]);
      await elapse(5 * FAST.batchDelayMs!);
      expect(work.signals[0]!.aborted).toBe(false);
      rmSync(big);
      work.hold = undefined;
      queue.add([big]);
      await queue.drain();
      expect(work.signals[0]!.aborted).toBe(true);
      expect(work.count(big)).toBe(2);
      expect(queue.stats()).toMatchObject({ state: 'idle', lastErrors: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a path changed while long work runs goes first, in a batch of its own; the long work runs again after it', async () => {
    const work = new Work();
    let release!: () => void;
    work.hold = new Promise<void>((resolve) => (release = resolve)); // a first walk, a big file's embedding
    work.holds = (paths) => paths.includes('/src/big.txt');
    const queue = t.make(work, { yieldAfterMs: 50, yieldEveryMs: 60_000 });
    queue.add(['/src/big.txt', '/src/b.md']);
    await work.until(() => work.calls.length === 1, 'the long batch to start');
    await elapse(80);
    queue.add(['/src/note.md']);
    await work.until(() => work.calls.length === 2, 'the note to run');
    expect(work.signals[0]!.aborted).toBe(true);
    expect(work.signals[0]!.reason).toMatchObject({ code: 'E_ABORTED' });
    await work.until(() => work.calls.length === 3, 'the long batch to run again');
    expect(work.signals[2]!.aborted).toBe(false);
    release();
    await queue.drain();
    expect(work.calls.map((c) => [...c.paths].sort())).toEqual([
      ['/src/b.md', '/src/big.txt'],
      ['/src/note.md'],
      ['/src/b.md', '/src/big.txt'],
    ]);
    expect(queue.stats()).toMatchObject({ state: 'idle', depth: 0, lastErrors: [] });
  });

  it('a change that comes too soon waits until the long work may stop; stopped before, it runs yieldEveryMs, then twice that', async () => {
    const work = new Work();
    let release!: () => void;
    work.hold = new Promise<void>((resolve) => (release = resolve));
    work.holds = (paths) => paths.includes('/src/big.txt');
    const queue = t.make(work, { yieldAfterMs: 100, yieldEveryMs: 400 });
    queue.add(['/src/big.txt']);
    await work.until(() => work.calls.length === 1, 'the long batch to start');
    // Too soon to stop it (a batch of a few files is let finish), but looked at again at 100 ms.
    queue.add(['/src/early.md']);
    await elapse(5 * FAST.batchDelayMs!);
    expect(work.signals[0]!.aborted).toBe(false);
    await work.until(() => work.calls.length === 3, 'the early path, then the long batch again');
    expect(work.signals[0]!.aborted).toBe(true);
    expect(work.calls[1]!.atMs - work.calls[0]!.atMs).toBeGreaterThanOrEqual(90);
    // Its second run may not be stopped before yieldEveryMs: a re-read of a big file must get on.
    await elapse(150);
    queue.add(['/src/third.md']);
    await elapse(5 * FAST.batchDelayMs!);
    expect(work.signals[2]!.aborted).toBe(false);
    expect(queue.stats().depth).toBe(2);
    await work.until(() => work.calls.length === 5, 'the third path, then the long batch a third time');
    expect(work.signals[2]!.aborted).toBe(true);
    expect(work.calls[3]!.atMs - work.calls[2]!.atMs).toBeGreaterThanOrEqual(390);
    // Its third run: not before twice yieldEveryMs; it finishes first.
    queue.add(['/src/fifth.md']);
    await elapse(100);
    expect(work.signals[4]!.aborted).toBe(false);
    release();
    await queue.drain();
    expect(work.signals[4]!.aborted).toBe(false);
    expect(work.calls.map((c) => [...c.paths].sort())).toEqual([
      ['/src/big.txt'],
      ['/src/early.md'],
      ['/src/big.txt'],
      ['/src/third.md'],
      ['/src/big.txt'],
      ['/src/fifth.md'],
    ]);
  });

  it('close() cancels pending back-off and park timers', async () => {
    const work = new Work();
    work.failWith = () => new CodedError('E_STORE', 'x');
    const queue = t.make(work, { retryDelaysMs: [60_000] });
    queue.add(['/src/a.md']);
    await work.until(() => work.calls.length === 1, 'one call');
    await eventually(() => queue.stats().retrying === 1, 'the retry to be scheduled');
    await queue.close();
    expect(queue.stats().retrying).toBe(0);
  });
});

describe('IndexQueue: back-pressure and rescans', () => {
  it('past the high-water mark, new paths collapse into one walk of everything; memory stays flat', async () => {
    const work = new Work();
    const queue = t.make(work, { highWaterPaths: 50 });
    queue.pause();
    const all = paths(5_000);
    queue.add(all);
    let stats = queue.stats();
    expect(stats.depth).toBe(50 + 1); // 50 paths and one walk
    expect(stats.rescansQueued).toBe(1);
    expect(stats.collapsed).toBe(4_950);
    // Further storms add nothing while the walk is waiting.
    queue.add(paths(5_000, '/other'));
    expect(queue.stats().depth).toBe(51);
    queue.resume();
    await queue.drain();
    expect(work.rescans.map((r) => r.request)).toEqual([{ reason: 'queue-full' }]);
    // Each path given to the worker at most once; all of them covered by the paths or the walk.
    const synced = work.calls.flatMap((c) => c.paths);
    expect(new Set(synced).size).toBe(synced.length);
    expect(synced.length).toBeLessThanOrEqual(50);
    stats = queue.stats();
    expect(stats).toMatchObject({ depth: 0, state: 'idle' });
    // Once the walk has started, paths are queued one by one again.
    queue.add(['/src/after.md']);
    await queue.drain();
    expect(work.count('/src/after.md')).toBe(1);
  });

  it('rescans merge per folder; the outermost walk covers inner ones and the paths below it', async () => {
    const work = new Work();
    const queue = t.make(work);
    queue.pause();
    queue.rescan('/src/a/b', 'folder-added');
    queue.rescan('/src/a', 'folder-removed');
    queue.rescan('/src/a', 'ignore-file-changed');
    queue.rescan('/src/c', 'folder-added');
    queue.add(['/src/a/b/x.md', '/src/z.md']);
    expect(queue.stats().rescansQueued).toBe(3);
    queue.resume();
    await queue.drain();
    expect(work.rescans.map((r) => r.request.within).sort()).toEqual(['/src/a', '/src/c']);
    expect(work.calls.flatMap((c) => c.paths)).toEqual(['/src/z.md']);
    // The path outside the walks went first: a walk can be minutes of a folder's first index.
    expect(work.calls[0]!.atMs).toBeLessThanOrEqual(Math.min(...work.rescans.map((r) => r.atMs)));
  });

  it('a walk of everything absorbs folder walks requested while it waits', async () => {
    const work = new Work();
    const queue = t.make(work);
    queue.pause();
    queue.rescan();
    queue.rescan('/src/a');
    queue.resume();
    await queue.drain();
    expect(work.rescans.map((r) => r.request)).toEqual([{ reason: 'requested' }]);
  });

  it('reports a rate and an ETA while work waits', async () => {
    const work = new Work();
    let release!: () => void;
    const queue = t.make(work, { batchPaths: 10 });
    queue.add(paths(10));
    await queue.drain();
    expect(queue.stats().rate).toBeGreaterThan(0);
    expect(queue.stats().etaSeconds).toBeNull();
    work.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    queue.add(paths(30, '/more'));
    await work.until(() => work.calls.length === 2, 'the next batch');
    const stats = queue.stats();
    expect(stats).toMatchObject({ busy: true, depth: 30 });
    expect(stats.etaSeconds).toBeGreaterThan(0);
    work.hold = undefined;
    release();
    await queue.drain();
  });
});
