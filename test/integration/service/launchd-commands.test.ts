import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceCommandDeps } from '../../../src/cli/commands/daemon-service.js';
import { thisCliPath } from '../../../src/service/spec.js';
import {
  exited,
  parsePlist,
  plain,
  RecordingRunner,
  runDaemonCli,
  type TempHome,
  tempHome,
  writeConfig,
} from './helpers.js';

// launchctl exists only on macOS: every test here drives the real command code, writes real
// files into a temp HOME, and checks the exact launchctl commands through a RecordingRunner.

let th: TempHome;
let runner: RecordingRunner;
const LABEL = 'com.ragctl.ragd';
const TARGET = `gui/501/${LABEL}`;

beforeEach(async () => {
  th = await tempHome();
  runner = new RecordingRunner();
});
afterEach(async () => {
  await th.cleanup();
});

function deps(extra: Partial<ServiceCommandDeps> = {}): ServiceCommandDeps {
  return {
    platform: 'launchd',
    runner,
    env: th.env,
    home: th.home,
    uid: 501,
    nodePath: process.execPath,
    cliPath: thisCliPath(),
    sleep: async () => {},
    ...extra,
  };
}

const plistFile = () => join(th.home, 'Library', 'LaunchAgents', `${LABEL}.plist`);

describe('ragctl daemon install (launchd)', () => {
  it('writes the agent, makes its log folder, and loads it with bootout → enable → bootstrap', async () => {
    const run = await runDaemonCli(['install'], deps());
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(runner.calls).toEqual([
      ['launchctl', 'bootout', TARGET],
      ['launchctl', 'enable', TARGET],
      ['launchctl', 'bootstrap', 'gui/501', plistFile()],
    ]);
    const plist = plain(parsePlist(readFileSync(plistFile(), 'utf8'))) as Record<string, unknown>;
    expect(plist.Label).toBe(LABEL);
    expect(plist.ProgramArguments).toEqual([
      process.execPath,
      thisCliPath(),
      'daemon',
      'run',
      '--config',
      th.configPath,
    ]);
    expect(plist.StandardErrorPath).toBe(join(th.dataDir, 'logs', 'ragd.stderr.log'));
    expect(existsSync(join(th.dataDir, 'logs'))).toBe(true);
    expect(run.stdout).toMatch(/^com\.ragctl\.ragd \(launchd agent\): installed and started\n/);
  });

  it('reports each step in --json, a "not loaded" bootout included', async () => {
    runner.answer(
      ['launchctl', 'bootout'],
      exited(113, 'Boot-out failed: 113: Could not find specified service'),
    );
    const run = await runDaemonCli(['install', '--json'], deps());
    expect(run.exitCode).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({
      action: 'install',
      dryRun: false,
      platform: 'launchd',
      name: LABEL,
      file: plistFile(),
    });
    expect(
      out.steps.map((s: { kind: string; exitCode?: number; changed?: boolean }) => [
        s.kind,
        s.exitCode ?? s.changed ?? null,
      ]),
    ).toEqual([
      ['mkdir', null],
      ['write', true],
      ['run', 113],
      ['run', 0],
      ['run', 0],
    ]);
  });

  it('retries bootstrap while launchd is still tearing the old job down', async () => {
    runner.answer(['launchctl', 'bootstrap'], exited(5, 'Bootstrap failed: 5: Input/output error'), 2);
    const run = await runDaemonCli(['install'], deps());
    expect(run.exitCode).toBe(0);
    expect(runner.calls.filter((c) => c[1] === 'bootstrap')).toHaveLength(3);
  });

  it('fails with the command, exit code, stderr and fix when bootstrap keeps failing', async () => {
    runner.answer(
      ['launchctl', 'bootout'],
      exited(113, 'Boot-out failed: 113: Could not find specified service'),
    );
    runner.answer(['launchctl', 'bootstrap'], exited(5, 'Bootstrap failed: 5: Input/output error\n'));
    const run = await runDaemonCli(['install', '--json'], deps());
    expect(run.exitCode).toBe(1);
    const { error } = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '');
    expect(error.code).toBe('E_IO');
    expect(error.message).toBe(
      `\`launchctl bootstrap gui/501 ${plistFile()}\` exited 5: Bootstrap failed: 5: Input/output error; ` +
        `before it, \`launchctl bootout ${TARGET}\` exited 113 (Boot-out failed: 113: Could not find specified service)`,
    );
    expect(error.fix).toMatch(/plutil -lint/);
    expect(runner.calls.filter((c) => c[1] === 'bootstrap')).toHaveLength(3);
  });

  it('stops at a bootout failure that is not "not loaded"', async () => {
    runner.answer(['launchctl', 'bootout'], exited(1, 'Boot-out failed: 1: Operation not permitted'));
    const run = await runDaemonCli(['install'], deps());
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /^ragctl: `launchctl bootout gui\/501\/com\.ragctl\.ragd` exited 1: Boot-out failed: 1: Operation not permitted\n {2}fix: `launchctl error 1`/,
    );
    expect(runner.calls).toHaveLength(1);
  });

  it('says so when launchctl is missing', async () => {
    runner.answer(['launchctl'], { status: 'not-found' });
    const run = await runDaemonCli(['install'], deps());
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/launchctl not found on PATH\n {2}fix: launchctl comes with macOS/);
  });

  it('gives a non-default config its own label and file', async () => {
    const other = join(th.root, 'work', 'config.yaml');
    writeConfig(other, join(th.root, 'work-data'), join(th.root, `Jane's "R&D" notes`));
    const run = await runDaemonCli(['--config', other, 'install', '--json'], deps());
    expect(run.exitCode).toBe(0);
    const { name, file } = JSON.parse(run.stdout);
    expect(name).toMatch(/^com\.ragctl\.ragd\.work-[0-9a-f]{8}$/);
    expect(file).toBe(join(th.home, 'Library', 'LaunchAgents', `${name}.plist`));
    const plist = plain(parsePlist(readFileSync(file, 'utf8'))) as {
      Label: string;
      ProgramArguments: string[];
    };
    expect(plist.Label).toBe(name);
    expect(plist.ProgramArguments.at(-1)).toBe(other);
    expect(runner.calls.at(-1)).toEqual(['launchctl', 'bootstrap', 'gui/501', file]);
  });

  it('refuses without a config file, or with a broken one, and runs nothing', async () => {
    writeFileSync(th.configPath, 'sources: [\n');
    const broken = await runDaemonCli(['install'], deps());
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toMatch(/config\.yaml: line 2/);
    const missing = await runDaemonCli(
      ['install'],
      deps({ env: { ...th.env, XDG_CONFIG_HOME: join(th.root, 'none') } }),
    );
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/no config file: the daemon needs one/);
    expect(runner.calls).toEqual([]);
    expect(existsSync(plistFile())).toBe(false);
  });
});

