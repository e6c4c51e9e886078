import { describe, expect, it } from 'vitest';
import { type CoalesceLimits, Coalescer } from '../../../src/watcher/coalesce.js';
import { DEFAULT_WATCHER_LIMITS } from '../../../src/watcher/limits.js';

const ROOT = '/src';
const LIMITS: CoalesceLimits = {
  debounceMs: 200,
  maxDelayMs: 2_000,
  maxBufferedPaths: 1_000,
  maxFolderRescans: 8,
  batchPaths: 500,
};

function make(limits: Partial<CoalesceLimits> = {}) {
  return new Coalescer(ROOT, { ...LIMITS, ...limits });
}

describe('Coalescer: time', () => {
  it('keeps a path until debounceMs after its last event, and reports it once', () => {
    const c = make();
    expect(c.notePath('/src/a.md', 0)).toBe('added');
    expect(c.notePath('/src/a.md', 100)).toBe('merged');
    expect(c.take(299)).toEqual({ rescans: [], paths: [], nextMs: 300 });
    expect(c.take(300)).toEqual({ rescans: [], paths: ['/src/a.md'], nextMs: undefined });
    expect(c.take(10_000)).toEqual({ rescans: [], paths: [], nextMs: undefined });
    expect(c.size).toBe(0);
  });

  it('reports a path that never goes quiet every maxDelayMs, not never', () => {
    const c = make();
    const reports: number[] = [];
    // Rewritten every 100 ms for 10 s, taken whenever something is due.
    for (let t = 0; t <= 10_000; t += 100) {
      c.notePath('/src/busy.log', t);
      const { paths } = c.take(t);
      if (paths.length) reports.push(t);
    }
    const { paths, nextMs } = c.take(100_000);
    if (paths.length) reports.push(nextMs ?? 100_000);
    expect(reports.length).toBeGreaterThanOrEqual(5);
    expect(reports.length).toBeLessThanOrEqual(6);
    // Never more often than maxDelayMs.
    for (let i = 1; i < reports.length - 1; i++)
      expect(reports[i]! - reports[i - 1]!).toBeGreaterThanOrEqual(LIMITS.maxDelayMs);
  });

  it('says when to look next: the earliest due time of what is still pending', () => {
    const c = make();
    c.notePath('/src/a.md', 0);
    c.notePath('/src/b.md', 50);
    expect(c.take(100).nextMs).toBe(200);
    expect(c.take(200)).toEqual({ rescans: [], paths: ['/src/a.md'], nextMs: 250 });
    expect(c.take(250).paths).toEqual(['/src/b.md']);
  });

  it('hands out at most batchPaths per take, oldest first, and asks to be called again at once', () => {
    const c = make({ batchPaths: 3 });
    for (let i = 0; i < 7; i++) c.notePath(`/src/f${i}.md`, i);
    expect(c.take(1_000)).toEqual({
      rescans: [],
      paths: ['/src/f0.md', '/src/f1.md', '/src/f2.md'],
      nextMs: 1_000,
    });
    expect(c.take(1_000).paths).toEqual(['/src/f3.md', '/src/f4.md', '/src/f5.md']);
    expect(c.take(1_000)).toEqual({ rescans: [], paths: ['/src/f6.md'], nextMs: undefined });
  });

  it('the defaults match the watcher limits', () => {
    const c = new Coalescer(ROOT, DEFAULT_WATCHER_LIMITS);
    c.notePath('/src/a.md', 0);
    expect(c.take(0).nextMs).toBe(DEFAULT_WATCHER_LIMITS.debounceMs);
  });
});

