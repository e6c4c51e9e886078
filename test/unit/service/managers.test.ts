import { describe, expect, it } from 'vitest';
import { exitCodeFor, formatError } from '../../../src/cli/output.js';
import { ServiceError } from '../../../src/service/errors.js';
import { LaunchdManager, runtimeFromPrint } from '../../../src/service/launchd.js';
import { readTemplate } from '../../../src/service/plist.js';
import { buildServiceSpec } from '../../../src/service/spec.js';
import { runtimeFromShow, SystemdManager } from '../../../src/service/systemd.js';
import type { CommandResult, ServicePlatform, ServiceSpec } from '../../../src/service/types.js';

function spec(platform: ServicePlatform): ServiceSpec {
  return buildServiceSpec({
    platform,
    configPath: '/Users/jane/.config/ragctl/config.yaml',
    isDefaultConfig: true,
    dataDir: '/Users/jane/Library/Application Support/ragctl',
    logFile: '/Users/jane/Library/Application Support/ragctl/logs/ragd.log',
    home: '/Users/jane',
    uid: 501,
    nodePath: '/opt/homebrew/bin/node',
    cliPath: '/Users/jane/src/ragctl/bin/ragctl.js',
    env: {},
  });
}

const exited = (exitCode: number, stdout = '', stderr = ''): CommandResult => ({
  status: 'exited',
  exitCode,
  stdout,
  stderr,
});

/** Shaped like macOS 14's `launchctl print gui/501/<label>` (abridged), nested blocks included. */
const PRINT_RUNNING = `gui/501/com.ragctl.ragd = {
\tactive count = 1
\tpath = /Users/jane/Library/LaunchAgents/com.ragctl.ragd.plist
\ttype = LaunchAgent
\tstate = running

\tprogram = /opt/homebrew/bin/node
\targuments = {
\t\t/opt/homebrew/bin/node
\t\t/Users/jane/src/ragctl/bin/ragctl.js
\t\tdaemon
\t\trun
\t}

\tenvironment = {
\t\tLANCEDB_LOG => error
\t}

\tevent triggers = {
\t\tcom.example.trigger => {
\t\t\tstate = 0
\t\t\tpid = 1
\t\t}
\t}

\tdomain = gui/501 [100005]
\texit timeout = 15
\truns = 1
\tpid = 4242
\timmediate reason = speculative
\tlast exit code = (never exited)
\tproperties = keepalive | runatload | inferred program
}
`;

describe('launchd status', () => {
  it('reads the top-level state, pid and last exit code, not those of nested blocks', () => {
    const status = runtimeFromPrint(PRINT_RUNNING);
    expect(status).toMatchObject({ state: 'running', pid: 4242, lastExitStatus: null });
    expect(status.detail.path).toBe('/Users/jane/Library/LaunchAgents/com.ragctl.ragd.plist');
    expect(status.detail['exit timeout']).toBe('15');
  });

  it('tells a crash from a clean stop, and a pending restart from both', () => {
    const crashed = PRINT_RUNNING.replace('state = running', 'state = not running')
      .replace('\tpid = 4242\n', '')
      .replace('(never exited)', '78: EX_CONFIG');
    expect(runtimeFromPrint(crashed)).toMatchObject({ state: 'failed', pid: null, lastExitStatus: 78 });
    const clean = crashed.replace('78: EX_CONFIG', '0');
    expect(runtimeFromPrint(clean)).toMatchObject({ state: 'stopped', lastExitStatus: 0 });
    const throttled = crashed.replace('state = not running', 'state = spawn scheduled');
    expect(runtimeFromPrint(throttled).state).toBe('starting');
  });

  it('is "not loaded" when launchctl cannot find the service, an error otherwise', () => {
    const m = new LaunchdManager(readTemplate());
    const s = spec('launchd');
    expect(m.statusCommand(s)).toEqual(['launchctl', 'print', 'gui/501/com.ragctl.ragd']);
    const notFound = exited(113, '', 'Could not find service "com.ragctl.ragd" in domain for port\n');
    expect(m.parseStatus(s, notFound).state).toBe('not-loaded');
    expect(() => m.parseStatus(s, exited(125, '', 'Domain does not support specified action'))).toThrow(
      ServiceError,
    );
  });

  it('turns failures into errors naming the command, its exit code, stderr and a fix', () => {
    const m = new LaunchdManager(readTemplate());
    const argv = [
      'launchctl',
      'bootstrap',
      'gui/501',
      '/Users/jane/Library/LaunchAgents/com.ragctl.ragd.plist',
    ];
    const err = m.failureFor(argv, exited(5, '', 'Bootstrap failed: 5: Input/output error\n'));
    expect(err).toMatchObject({ reason: 'command-failed', code: 'E_IO', exitCode: 5, command: argv });
    expect(err.message).toBe(
      '`launchctl bootstrap gui/501 /Users/jane/Library/LaunchAgents/com.ragctl.ragd.plist` exited 5: Bootstrap failed: 5: Input/output error',
    );
    expect(err.fix).toMatch(/plutil -lint/);
    expect(exitCodeFor(err)).toBe(1);
    expect(formatError(err)).toMatch(/\n {2}fix: /);

    expect(m.failureFor(argv, exited(125)).fix).toMatch(/logged-in desktop session/);
    expect(m.failureFor(argv, exited(42)).fix).toMatch(/launchctl error 42/);
    const missing = m.failureFor(argv, { status: 'not-found' });
    expect(missing).toMatchObject({ reason: 'tool-missing', code: 'E_IO', exitCode: null });
    expect(missing.fix).toMatch(/ragctl daemon run/);
    const hung = m.failureFor(argv, { status: 'killed', signal: 'timeout', stdout: '', stderr: '' });
    expect(hung.message).toMatch(/timed out$/);
  });
});