describe('ragctl daemon install --dry-run (launchd)', () => {
  it('prints the whole file and every command, and changes nothing', async () => {
    const run = await runDaemonCli(['install', '--dry-run'], deps());
    expect(run.exitCode).toBe(0);
    expect(runner.calls).toEqual([]);
    expect(existsSync(plistFile())).toBe(false);
    expect(existsSync(join(th.dataDir, 'logs'))).toBe(false);
    const heredoc = run.stdout.match(/<<'RAGCTL_EOF'\n([\s\S]*?)\nRAGCTL_EOF\n/)?.[1];
    expect(plain(parsePlist(heredoc ?? ''))).toMatchObject({ Label: LABEL });
    const commands = run.stdout.split('\n').filter((l) => l.startsWith('launchctl '));
    expect(commands).toEqual([
      `launchctl bootout ${TARGET}`,
      `launchctl enable ${TARGET}`,
      `launchctl bootstrap gui/501 ${plistFile()}`,
    ]);
    expect(run.stdout).toMatch(/# unload the copy loaded now.*exit 3 or 113 is fine here\n/);
  });

  it('--json gives the steps with the file text', async () => {
    const run = await runDaemonCli(['install', '--dry-run', '--json'], deps());
    const out = JSON.parse(run.stdout);
    expect(out.dryRun).toBe(true);
    expect(out.command).toEqual([
      process.execPath,
      thisCliPath(),
      'daemon',
      'run',
      '--config',
      th.configPath,
    ]);
    const write = out.steps.find((s: { kind: string }) => s.kind === 'write');
    expect(write.path).toBe(plistFile());
    expect(plain(parsePlist(write.content))).toMatchObject({ RunAtLoad: true });
    expect(
      out.steps.filter((s: { kind: string }) => s.kind === 'run').map((s: { argv: string[] }) => s.argv),
    ).toEqual([
      ['launchctl', 'bootout', TARGET],
      ['launchctl', 'enable', TARGET],
      ['launchctl', 'bootstrap', 'gui/501', plistFile()],
    ]);
    expect(runner.calls).toEqual([]);
  });
});

describe('ragctl daemon uninstall | start | stop (launchd)', () => {
  it('uninstall boots the agent out and removes the file; again, it only boots out', async () => {
    await runDaemonCli(['install'], deps());
    runner.calls.length = 0;
    const first = await runDaemonCli(['uninstall'], deps());
    expect(first.exitCode).toBe(0);
    expect(runner.calls).toEqual([['launchctl', 'bootout', TARGET]]);
    expect(existsSync(plistFile())).toBe(false);
    runner.answer(['launchctl', 'bootout'], exited(3, 'Boot-out failed: 3: No such process'));
    const again = await runDaemonCli(['uninstall'], deps());
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/was not installed/);
  });

  it('start loads the agent if needed, then kickstarts it; --restart adds -k', async () => {
    await runDaemonCli(['install'], deps());
    runner.calls.length = 0;
    // Already loaded: bootstrap says 5, which is fine here.
    runner.answer(['launchctl', 'bootstrap'], exited(5, 'Bootstrap failed: 5: Input/output error'));
    expect((await runDaemonCli(['start'], deps())).exitCode).toBe(0);
    expect((await runDaemonCli(['start', '--restart'], deps())).exitCode).toBe(0);
    expect(runner.calls).toEqual([
      ['launchctl', 'bootstrap', 'gui/501', plistFile()],
      ['launchctl', 'kickstart', TARGET],
      ['launchctl', 'bootstrap', 'gui/501', plistFile()],
      ['launchctl', 'kickstart', '-k', TARGET],
    ]);
  });

  it('stop boots the agent out, so KeepAlive cannot restart it', async () => {
    await runDaemonCli(['install'], deps());
    runner.calls.length = 0;
    const run = await runDaemonCli(['stop'], deps());
    expect(run.exitCode).toBe(0);
    expect(runner.calls).toEqual([['launchctl', 'bootout', TARGET]]);
    expect(existsSync(plistFile())).toBe(true);
  });

  it('start and stop before install exit 3 with the fix, running nothing', async () => {
    for (const action of ['start', 'stop']) {
      const run = await runDaemonCli([action, '--json'], deps());
      expect(run.exitCode).toBe(3);
      const { error } = JSON.parse(run.stdout);
      expect(error).toEqual({
        code: 'E_NO_DAEMON',
        message: `the daemon service ${LABEL} is not installed (no ${plistFile()})`,
        fix: '`ragctl daemon install` installs and starts it',
      });
    }
    expect(runner.calls).toEqual([]);
  });
});

