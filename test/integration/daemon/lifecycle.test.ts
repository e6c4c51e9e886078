import { readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLock, lockPath } from '../../../src/daemon/lock.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, isAlive, waitFor } from '../../helpers/daemon.js';
import { testEmbedderBlock } from '../../helpers/index-workspace.js';
import { runCli } from '../../helpers/run-cli.js';

/** One workspace; the daemon is replaced as the cases go (second instance, kill -9, SIGHUP). */
let ws: DaemonWorkspace;
let daemon: DaemonProcess;

const note = (word: string) => `# ${word}\n\nnote ${word}\n`;

beforeAll(async () => {
  ws = await DaemonWorkspace.create();
  await ws.write('first.md', note('lyrebirdfirst'));
  daemon = await DaemonProcess.start(ws);
  await daemon.until('the first note indexed', (s) => s.files === 1 && s.state === 'idle');
});

afterAll(() => endDaemonTest(daemon, ws));

const lockOwner = () =>
  JSON.parse(readFileSync(lockPath(ws.dataDir), 'utf8')) as { pid: number; role: string };

describe('one daemon per data dir', () => {
  it('a second daemon on the same data dir is refused with exit code 5, naming the running pid', async () => {
    const second = DaemonProcess.spawn(ws);
    const code = await second.exited;
    expect(code, second.output).toBe(5);
    expect(second.output).toContain(`is in use by the daemon (pid ${daemon.pid})`);
    expect(second.output).toContain('ragctl daemon stop');
    // The first one did not notice: same lock, same socket, still answering.
    expect(lockOwner()).toMatchObject({ pid: daemon.pid, role: 'daemon' });
    expect((await daemon.status()).pid).toBe(daemon.pid);
  });

  it('ragctl index is handed to the running daemon, never refused or run beside it', async () => {
    const result = await runCli(['index', '--json', '--config', ws.configFile], { cwd: ws.root });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ via: 'daemon', queued: 1 });
  });

  it('after kill -9, the stale socket and the stale lock are taken over by the next daemon', async () => {
    const dead = daemon.pid;
    await daemon.kill9();
    expect(isAlive(dead)).toBe(false);
    // What a crash leaves: the socket file (nothing listening) and the lock naming a dead pid.
    expect(statSync(ws.socketPath).isSocket()).toBe(true);
    expect(lockOwner().pid).toBe(dead);
    // Meanwhile the CLI sees no daemon and reads the index itself.
    const meanwhile = await runCli(['status', '--json', '--config', ws.configFile], { cwd: ws.root });
    expect(meanwhile.code, meanwhile.stderr).toBe(0);
    expect(JSON.parse(meanwhile.stdout)).toMatchObject({ state: 'stopped', via: 'index', files: 1 });

    daemon = await DaemonProcess.start(ws);
    expect(daemon.pid).not.toBe(dead);
    expect(lockOwner()).toMatchObject({ pid: daemon.pid, role: 'daemon' });
    expect(statSync(ws.socketPath).isSocket()).toBe(true);
    const started = ws.logLines().filter((l) => l.pid === daemon.pid);
    expect(
      started.some((l) => l.msg === 'removed a stale socket left by a daemon that did not exit cleanly'),
    ).toBe(true);
    await daemon.idle();
  });

  it('a file that is not a socket where the socket goes is never removed: the daemon refuses to start', async () => {
    await daemon.stop();
    await mkdir(join(ws.dataDir, 'run'), { recursive: true });
    await writeFile(ws.socketPath, 'not a socket');
    const blocked = DaemonProcess.spawn(ws);
    const code = await blocked.exited;
    expect(code, blocked.output).not.toBe(0);
    expect(blocked.output).toContain('exists and is not a socket; refusing to replace it');
    expect(readFileSync(ws.socketPath, 'utf8')).toBe('not a socket');
    // The refused daemon released its lock on the way out (the kernel's answer, not the file's).
    expect(DataDirLock.holder(ws.dataDir)).toBeUndefined();
    await import('node:fs/promises').then((fs) => fs.rm(ws.socketPath));
    daemon = await DaemonProcess.start(ws);
    await daemon.idle();
  });
});

