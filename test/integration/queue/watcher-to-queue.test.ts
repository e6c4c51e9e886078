import { writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { IndexQueue } from '../../../src/queue/index-queue.js';
import type { QueueLimits, RescanRequest } from '../../../src/queue/types.js';
import type { WatcherLimits } from '../../../src/watcher/types.js';
import { type Harness, WatcherTest } from '../watcher/helpers.js';

/**
 * The real chain the daemon wires: chokidar → Watcher (coalescing) → IndexQueue (better-queue)
 * → workers. The workers record what they are given; the rescan worker walks the folder as the
 * indexer's reconcile would, recording every file it finds.
 */
class Pipeline {
  readonly synced = new Map<string, number>();
  readonly walks: RescanRequest[] = [];
  readonly walked = new Set<string>();
  readonly queue: IndexQueue;

  constructor(h: Harness, limits: Partial<QueueLimits> = {}) {
    this.queue = new IndexQueue({
      logger: silentLogger(),
      limits: { batchDelayMs: 20, ...limits },
      sync: async (paths) => {
        for (const p of paths) this.synced.set(p, (this.synced.get(p) ?? 0) + 1);
      },
      rescan: async (request) => {
        this.walks.push(request);
        for (const p of await walk(request.within ?? h.root)) this.walked.add(p);
      },
    });
    h.watcher.on('changes', (paths) => this.queue.add(paths));
    h.watcher.on('rescan', (r) => this.queue.rescan(r.within, r.reason));
  }
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

let t: WatcherTest;
const queues: IndexQueue[] = [];
beforeEach(() => {
  t = new WatcherTest();
});
afterEach(async () => {
  await t.teardown();
  for (const q of queues.splice(0)) {
    await q.close();
    expect(q.stats()).toMatchObject({ state: 'closed', depth: 0, busy: false });
  }
});

async function storm(limits: Partial<WatcherLimits>) {
  const h = await t.make({ limits, before: { 'storm/.keep.md': '' } });
  const pipeline = new Pipeline(h);
  queues.push(pipeline.queue);
  const files: string[] = [];
  // Written synchronously, as a checkout does: chokidar sees them all at once.
  for (let i = 0; i < 5_000; i++) {
    const path = join(h.root, 'storm', `f${String(i).padStart(4, '0')}.md`);
    writeFileSync(path, `# ${i}\n`);
    files.push(path);
  }
  return { h, pipeline, files };
}

/** Waits until every file was handled (synced or walked), then for the queue to drain. */
async function settled(h: Harness, pipeline: Pipeline, files: string[]): Promise<void> {
  const covered = () => files.every((f) => pipeline.synced.has(f) || pipeline.walked.has(f));
  await h.events.until(
    () => h.events.paths.length >= files.length || h.events.rescans.length > 0,
    'the storm to leave the watcher',
    25_000,
  );
  // A walk may still be queued: drain until every file is covered.
  const deadline = performance.now() + 25_000;
  while (!covered()) {
    if (performance.now() > deadline) throw new Error('not every file was handled');
    await pipeline.queue.drain();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await pipeline.queue.drain();
}

describe('watcher → queue', () => {
  it('5,000 files created at once: every path is processed exactly once and the queue ends empty', async () => {
    const { h, pipeline, files } = await storm({});
    await settled(h, pipeline, files);
    expect(pipeline.walks).toEqual([]);
    expect(pipeline.synced.size).toBe(5_000);
    expect([...pipeline.synced.values()].every((n) => n === 1)).toBe(true);
    expect(pipeline.queue.stats()).toMatchObject({ depth: 0, busy: false, state: 'idle', processed: 5_000 });
  });

  it('the same storm past the watcher buffer arrives as a walk; nothing is processed twice by path', async () => {
    // A long debounce keeps the storm in the buffer, so it overflows however slowly it arrives.
    const { h, pipeline, files } = await storm({
      maxBufferedPaths: 500,
      debounceMs: 1_000,
      maxDelayMs: 3_000,
    });
    await settled(h, pipeline, files);
    // One walk, or one per maxDelayMs while a slow machine is still delivering the storm.
    expect(pipeline.walks.length).toBeGreaterThanOrEqual(1);
    for (const w of pipeline.walks) expect(w).toEqual({ within: h.root, reason: 'storm' });
    for (const f of files) expect(pipeline.synced.has(f) || pipeline.walked.has(f)).toBe(true);
    expect([...pipeline.synced.values()].every((n) => n === 1)).toBe(true);
    expect(pipeline.queue.stats()).toMatchObject({ depth: 0, busy: false, state: 'idle' });
  });
});