const PRINT = `${TARGET} = {
\tactive count = 1
\tstate = running
\tpid = 777
\tlast exit code = (never exited)
}
`;

describe('ragctl daemon status (launchd)', () => {
  it('reports file, command, and state from launchctl print', async () => {
    await runDaemonCli(['install'], deps());
    runner.calls.length = 0;
    runner.answer(['launchctl', 'print'], exited(0, '', PRINT));
    const run = await runDaemonCli(['status', '--json'], deps());
    expect(run.exitCode).toBe(0);
    expect(runner.calls).toEqual([['launchctl', 'print', TARGET]]);
    expect(JSON.parse(run.stdout)).toMatchObject({
      platform: 'launchd',
      name: LABEL,
      installed: true,
      upToDate: true,
      matches: { node: true, cli: true, config: true },
      runtime: { state: 'running', pid: 777, lastExitStatus: null },
      runtimeError: null,
      logs: { stderr: join(th.dataDir, 'logs', 'ragd.stderr.log') },
      problems: [],
    });
    const human = await runDaemonCli(['status'], deps());
    expect(human.stdout).toMatch(/\n {2}state: running \(pid 777\)\n/);
  });

  it('notices a file written for another ragctl, and an agent that is not loaded', async () => {
    await runDaemonCli(['install'], deps({ cliPath: '/old/checkout/bin/ragctl.js' }));
    runner.answer(
      ['launchctl', 'print'],
      exited(113, 'Could not find service "com.ragctl.ragd" in domain for port'),
    );
    const report = JSON.parse((await runDaemonCli(['status', '--json'], deps())).stdout);
    expect(report).toMatchObject({
      installed: true,
      upToDate: false,
      matches: { node: true, cli: false, config: true },
      runtime: { state: 'not-loaded' },
    });
    expect(report.problems).toEqual([
      'it runs another ragctl (/old/checkout/bin/ragctl.js): `ragctl daemon install` switches to this one',
      'the file differs from what install writes now (edited, or settings changed): `ragctl daemon install`',
      'not loaded (stopped by `ragctl daemon stop`?): `ragctl daemon start` starts it',
    ]);
  });

  it('reports "not installed" and still asks launchd; --dry-run only names the command', async () => {
    runner.answer(['launchctl', 'print'], exited(113));
    const report = JSON.parse((await runDaemonCli(['status', '--json'], deps())).stdout);
    expect(report).toMatchObject({
      installed: false,
      upToDate: null,
      command: null,
      runtime: { state: 'not-loaded' },
    });
    expect(report.problems).toEqual(['not installed: `ragctl daemon install` installs and starts it']);
    runner.calls.length = 0;
    const dry = await runDaemonCli(['status', '--dry-run'], deps());
    expect(dry.stdout.trim().split('\n').at(-1)).toBe(`launchctl print ${TARGET}`);
    expect(runner.calls).toEqual([]);
  });

  it('still reports the file when the config no longer loads', async () => {
    await runDaemonCli(['install'], deps());
    writeFileSync(th.configPath, 'nope: [\n');
    runner.answer(['launchctl', 'print'], exited(0, '', PRINT));
    const report = JSON.parse((await runDaemonCli(['status', '--json'], deps())).stdout);
    expect(report).toMatchObject({ installed: true, upToDate: null, runtime: { state: 'running' } });
    expect(report.problems[0]).toMatch(/^the config does not load: .*config\.yaml: line 2/);
    // …and uninstall still works.
    expect((await runDaemonCli(['uninstall'], deps())).exitCode).toBe(0);
    expect(existsSync(plistFile())).toBe(false);
  });
});
