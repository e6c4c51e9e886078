import { describe, expect, it } from 'vitest';
import { MIN_LANCE_CPU_THREADS, prepareLanceEnv } from '../../../src/store/lance-env.js';

describe('prepareLanceEnv', () => {
  it("raises LanceDB's CPU pool where its default (cores − 2, at least 1) is below the minimum", () => {
    for (const cores of [1, 2, 3, 4, 5]) {
      const env: NodeJS.ProcessEnv = {};
      expect(prepareLanceEnv(env, cores).LANCE_CPU_THREADS).toBe(String(MIN_LANCE_CPU_THREADS));
      expect(env.LANCE_CPU_THREADS).toBe(String(MIN_LANCE_CPU_THREADS));
    }
    const big: NodeJS.ProcessEnv = {};
    expect(prepareLanceEnv(big, 6).LANCE_CPU_THREADS).toBeUndefined();
    expect(big.LANCE_CPU_THREADS).toBeUndefined();
  });

  it("keeps the user's own values and quiets LanceDB's log only when unset", () => {
    const env: NodeJS.ProcessEnv = { LANCE_CPU_THREADS: '1', LANCEDB_LOG: 'debug' };
    expect(prepareLanceEnv(env, 2)).toEqual({});
    expect(env).toEqual({ LANCE_CPU_THREADS: '1', LANCEDB_LOG: 'debug' });
    const empty: NodeJS.ProcessEnv = { LANCEDB_LOG: '' };
    expect(prepareLanceEnv(empty, 16)).toEqual({ LANCEDB_LOG: 'error' });
  });
});
