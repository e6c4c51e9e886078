import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKER_LIMITS, resolveWorkerLimits } from '../../../src/embed/worker/limits.js';
import { RestartPolicy } from '../../../src/embed/worker/restart-policy.js';

describe('the embed worker restart policy', () => {
  it('backs off longer with each death in a row, up to backoffMaxMs', () => {
    const policy = new RestartPolicy(
      resolveWorkerLimits({ backoffInitialMs: 100, backoffMaxMs: 350, maxStartFailures: 99 }),
    );
    const delays = [1, 2, 3, 4].map(() => {
      policy.started();
      policy.ready();
      return policy.died();
    });
    expect(delays).toEqual([
      { kind: 'restart', failures: 1, delayMs: 100 },
      { kind: 'restart', failures: 2, delayMs: 200 },
      { kind: 'restart', failures: 3, delayMs: 350 },
      { kind: 'restart', failures: 4, delayMs: 350 },
    ]);
  });

  it('starts the back-off over after a process ran healthyResetMs', () => {
    // Any run counts as healthy (resolveWorkerLimits takes 1 ms at the least; 0 needs no clock).
    const policy = new RestartPolicy({ ...DEFAULT_WORKER_LIMITS, backoffInitialMs: 100, healthyResetMs: 0 });
    for (let i = 0; i < 3; i++) {
      policy.started();
      policy.ready();
      expect(policy.died()).toEqual({ kind: 'restart', failures: 1, delayMs: 100 });
    }
  });

  it('gives up after maxStartFailures deaths before ready, and counts again once revived or ready', () => {
    const policy = new RestartPolicy(resolveWorkerLimits({ maxStartFailures: 2 }));
    policy.started();
    expect(policy.died()).toMatchObject({ kind: 'restart' });
    policy.started();
    expect(policy.died()).toEqual({ kind: 'give-up', startFailures: 2 });

    policy.revive();
    policy.started();
    expect(policy.died()).toMatchObject({ kind: 'restart' });
    policy.started();
    policy.ready(); // A load that succeeded: deaths before it no longer count.
    policy.started();
    expect(policy.died()).toMatchObject({ kind: 'restart' });
  });
});
