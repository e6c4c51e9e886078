import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceCommandDeps } from '../../../src/cli/commands/daemon-service.js';
import { hubCacheDir } from '../../../src/embed/model/resolve.js';
import { thisCliPath } from '../../../src/service/spec.js';
import { parseUnitFile, splitExecLine } from '../../../src/service/systemd-unit.js';
import { TEST_MODEL_ID, testModel } from '../../helpers/model.js';
import { exited, RecordingRunner, runDaemonCli, type TempHome, tempHome } from './helpers.js';

// This sandbox has no systemd user manager (`systemctl --user` cannot connect): every test here
// drives the real command code, writes real files into a temp HOME, and checks the exact
// systemctl commands through a RecordingRunner. test/unit/service/systemd-unit.test.ts checks
// the unit itself with systemd-analyze.

let th: TempHome;
let runner: RecordingRunner;
const UNIT = 'ragd.service';

beforeEach(async () => {
  th = await tempHome();
  runner = new RecordingRunner();
});
afterEach(async () => {
  await th.cleanup();
});

function deps(extra: Partial<ServiceCommandDeps> = {}): ServiceCommandDeps {
  return {
    platform: 'systemd',
    runner,
    env: th.env,
    home: th.home,
    uid: 1000,
    nodePath: process.execPath,
    cliPath: thisCliPath(),
    ...extra,
  };
}

const unitFile = () => join(th.home, '.config', 'systemd', 'user', UNIT);
const NO_BUS = exited(1, 'Failed to connect to bus: No medium found\n');

describe('ragctl daemon install (systemd)', () => {
  it('writes the unit, then daemon-reload → enable → restart', async () => {
    const run = await runDaemonCli(['install'], deps());
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(runner.calls).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', UNIT],
      ['systemctl', '--user', 'restart', UNIT],
    ]);
    const service = parseUnitFile(readFileSync(unitFile(), 'utf8')).get('Service') ?? [];
    const exec = service.find(([k]) => k === 'ExecStart')?.[1] ?? '';
    expect(splitExecLine(exec)).toEqual([
      process.execPath,
      thisCliPath(),
      'daemon',
      'run',
      '--config',
      th.configPath,
    ]);
    expect(run.stdout).toMatch(/^ragd\.service \(systemd user unit\): installed and started\n/);
  });

  it('says the first start fetches the model when this machine lacks it, and nothing when it has it', async () => {
    const lacking = await runDaemonCli(
      ['install'],
      deps({ env: { ...th.env, HF_HOME: join(th.root, 'no-models') } }),
    );
    expect(lacking.exitCode, lacking.stderr).toBe(0);
    expect(lacking.stdout).toContain(
      `The daemon first fetches ${TEST_MODEL_ID}, which this machine does not have yet (as \`ragctl model pull\` does); until then \`ragctl status\` says it is starting, and how far the download is. Its log: ${join(th.dataDir, 'logs', 'ragd.log')}\n`,
    );
    testModel(); // in the cache the test process reads: the install's environment names it
    const having = await runDaemonCli(['install'], deps({ env: { ...th.env, HF_HUB_CACHE: hubCacheDir() } }));
    expect(having.exitCode, having.stderr).toBe(0);
    expect(having.stdout).not.toContain('fetches');
  });

  it('dry run: the unit text and the commands, nothing written or run', async () => {
    const run = await runDaemonCli(['install', '--dry-run'], deps());
    expect(run.exitCode).toBe(0);
    expect(runner.calls).toEqual([]);
    expect(existsSync(unitFile())).toBe(false);
    expect(run.stdout).toContain(
      `cat > ${unitFile()} <<'RAGCTL_EOF'\n# Written by \`ragctl daemon install\``,
    );
    expect(run.stdout).toContain('\nRestart=on-failure\n');
    expect(run.stdout.split('\n').filter((l) => l.startsWith('systemctl '))).toEqual([
      'systemctl --user daemon-reload',
      `systemctl --user enable ${UNIT}`,
      `systemctl --user restart ${UNIT}`,
    ]);
  });

  it('without a user session: exit 1, the command, its stderr and the lingering fix', async () => {
    runner.answer(['systemctl', '--user', 'daemon-reload'], NO_BUS);
    const human = await runDaemonCli(['install'], deps());
    expect(human.exitCode).toBe(1);
    expect(human.stderr).toBe(
      `ragctl: \`systemctl --user daemon-reload\` exited 1: Failed to connect to bus: No medium found; ${unitFile()} was removed again\n` +
        '  fix: systemd user session not available: run `ragctl daemon run` in a terminal, or enable lingering (`loginctl enable-linger $USER`) and log in again\n',
    );
    const json = await runDaemonCli(['install', '--json'], deps());
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout).error).toMatchObject({
      code: 'E_IO',
      fix: expect.stringMatching(/enable-linger/),
    });
    // The manager never read the unit, so none is left behind to read as installed.
    expect(existsSync(unitFile())).toBe(false);
    const status = await runDaemonCli(['status', '--json'], deps());
    expect(JSON.parse(status.stdout).installed).toBe(false);
  });

  it('a reinstall that cannot reach the manager puts the old unit back; a failed enable undoes too', async () => {
    expect((await runDaemonCli(['install'], deps())).exitCode).toBe(0);
    const old = `${readFileSync(unitFile(), 'utf8')}# edited by hand\n`;
    writeFileSync(unitFile(), old);
    runner.answer(['systemctl', '--user', 'daemon-reload'], NO_BUS, 1);
    const again = await runDaemonCli(['install'], deps());
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain(`; ${unitFile()} was put back as it was`);
    expect(readFileSync(unitFile(), 'utf8')).toBe(old);

    rmSync(unitFile());
    runner.answer(['systemctl', '--user', 'enable'], exited(1, 'Failed to enable unit: Access denied\n'), 1);
    const enable = await runDaemonCli(['install'], deps());
    expect(enable.exitCode).toBe(1);
    expect(existsSync(unitFile())).toBe(false);
  });

  it('a failing restart names the journal', async () => {
    runner.answer(
      ['systemctl', '--user', 'restart'],
      exited(1, 'Job for ragd.service failed because the control process exited with error code.\n'),
    );
    const run = await runDaemonCli(['install'], deps());
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /`systemctl --user restart ragd\.service` exited 1: Job for ragd\.service failed/,
    );
    expect(run.stderr).toMatch(/journalctl --user -u ragd\.service -n 50/);
    // Enabled but not running: the unit stays for the journal and `daemon status` to explain.
    expect(existsSync(unitFile())).toBe(true);
  });

  it('the default config spelled another way is still the default, with the plain unit name', async () => {
    const run = await runDaemonCli(
      ['--config', th.configPath.replace('config.yaml', '../ragctl/config.yaml'), 'install', '--json'],
      deps(),
    );
    expect(JSON.parse(run.stdout).name).toBe(UNIT);
  });
});