describe('systemd status', () => {
  const SHOW = [
    'LoadState=loaded',
    'ActiveState=active',
    'SubState=running',
    'MainPID=31337',
    'ExecMainStatus=0',
    'Result=success',
    'UnitFileState=enabled',
    '',
  ].join('\n');

  it('reads systemctl show', () => {
    const m = new SystemdManager();
    const s = spec('systemd');
    expect(m.statusCommand(s)).toEqual([
      'systemctl',
      '--user',
      'show',
      '-p',
      'LoadState,ActiveState,SubState,MainPID,ExecMainStatus,Result,UnitFileState',
      'ragd.service',
    ]);
    expect(m.parseStatus(s, exited(0, SHOW))).toMatchObject({
      state: 'running',
      pid: 31337,
      lastExitStatus: 0,
      detail: { SubState: 'running', UnitFileState: 'enabled' },
    });
    const failed = SHOW.replace('ActiveState=active', 'ActiveState=failed')
      .replace('MainPID=31337', 'MainPID=0')
      .replace('ExecMainStatus=0', 'ExecMainStatus=2');
    expect(runtimeFromShow(failed)).toMatchObject({ state: 'failed', pid: null, lastExitStatus: 2 });
    expect(runtimeFromShow('LoadState=not-found\nActiveState=inactive\n').state).toBe('not-loaded');
    expect(runtimeFromShow('LoadState=loaded\nActiveState=activating\nSubState=auto-restart\n').state).toBe(
      'starting',
    );
  });

  it('says when there is no user session, with the fix for it', () => {
    const m = new SystemdManager();
    const argv = ['systemctl', '--user', 'daemon-reload'];
    const err = m.failureFor(argv, exited(1, '', 'Failed to connect to bus: No medium found\n'));
    expect(err).toMatchObject({
      reason: 'no-user-session',
      code: 'E_IO',
      exitCode: 1,
      stderr: 'Failed to connect to bus: No medium found',
    });
    expect(err.message).toBe(
      '`systemctl --user daemon-reload` exited 1: Failed to connect to bus: No medium found',
    );
    expect(err.fix).toBe(
      'systemd user session not available: run `ragctl daemon run` in a terminal, or enable lingering (`loginctl enable-linger $USER`) and log in again',
    );
    const other = m.failureFor(
      ['systemctl', '--user', 'start', 'ragd.service'],
      exited(1, '', 'Job failed.'),
    );
    expect(other.reason).toBe('command-failed');
    expect(other.fix).toMatch(/journalctl --user -u ragd.service/);
    expect(m.failureFor(argv, { status: 'not-found' })).toMatchObject({ reason: 'tool-missing' });
  });
});
