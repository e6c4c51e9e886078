import { describe, expect, it } from 'vitest';
import { FailureLog, RateMeter } from '../../../src/queue/stats.js';

describe('RateMeter', () => {
  it('is 0 before anything was recorded', () => {
    expect(new RateMeter(60_000).perSecond(1_000)).toBe(0);
  });

  it('measures files per second over the window', () => {
    const rate = new RateMeter(60_000);
    // 10 files a second for two minutes: the window holds the last minute only.
    for (let t = 0; t <= 120_000; t += 100) rate.record(1, t);
    expect(rate.perSecond(120_000)).toBeCloseTo(10, 0);
  });

  it('measures a fresh burst from its start, not diluted by the idle minute before it', () => {
    const rate = new RateMeter(60_000);
    rate.record(5, 0);
    // Five minutes idle, then 100 files in 2 s.
    for (let t = 300_000; t <= 302_000; t += 100) rate.record(5, t);
    expect(rate.perSecond(302_000)).toBeGreaterThan(40);
    expect(rate.perSecond(302_000)).toBeLessThan(60);
  });

  it('falls to 0 once the window has passed without work', () => {
    const rate = new RateMeter(60_000);
    rate.record(100, 0);
    expect(rate.perSecond(30_000)).toBeGreaterThan(0);
    expect(rate.perSecond(61_000)).toBe(0);
  });

  it('does not report millions per second for a burst of a few milliseconds', () => {
    const rate = new RateMeter(60_000);
    rate.record(256, 10);
    expect(rate.perSecond(11)).toBe(256);
  });
});

describe('FailureLog', () => {
  it('keeps the newest first, one entry per path, bounded', () => {
    const log = new FailureLog(3);
    const fail = (path: string, atMs: number) => ({ path, code: 'E_STORE', message: 'm', atMs, attempts: 4 });
    log.record(fail('/a', 1));
    log.record(fail('/b', 2));
    log.record(fail('/a', 3));
    expect(log.list().map((f) => [f.path, f.atMs])).toEqual([
      ['/a', 3],
      ['/b', 2],
    ]);
    log.record(fail('/c', 4));
    log.record(fail('/d', 5));
    expect(log.list().map((f) => f.path)).toEqual(['/d', '/c', '/a']);
  });
});
