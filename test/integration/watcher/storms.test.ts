import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_WATCHER_LIMITS } from '../../../src/watcher/limits.js';
import { WatcherTest } from './helpers.js';

let t: WatcherTest;
beforeEach(() => {
  t = new WatcherTest();
});
afterEach(async () => {
  await t.teardown();
});

/** Resolves after `ms`; used only to pace writes, never to wait for the watcher. */
const pace = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Watcher: busy files and storms', () => {
  it('a file rewritten every 100 ms for 3 s arrives a bounded number of times, not 30', async () => {
    const { debounceMs, maxDelayMs } = DEFAULT_WATCHER_LIMITS;
    const h = await t.make({ limits: { debounceMs, maxDelayMs }, before: { 'busy.log.md': 'start' } });
    const busy = h.abs('busy.log.md');
    const startedMs = Date.now();
    for (let i = 0; Date.now() - startedMs < 3_000; i++) {
      await writeFile(busy, `line ${i}\n`);
      await pace(100);
    }
    // After the last write: its batch comes one debounce later.
    await h.events.until(() => h.events.count(busy) >= 1, 'the busy file');
    const sentinel = await h.write('sentinel.md');
    await h.events.arrived([sentinel]);
    const times = h.events.count(busy);
    // One report per `maxDelayMs` while it keeps changing, plus one when it settles.
    expect(times).toBeGreaterThanOrEqual(2);
    expect(times).toBeLessThanOrEqual(Math.ceil(3_000 / maxDelayMs) + 2);
  });

  it('5,000 files created at once arrive as paths, each once, in batches of at most 500', async () => {
    const h = await t.make({ before: { 'storm/.keep.md': '' } });
    const paths: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const path = join(h.root, 'storm', `f${String(i).padStart(4, '0')}.md`);
      writeFileSync(path, `# ${i}\n`);
      paths.push(path);
    }
    await h.events.until(() => h.events.paths.length >= 5_000, '5,000 paths', 25_000);
    expect(new Set(h.events.paths).size).toBe(5_000);
    expect(h.events.paths.sort()).toEqual(paths.sort());
    expect(Math.max(...h.events.batches.map((b) => b.length))).toBeLessThanOrEqual(500);
    expect(h.events.rescans).toEqual([]);
  });

  it('a storm larger than the buffer becomes a walk of the source, and the buffer stays bounded', async () => {
    const maxBufferedPaths = 100;
    // A long debounce keeps the storm in the buffer, so it overflows however slowly the machine
    // delivers it; the walk comes at most once per maxDelayMs while the storm lasts.
    const h = await t.make({
      limits: { maxBufferedPaths, debounceMs: 1_000, maxDelayMs: 3_000 },
      before: { 'storm/.keep.md': '' },
    });
    const buffered: number[] = [];
    const sample = () => buffered.push(h.watcher.status()[0]!.buffered);
    h.watcher.on('changes', sample);
    h.watcher.on('rescan', sample);
    const files: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      files.push(join(h.root, 'storm', `f${i}.md`));
      writeFileSync(files[i]!, `# ${i}\n`);
    }
    await h.events.until(() => h.events.rescans.length > 0, 'a rescan of the source', 25_000);
    // Once the storm is over, a new file arrives as a path again, or its event is covered by
    // a walk requested after it was written.
    const rescansBefore = h.events.rescans.length;
    const sentinel = await h.write('sentinel.md');
    await h.events.until(
      () => h.events.paths.includes(sentinel) || h.events.rescans.length > rescansBefore,
      'the sentinel, as a path or covered by a walk',
      25_000,
    );
    expect(h.events.rescans.length).toBeGreaterThanOrEqual(1);
    for (const r of h.events.rescans) expect(r).toEqual({ within: h.root, reason: 'storm' });
    // Per-path detail was dropped, not delivered as well: no path twice, most not at all.
    expect(new Set(h.events.paths).size).toBe(h.events.paths.length);
    expect(h.events.paths.filter((p) => files.includes(p)).length).toBeLessThan(files.length);
    expect(Math.max(...buffered)).toBeLessThanOrEqual(maxBufferedPaths);
  });
});
