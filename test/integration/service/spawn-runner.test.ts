import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpawnRunner } from '../../../src/service/runner.js';
import { thisCliPath } from '../../../src/service/spec.js';
import { runDaemonCli, type TempHome, tempHome } from './helpers.js';

// The real runner, spawning real processes. A shell script named `systemctl` stands in for the
// service manager (this sandbox has no systemd user manager): it logs its arguments and exits
// as told, so what is tested is the spawning, the capture of output and exit codes, PATH
// lookup and the timeout.

let th: TempHome;
let bin: string;
let log: string;

beforeEach(async () => {
  th = await tempHome();
  bin = join(th.root, 'stub bin');
  log = join(th.root, 'calls.log');
  mkdirSync(bin);
  stub(
    'systemctl',
    [
      '#!/bin/sh',
      'printf "%s|" "$@" >> "$STUB_LOG"; echo >> "$STUB_LOG"',
      'case " $* " in *" $STUB_FAIL "*) echo "$STUB_STDERR" >&2; exit "$STUB_EXIT";; esac',
      'case "$1 $2" in "--user show") echo "ActiveState=active"; echo "MainPID=99";; esac',
      'exit 0',
    ].join('\n'),
  );
  stub('slowctl', '#!/bin/sh\necho started\nexec sleep 5\n');
});
afterEach(async () => {
  await th.cleanup();
});

function stub(name: string, script: string): void {
  writeFileSync(join(bin, name), `${script}\n`);
  chmodSync(join(bin, name), 0o755);
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: `${bin}:/usr/bin:/bin`, STUB_LOG: log, STUB_FAIL: '__none__', ...extra };
}

const calls = () =>
  readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('|').slice(0, -1));

describe('SpawnRunner', () => {
  it('returns exit code, stdout and stderr of a real process', async () => {
    const runner = new SpawnRunner({
      env: env({ STUB_FAIL: 'restart', STUB_EXIT: '3', STUB_STDERR: 'no such unit' }),
    });
    expect(await runner.run(['systemctl', '--user', 'show', 'x y.service'])).toEqual({
      status: 'exited',
      exitCode: 0,
      stdout: 'ActiveState=active\nMainPID=99\n',
      stderr: '',
    });
    expect(await runner.run(['systemctl', '--user', 'restart', 'ragd.service'])).toEqual({
      status: 'exited',
      exitCode: 3,
      stdout: '',
      stderr: 'no such unit\n',
    });
    // Arguments arrive as given: no shell splits the one with a space.
    expect(calls()[0]).toEqual(['--user', 'show', 'x y.service']);
  });

  it('answers not-found for a program that is not on PATH', async () => {
    expect(await new SpawnRunner({ env: { PATH: bin } }).run(['launchctl', 'print', 'gui/501'])).toEqual({
      status: 'not-found',
    });
  });

  it('kills a command that takes too long', async () => {
    const result = await new SpawnRunner({ env: env(), timeoutMs: 300 }).run(['slowctl']);
    expect(result).toEqual({ status: 'killed', signal: 'timeout', stdout: 'started\n', stderr: '' });
  });
});

describe('ragctl daemon install through the real runner', () => {
  const deps = (e: NodeJS.ProcessEnv) => ({
    platform: 'systemd' as const,
    runner: new SpawnRunner({ env: e }),
    env: { ...th.env, ...e },
    home: th.home,
    uid: 1000,
    nodePath: process.execPath,
    cliPath: thisCliPath(),
  });

  it('runs daemon-reload, enable and restart, in order, as separate processes', async () => {
    const run = await runDaemonCli(['install'], deps(env()));
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(calls()).toEqual([
      ['--user', 'daemon-reload'],
      ['--user', 'enable', 'ragd.service'],
      ['--user', 'restart', 'ragd.service'],
    ]);
  });

  it('surfaces a real failure: exit code, stderr, fix', async () => {
    const e = env({
      STUB_FAIL: 'daemon-reload',
      STUB_EXIT: '1',
      STUB_STDERR: 'Failed to connect to bus: No medium found',
    });
    const run = await runDaemonCli(['install'], deps(e));
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /^ragctl: `systemctl --user daemon-reload` exited 1: Failed to connect to bus: No medium found; \S+ragd\.service was removed again\n {2}fix: systemd user session not available/,
    );
    expect(calls()).toEqual([['--user', 'daemon-reload']]);
  });

  it('says systemctl is missing when it is', async () => {
    const run = await runDaemonCli(['install'], deps({ PATH: join(th.root, 'empty') }));
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /systemctl not found on PATH; \S+ was removed again\n {2}fix: this system has no systemd/,
    );
  });
});