describe('ragctl daemon uninstall | start | stop (systemd)', () => {
  it('uninstall: disable --now, remove the file, daemon-reload; again: a stop that may find nothing', async () => {
    await runDaemonCli(['install'], deps());
    runner.calls.length = 0;
    expect((await runDaemonCli(['uninstall'], deps())).exitCode).toBe(0);
    expect(runner.calls).toEqual([
      ['systemctl', '--user', 'disable', '--now', UNIT],
      ['systemctl', '--user', 'daemon-reload'],
    ]);
    expect(existsSync(unitFile())).toBe(false);
    runner.calls.length = 0;
    runner.answer(
      ['systemctl', '--user', 'stop'],
      exited(5, 'Failed to stop ragd.service: Unit ragd.service not loaded.\n'),
    );
    const again = await runDaemonCli(['uninstall', '--json'], deps());
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout).steps).toEqual([
      expect.objectContaining({ kind: 'run', argv: ['systemctl', '--user', 'stop', UNIT], exitCode: 5 }),
    ]);
  });

  it('start, start --restart and stop', async () => {
    await runDaemonCli(['install'], deps());
    runner.calls.length = 0;
    for (const args of [['start'], ['start', '--restart'], ['stop']]) {
      expect((await runDaemonCli(args, deps())).exitCode).toBe(0);
    }
    expect(runner.calls).toEqual([
      ['systemctl', '--user', 'start', UNIT],
      ['systemctl', '--user', 'restart', UNIT],
      ['systemctl', '--user', 'stop', UNIT],
    ]);
  });

  it('stop --dry-run prints the command only', async () => {
    await runDaemonCli(['install'], deps());
    runner.calls.length = 0;
    const run = await runDaemonCli(['stop', '--dry-run'], deps());
    expect(run.stdout.trim().split('\n').at(-1)).toBe(`systemctl --user stop ${UNIT}`);
    expect(runner.calls).toEqual([]);
  });
});

describe('ragctl daemon status (systemd)', () => {
  const SHOW =
    'LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4321\nExecMainStatus=0\nResult=success\nUnitFileState=enabled\n';

  it('reports file, command and systemctl show', async () => {
    await runDaemonCli(['install'], deps());
    runner.calls.length = 0;
    runner.answer(['systemctl', '--user', 'show'], exited(0, '', SHOW));
    const run = await runDaemonCli(['status', '--json'], deps());
    expect(run.exitCode).toBe(0);
    expect(runner.calls).toEqual([
      [
        'systemctl',
        '--user',
        'show',
        '-p',
        'LoadState,ActiveState,SubState,MainPID,ExecMainStatus,Result,UnitFileState',
        UNIT,
      ],
    ]);
    expect(JSON.parse(run.stdout)).toMatchObject({
      platform: 'systemd',
      name: UNIT,
      file: unitFile(),
      installed: true,
      upToDate: true,
      matches: { node: true, cli: true, config: true },
      runtime: { state: 'running', pid: 4321, lastExitStatus: 0 },
      logs: { journal: `journalctl --user -u ${UNIT}` },
      problems: [],
    });
  });

  it('without a user session still reports the file, and the fix', async () => {
    await runDaemonCli(['install'], deps());
    runner.answer(['systemctl', '--user', 'show'], NO_BUS);
    const run = await runDaemonCli(['status'], deps());
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/\(installed, up to date\)/);
    expect(run.stdout).toMatch(/state: unknown \(the service manager could not be asked\)/);
    expect(run.stdout).toMatch(
      /! `systemctl --user show .*` exited 1: Failed to connect to bus: No medium found: systemd user session not available/,
    );
  });

  it('a crashed daemon is "failed", with where to look', async () => {
    await runDaemonCli(['install'], deps());
    runner.answer(
      ['systemctl', '--user', 'show'],
      exited(
        0,
        '',
        SHOW.replace('ActiveState=active', 'ActiveState=failed')
          .replace('MainPID=4321', 'MainPID=0')
          .replace('ExecMainStatus=0', 'ExecMainStatus=4'),
      ),
    );
    const report = JSON.parse((await runDaemonCli(['status', '--json'], deps())).stdout);
    expect(report.runtime).toMatchObject({ state: 'failed', pid: null, lastExitStatus: 4 });
    expect(report.problems).toEqual([
      `the daemon failed (exit status 4): see ${join(th.dataDir, 'logs', 'ragd.log')} and journalctl --user -u ${UNIT}`,
    ]);
  });
});