describe('Coalescer: folders', () => {
  it('reports a folder walk with its reason, outermost only, and drops paths it covers', () => {
    const c = make();
    c.notePath('/src/a/x.md', 0);
    c.notePath('/src/other.md', 0);
    c.noteFolder('/src/a/b', 'folder-added', 0);
    c.noteFolder('/src/a', 'folder-removed', 10);
    expect(c.take(1_000)).toEqual({
      rescans: [{ within: '/src/a', reason: 'folder-removed' }],
      paths: ['/src/other.md'],
      nextMs: undefined,
    });
  });

  it('does not confuse a sibling with a common prefix for a parent', () => {
    const c = make();
    c.noteFolder('/src/a', 'folder-added', 0);
    c.noteFolder('/src/a-b', 'folder-added', 0);
    c.noteFolder('/src/a-b/c', 'folder-added', 0);
    c.notePath('/src/a-b.md', 0);
    const flush = c.take(1_000);
    expect(flush.rescans.map((r) => r.within).sort()).toEqual(['/src/a', '/src/a-b']);
    expect(flush.paths).toEqual(['/src/a-b.md']);
  });

  it('absorbs events below a pending folder into its walk, which waits for them to settle', () => {
    const c = make();
    c.noteFolder('/src/new', 'folder-added', 0);
    expect(c.notePath('/src/new/a.md', 150)).toBe('absorbed');
    expect(c.noteFolder('/src/new/deep', 'folder-added', 160)).toBe('absorbed');
    expect(c.take(300).rescans).toEqual([]);
    expect(c.take(360)).toEqual({
      rescans: [{ within: '/src/new', reason: 'folder-added' }],
      paths: [],
      nextMs: undefined,
    });
  });

  it('too many folders at once become one walk of the source', () => {
    const c = make({ maxFolderRescans: 3 });
    for (let i = 0; i < 3; i++) expect(c.noteFolder(`/src/d${i}`, 'folder-added', i)).toBe('added');
    expect(c.noteFolder('/src/d3', 'folder-added', 3)).toBe('overflowed');
    expect(c.take(1_000).rescans).toEqual([{ within: ROOT, reason: 'storm' }]);
  });
});

describe('Coalescer: storms', () => {
  it('past maxBufferedPaths drops the detail for one walk of the source, and stays bounded', () => {
    const c = make({ maxBufferedPaths: 100 });
    for (let i = 0; i < 100; i++) expect(c.notePath(`/src/f${i}.md`, i)).toBe('added');
    expect(c.size).toBe(100);
    expect(c.notePath('/src/f100.md', 100)).toBe('overflowed');
    expect(c.isStorm).toBe(true);
    for (let i = 101; i < 100_000; i++) expect(c.notePath(`/src/f${i}.md`, 100 + i * 0.018)).toBe('absorbed');
    expect(c.size).toBe(1);
    // Still storming at 1.9 s; the storm keeps the oldest event's deadline: nothing waits past maxDelayMs.
    expect(c.take(500).nextMs).toBe(LIMITS.maxDelayMs);
    expect(c.take(LIMITS.maxDelayMs)).toEqual({
      rescans: [{ within: ROOT, reason: 'storm' }],
      paths: [],
      nextMs: undefined,
    });
    // After the walk was handed out, events are kept path by path again.
    expect(c.notePath('/src/after.md', 3_000)).toBe('added');
    expect(c.isStorm).toBe(false);
  });

  it('a storm that quiets is due one debounce after its last event', () => {
    const c = make({ maxBufferedPaths: 1 });
    c.notePath('/src/a.md', 0);
    c.notePath('/src/b.md', 10);
    c.notePath('/src/c.md', 20);
    expect(c.take(219).rescans).toEqual([]);
    expect(c.take(220).rescans).toEqual([{ within: ROOT, reason: 'storm' }]);
  });

  it('clear() drops everything', () => {
    const c = make({ maxBufferedPaths: 1 });
    c.notePath('/src/a.md', 0);
    c.notePath('/src/b.md', 0);
    c.clear();
    expect(c.size).toBe(0);
    expect(c.take(10_000)).toEqual({ rescans: [], paths: [], nextMs: undefined });
  });
});
