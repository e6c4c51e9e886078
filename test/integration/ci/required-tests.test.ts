import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpfsMounts, userNamespaces } from '../../helpers/capabilities.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * Tests that need root on Linux skip elsewhere with the reason printed, and the CI check
 * (scripts/check-test-report.mjs, run by .ci/run) fails when they skipped on Linux. "Elsewhere"
 * is made real here by running those test files in a child vitest whose PATH holds neither
 * `unshare` nor `mount`: the probes find the capability missing, as on a machine without it.
 */
const REPO = resolve(import.meta.dirname, '../../..');
const VITEST = join(REPO, 'node_modules/vitest/vitest.mjs');
const CHECK = join(REPO, 'scripts/check-test-report.mjs');
const ROOT_ONLY = ['test/integration/watcher/watch-limit.test.ts', 'test/integration/daemon/health.test.ts'];
/**
 * Also required on Linux (real database servers, more tmpfs mounts, another user): the rest of
 * the check's own list; not run again here, only reported as passed.
 */
const { REQUIRED_ON_LINUX } = (await import(CHECK)) as { REQUIRED_ON_LINUX: readonly string[] };
const SERVER_BACKED = REQUIRED_ON_LINUX.filter((file) => !ROOT_ONLY.includes(file));

interface Report {
  testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[];
}

let tmp: { dir: string; cleanup: () => Promise<void> };
/** A folder with no programs in it: PATH for "this machine lacks unshare and mount". */
let noTools: string;

beforeAll(async () => {
  tmp = await makeTempDir('ci-check');
  noTools = join(tmp.dir, 'no-tools');
  mkdirSync(noTools);
});
afterAll(async () => {
  await tmp.cleanup();
});

function check(report: Report): { code: number | null; stdout: string; stderr: string } {
  const path = join(tmp.dir, `report-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(report));
  const run = spawnSync(process.execPath, [CHECK, path], { encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('capability probes', () => {
  it('say what is missing and why when the tools are not there', () => {
    const env = { PATH: noTools };
    const ns = userNamespaces({ env });
    expect(ns.need).toContain('unshare -Ur');
    expect(ns.missing).toMatch(process.platform === 'linux' ? /unshare -Ur failed: .*ENOENT/ : /Linux only/);
    const mount = tmpfsMounts({ env });
    expect(mount.need).toContain('tmpfs');
    expect(mount.missing).toMatch(
      process.platform === 'linux' ? /mount -t tmpfs failed: .*ENOENT/ : /Linux only/,
    );
  });
});

describe('root-only tests on a machine without the capability', () => {
  let output: string;
  let exitCode: number | null;
  let report: Report;

  beforeAll(() => {
    const reportPath = join(tmp.dir, 'skipped.json');
    const run = spawnSync(
      process.execPath,
      [VITEST, 'run', ...ROOT_ONLY, '--maxWorkers=1', '--color=false'],
      {
        cwd: REPO,
        // A clean environment: nothing of this vitest run (its worker ids, its own report file).
        env: { PATH: noTools, HOME: process.env.HOME, RAGCTL_TEST_REPORT: reportPath, NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    output = `${run.stdout}\n${run.stderr}`;
    exitCode = run.status;
    report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
  }, 150_000);

  it('are skipped, not failed, and the run prints which suite and why', () => {
    expect(exitCode, output).toBe(0);
    expect(output).toContain(
      'SKIPPED "Watcher: the real inotify watch limit": it needs Linux user namespaces (`unshare -Ur`',
    );
    expect(output).toContain('SKIPPED "the inotify watch limit": it needs Linux user namespaces');
    expect(output).toContain('SKIPPED "a full disk under the data dir": it needs mounting a tmpfs');
    const statuses = report.testResults.flatMap((f) => f.assertionResults.map((t) => t.status));
    expect(statuses.length).toBeGreaterThanOrEqual(4);
    expect(new Set(statuses)).toEqual(new Set(['skipped']));
  });

  it.runIf(process.platform === 'linux')('fail the CI check on Linux, which names each skipped test', () => {
    const { code, stderr } = check(report);
    expect(code).toBe(1);
    for (const file of report.testResults)
      for (const test of file.assertionResults) expect(stderr).toContain(`"${test.fullName}" was skipped`);
    expect(stderr).toContain('give the CI machine that capability');
  });

  it('pass the CI check once they ran', () => {
    const ran: Report = {
      testResults: [
        ...report.testResults.map((f) => ({
          ...f,
          assertionResults: f.assertionResults.map((t) => ({ ...t, status: 'passed' })),
        })),
        ...SERVER_BACKED.map((file) => ({
          name: join(REPO, file),
          assertionResults: [{ fullName: `${file} ran`, status: 'passed' }],
        })),
      ],
    };
    const { code, stdout } = check(ran);
    expect(code).toBe(0);
    expect(stdout).toContain('every test ran');
  });

  it.runIf(process.platform === 'linux')(
    'fail the CI check on Linux when a required file is not in the report',
    () => {
      const withoutHealth: Report = {
        testResults: report.testResults.filter((f) => !f.name.endsWith('daemon/health.test.ts')),
      };
      const { code, stderr } = check(withoutHealth);
      expect(code).toBe(1);
      expect(stderr).toContain('test/integration/daemon/health.test.ts: not in the report');
    },
  );
});