describe('SIGHUP reloads the config', () => {
  const more = () => join(ws.root, 'more');

  it('a source added to the config file: its files become searchable; the socket answers throughout', async () => {
    await mkdir(more(), { recursive: true });
    await writeFile(join(more(), 'second.md'), note('pademelonsecond'));
    await ws.writeConfig({
      sources: [
        { path: ws.notes, engine: 'md' },
        { path: more(), engine: 'md' },
      ],
    });
    // Ask all along the reload: the socket stays up while the index side is rebuilt.
    const errors: string[] = [];
    let answers = 0;
    let reloading = true;
    const poller = (async () => {
      while (reloading) {
        try {
          await daemon.status(5_000);
          await daemon.search('lyrebirdfirst', { k: 1 });
          answers++;
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    })();
    try {
      process.kill(daemon.pid, 'SIGHUP');
      await waitFor('the new source searchable', async () =>
        (await daemon.search('pademelonsecond', { k: 3 })).some((h) => h.path === join(more(), 'second.md')),
      );
      await daemon.until('two files indexed and idle', (s) => s.files === 2 && s.state === 'idle');
    } finally {
      reloading = false;
      await poller;
    }
    expect(errors).toEqual([]);
    expect(answers).toBeGreaterThan(0);
    expect(ws.logLines().some((l) => l.pid === daemon.pid && l.msg === 'config reloaded')).toBe(true);
    // The new source is watched too: a note added there now is found.
    await writeFile(join(more(), 'third.md'), note('pademelonthird'));
    await waitFor('a note added to the new source found', async () =>
      (await daemon.search('pademelonthird', { k: 3 })).some((h) => h.path === join(more(), 'third.md')),
    );
  });

  it('a broken config: the daemon runs on with the old one and says degraded, with the reason; fixed, it is back to normal', async () => {
    const good = readFileSync(ws.configFile, 'utf8');
    await writeFile(ws.configFile, `${good}\nsourcez: []\n`);
    process.kill(daemon.pid, 'SIGHUP');
    const degraded = await daemon.until('status degraded', (s) => s.state === 'degraded');
    expect(degraded.pid).toBe(daemon.pid);
    expect(degraded.reason).toContain('the config was not reloaded');
    expect(degraded.reason).toContain('sourcez');
    expect(degraded.fix).toContain('SIGHUP');
    // Still on the old config: both sources searched, and changes in them followed.
    await ws.write('while-broken.md', note('quollbroken'));
    await waitFor('a change indexed while the config is broken', async () =>
      (await daemon.search('quollbroken', { k: 3 })).some((h) => h.path === ws.path('while-broken.md')),
    );
    expect((await daemon.search('pademelonsecond', { k: 3 }))[0]!.path).toBe(join(more(), 'second.md'));
    const cli = await runCli(['status', '--config', ws.configFile], { cwd: ws.root });
    // The CLI cannot read the broken file either: it says so (exit 2), naming the key.
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('sourcez');

    // Fixed, without the second source this time.
    await ws.writeConfig({});
    process.kill(daemon.pid, 'SIGHUP');
    const back = await daemon.until(
      'status back to idle on the new config',
      (s) => s.state === 'idle' && s.reason === null && s.files === 2,
      30_000,
    );
    expect(back.pid).toBe(daemon.pid);
    // The removed source's files left the index.
    expect(
      (await daemon.search('pademelonsecond', { k: 10 })).filter((h) => h.path.startsWith(more())),
    ).toEqual([]);
  });

  it('a config that reads well but cannot be opened (a model folder that does not exist): the old config runs on', async () => {
    await ws.writeConfig({});
    const raw = ws.rawConfig({
      embedders: { default: { ...testEmbedderBlock(), model: join(ws.root, 'no-such-model') } },
    });
    await writeFile(ws.configFile, JSON.stringify(raw));
    process.kill(daemon.pid, 'SIGHUP');
    const degraded = await daemon.until('status degraded', (s) => s.state === 'degraded', 30_000);
    expect(degraded.pid).toBe(daemon.pid);
    expect(degraded.reason).toContain('the config was not reloaded');
    expect(degraded.reason).toContain('no-such-model');
    // Still indexing and searching with the previous model.
    await ws.write('after-bad-model.md', note('bettongbadmodel'));
    await waitFor('a change indexed with the previous config', async () =>
      (await daemon.search('bettongbadmodel', { k: 3 })).some(
        (h) => h.path === ws.path('after-bad-model.md'),
      ),
    );
    await ws.writeConfig({});
    process.kill(daemon.pid, 'SIGHUP');
    await daemon.until('back to idle', (s) => s.state === 'idle' && s.reason === null, 30_000);
  });

  it('ragctl pause holds across a reload: the new queue starts paused', async () => {
    const reloads = () =>
      ws.logLines().filter((l) => l.pid === daemon.pid && l.msg === 'config reloaded').length;
    const before = reloads();
    await daemon.request('pause', {});
    process.kill(daemon.pid, 'SIGHUP');
    await waitFor('the reload done', () => reloads() > before);
    expect((await daemon.status()).state).toBe('paused');
    const path = await ws.write('held.md', note('potoroohold'));
    await daemon.until('the change held in the queue', (s) => s.state === 'paused' && s.queue_depth > 0);
    expect((await daemon.search('potoroohold', { k: 10 })).filter((h) => h.path === path)).toEqual([]);
    await daemon.request('resume', {});
    await waitFor('the held change indexed after resume', async () =>
      (await daemon.search('potoroohold', { k: 3 })).some((h) => h.path === path),
    );
  });
});

describe('ragctl daemon stop of a daemon run by hand', () => {
  it('returns once the process is gone, so its index can be removed at once', async () => {
    // No service installed under this HOME: `stop` asks over the socket (`daemon run` by hand).
    const home = join(ws.root, 'home');
    await mkdir(home, { recursive: true });
    const pid = daemon.pid;
    // `daemon status` asks the service manager, which knows nothing of it: it says who runs.
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
    const status = await runCli(['daemon', 'status', '--config', ws.configFile], { cwd: ws.root, env });
    expect(status.stdout).toMatch(
      new RegExp(`A daemon \\(pid ${pid}, \\w+\\) runs on this config outside the service manager`),
    );
    const statusJson = await runCli(['daemon', 'status', '--json', '--config', ws.configFile], {
      cwd: ws.root,
      env,
    });
    expect(JSON.parse(statusJson.stdout)).toMatchObject({
      installed: false,
      outside: { pid, state: expect.any(String) },
    });
    const stop = await runCli(['daemon', 'stop', '--json', '--config', ws.configFile], {
      cwd: ws.root,
      env: { HOME: home, XDG_CONFIG_HOME: join(home, '.config') },
    });
    expect(stop.code, stop.stderr).toBe(0);
    expect(JSON.parse(stop.stdout)).toEqual({ action: 'stop', via: 'socket', pid, exited: true });
    expect(isAlive(pid)).toBe(false);
    await daemon.exited;
  });
});
