import { describe, expect, it } from 'vitest';
import {
  OPTIMIZE_AFTER_COMMITS,
  OPTIMIZE_IDLE_MIN_COMMITS,
  OPTIMIZE_IDLE_MS,
  OPTIMIZE_MAX_DELAY_MS,
  OptimizePolicy,
} from '../../../src/store/optimize-policy.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('OptimizePolicy', () => {
  it('has nothing to do before any write', () => {
    const policy = new OptimizePolicy({}, clock().now);
    expect(policy.shouldOptimize()).toBe(false);
    expect(policy.msUntilDue()).toBeUndefined();
  });

  it('is due at once after a burst of commits, even while writes keep coming', () => {
    const c = clock();
    const policy = new OptimizePolicy({}, c.now);
    for (let i = 0; i < OPTIMIZE_AFTER_COMMITS / 2 - 1; i++) policy.noteWrite(2);
    expect(policy.shouldOptimize()).toBe(false);
    policy.noteWrite(2);
    expect(policy.shouldOptimize()).toBe(true);
    expect(policy.msUntilDue()).toBe(0);
  });

  it('after a pause, optimizes once enough commits piled up', () => {
    const c = clock();
    const policy = new OptimizePolicy({}, c.now);
    for (let i = 0; i < OPTIMIZE_IDLE_MIN_COMMITS / 2; i++) policy.noteWrite(2);
    expect(policy.msUntilDue()).toBe(OPTIMIZE_IDLE_MS);
    c.advance(OPTIMIZE_IDLE_MS - 1);
    expect(policy.shouldOptimize()).toBe(false);
    c.advance(1);
    expect(policy.shouldOptimize()).toBe(true);
  });

  it('does not rewrite the table after every lone save, but never lets a save wait past the max delay', () => {
    const c = clock();
    const policy = new OptimizePolicy({}, c.now);
    policy.noteWrite(2);
    c.advance(OPTIMIZE_IDLE_MS);
    expect(policy.shouldOptimize()).toBe(false);
    expect(policy.msUntilDue()).toBe(OPTIMIZE_MAX_DELAY_MS - OPTIMIZE_IDLE_MS);
    // A save now and then keeps the first one waiting, up to the max delay plus one idle period.
    c.advance(OPTIMIZE_MAX_DELAY_MS - OPTIMIZE_IDLE_MS - 5_000);
    policy.noteWrite(2);
    expect(policy.msUntilDue()).toBe(OPTIMIZE_IDLE_MS);
    c.advance(OPTIMIZE_IDLE_MS);
    expect(policy.shouldOptimize()).toBe(true);
  });

  it('counts writes made during an optimize toward the next one', () => {
    const c = clock();
    const policy = new OptimizePolicy({ afterCommits: 4 }, c.now);
    policy.noteWrite(4);
    expect(policy.shouldOptimize()).toBe(true);
    policy.noteOptimizing();
    policy.noteWrite(2);
    expect(policy.pendingCommits).toBe(2);
    expect(policy.shouldOptimize()).toBe(false);
    policy.noteWrite(0);
    expect(policy.pendingCommits).toBe(2);
  });
});
