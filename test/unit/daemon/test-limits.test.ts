import { describe, expect, it } from 'vitest';
import { TEST_LIMITS_ENV, testLimitsFromEnv } from '../../../src/daemon/test-limits.js';

const env = (value: unknown) => ({
  [TEST_LIMITS_ENV]: typeof value === 'string' ? value : JSON.stringify(value),
});

describe('RAGD_TEST_LIMITS: the back-offs a test gives a spawned daemon', () => {
  it('is absent unless set: the daemon keeps its defaults', () => {
    expect(testLimitsFromEnv({})).toBeUndefined();
    expect(testLimitsFromEnv({ [TEST_LIMITS_ENV]: '' })).toBeUndefined();
  });

  it('passes the watcher and queue overrides through', () => {
    const limits = {
      watcher: { restartDelaysMs: [1_000] },
      queue: { retryDelaysMs: [500, 500], parkMs: 2_000 },
    };
    expect(testLimitsFromEnv(env(limits))).toEqual(limits);
    expect(testLimitsFromEnv(env({ watcher: { restartDelaysMs: [300] } }))).toEqual({
      watcher: { restartDelaysMs: [300] },
      queue: undefined,
    });
  });

  it.each([
    ['not JSON', '{watcher:', /RAGD_TEST_LIMITS is not JSON/],
    ['not an object', '[1000]', /RAGD_TEST_LIMITS must be a JSON object/],
    ['an unknown section', { watch: {} }, /unknown key watch$/],
    ['an unknown limit', { watcher: { restartDelayMs: [1] } }, /unknown key watcher\.restartDelayMs/],
    [
      'a limit the watcher refuses',
      { watcher: { restartDelaysMs: [] } },
      /restartDelaysMs must list positive integers/,
    ],
    ['a limit the queue refuses', { queue: { parkMs: -1 } }, /queue limit parkMs must be a positive integer/],
  ])('refuses %s, naming the variable and how to clear it', (_what, value, message) => {
    let err: unknown;
    try {
      testLimitsFromEnv(env(value));
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(message) });
    expect((err as Error).message).toContain(TEST_LIMITS_ENV);
    expect((err as { fix: string }).fix).toContain(`unset ${TEST_LIMITS_ENV}`);
  });
});
