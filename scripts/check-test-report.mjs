#!/usr/bin/env node
/**
 * Fails CI when a test that must run there did not. Some tests need what only root on Linux has
 * (user namespaces, tmpfs mounts: test/helpers/capabilities.ts); elsewhere they are skipped with
 * the reason printed. The Linux CI runs as root, so a skip there means a capability went missing
 * (a container without CAP_SYS_ADMIN, unprivileged namespaces turned off) and those code paths
 * are no longer tested: that must fail the run, not pass it quietly.
 *
 * Reads vitest's JSON report (`RAGCTL_TEST_REPORT=<file> npm test` writes it; see
 * vitest.config.ts). On Linux: every file of REQUIRED_ON_LINUX must be in the report with all
 * its tests passed, and no test anywhere may be skipped (the project has no skipped suites).
 * Elsewhere it lists the skipped tests and passes.
 *
 * Usage: node scripts/check-test-report.mjs <report.json>
 * Exit codes: 0 every required test ran; 1 one was skipped or missing; 2 the report is unreadable.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The test files that can only pass as root on Linux; keep in step with test/helpers/capabilities.ts users. */
export const REQUIRED_ON_LINUX = [
  'test/integration/watcher/watch-limit.test.ts',
  'test/integration/daemon/health.test.ts',
  'test/integration/daemon/background-failures.test.ts',
  'test/integration/daemon/stop.test.ts',
  // Real PostgreSQL and MariaDB servers (scripts/setup.sh installs them on Linux).
  'test/integration/engines/sql/pg-server-logs.test.ts',
  'test/integration/engines/sql/mariadb-slow-log.test.ts',
  'test/integration/engines/sql/search-cli.test.ts',
  // Runs ragctl as another user (setpriv) on logs owned as PostgreSQL leaves them.
  'test/integration/engines/sql/sql-log-permissions.test.ts',
];

const ROOT = resolve(import.meta.dirname, '..');

/** Statuses vitest's JSON reporter gives a test that did not run. */
const NOT_RUN = new Set(['skipped', 'pending', 'todo', 'disabled']);

/**
 * The problems of one report, as lines to print: empty when CI may pass. `platform` is the
 * machine the tests ran on.
 */
function checkReport(report, platform) {
  const files = new Map(
    report.testResults.map((file) => [relative(ROOT, file.name).split('\\').join('/'), file]),
  );
  const notRun = [];
  for (const [path, file] of files)
    for (const test of file.assertionResults)
      if (NOT_RUN.has(test.status)) notRun.push(`${path}: "${test.fullName}" was ${test.status}`);
  if (platform !== 'linux') return { problems: [], notRun };

  const problems = [...notRun];
  for (const path of REQUIRED_ON_LINUX) {
    const file = files.get(path);
    if (!file) problems.push(`${path}: not in the report; it must run on Linux CI`);
    else if (file.assertionResults.length === 0) problems.push(`${path}: no test ran (${file.status})`);
  }
  return { problems, notRun };
}

function main(argv) {
  const [reportPath] = argv;
  if (!reportPath) {
    process.stderr.write('usage: node scripts/check-test-report.mjs <vitest-json-report>\n');
    return 2;
  }
  let report;
  try {
    report = JSON.parse(readFileSync(reportPath, 'utf8'));
  } catch (err) {
    process.stderr.write(
      `check-test-report: cannot read the test report ${reportPath}: ${err.message}; run the tests with RAGCTL_TEST_REPORT=${reportPath}\n`,
    );
    return 2;
  }
  const { problems, notRun } = checkReport(report, process.platform);
  if (problems.length) {
    process.stderr.write(
      `check-test-report: on Linux CI every test must run, but:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'The skip reason is printed above in the test output (SKIPPED "…": it needs …); give the CI ' +
        'machine that capability (root, user namespaces, tmpfs mounts) rather than skipping.\n',
    );
    return 1;
  }
  if (notRun.length)
    process.stdout.write(
      `check-test-report: not run on ${process.platform} (fine here, required on Linux CI):\n${notRun.map((p) => `  - ${p}`).join('\n')}\n`,
    );
  else
    process.stdout.write(
      `check-test-report: every test ran (${REQUIRED_ON_LINUX.length} Linux-only files included)\n`,
    );
  return 0;
}

// Imported (test/integration/ci/required-tests.test.ts reads REQUIRED_ON_LINUX), it checks nothing.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2));
