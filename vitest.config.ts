import { defineConfig } from 'vitest/config';

/**
 * `.ci/run` sets this to a file path: the run also writes vitest's JSON report there, which
 * `scripts/check-test-report.mjs` reads to fail CI when a test that must run on Linux was skipped.
 * `npm test` on its own keeps the default reporter only.
 */
const REPORT_FILE = process.env.RAGCTL_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real model and real daemons are slow to start on 2 cores; files run in separate
    // forks so one crashing native module cannot take the whole run down.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Without it, vitest's own choice of reporters stands.
    ...(REPORT_FILE ? { reporters: ['default', ['json', { outputFile: REPORT_FILE }]] } : {}),
  },
});
