import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIN_LANCE_CPU_THREADS } from '../../../src/store/lance-env.js';
import { tempDir } from './fixtures.js';

/**
 * LanceDB's CPU pool defaults to cores − 2 threads, at least one; folding tens of megabytes of
 * new text into the full-text index waits on that pool for work it queued there itself, so
 * with one thread (this 2-core CI machine, any laptop of ≤3 cores) optimize() never returns.
 * The child (test/fixtures/store/fold-text.mjs, the real store from dist/) commits 40,000 chunks
 * of 200 words and optimizes; it runs in its own process so that a hang ends in a kill here
 * rather than a stuck test worker. With LANCE_CPU_THREADS=1 the same child hangs (checked by
 * hand: `LANCE_CPU_THREADS=1 node test/fixtures/store/fold-text.mjs <dir> 40000`).
 */
const CHILD = fileURLToPath(new URL('../../fixtures/store/fold-text.mjs', import.meta.url));
const ROWS = 40_000;
/** Ends the wait for a hung child; it takes ~4 s here when it works. */
const HANG_MS = 90_000;

describe("LanceDB's CPU pool", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  it(
    'optimize() folds 40,000 new chunks into the full-text index and returns, on any core count',
    async () => {
      // The variables as a user's shell has them: whatever this test process was given is gone.
      const env = { ...process.env };
      delete env.LANCE_CPU_THREADS;
      delete env.LANCEDB_LOG;
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [CHILD, dir, String(ROWS)], {
        env,
        timeout: HANG_MS,
        killSignal: 'SIGKILL',
      }).catch((err: { killed?: boolean; stderr?: string }) => {
        throw new Error(
          err.killed
            ? `optimize() did not return within ${HANG_MS} ms (LanceDB's CPU pool is starved)`
            : `the child failed: ${err.stderr ?? String(err)}`,
        );
      });
      const result = JSON.parse(stdout) as { rows: number; ms: number; found: number; cpuThreads?: string };
      expect(result.rows).toBe(ROWS);
      expect(result.found).toBe(5);
      // Raised only where LanceDB's own default would be smaller.
      const lanceDefault = Math.max(1, availableParallelism() - 2);
      expect(result.cpuThreads).toBe(
        lanceDefault < MIN_LANCE_CPU_THREADS ? String(MIN_LANCE_CPU_THREADS) : undefined,
      );
      // Nothing went wrong on the way: no warning or error from the store or LanceDB.
      expect(stderr).toBe('');
    },
    HANG_MS + 30_000,
  );
});
