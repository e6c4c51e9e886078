import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLock, lockPath } from '../../../src/daemon/lock.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, isAlive, waitFor } from '../../helpers/daemon.js';
import { RAGCTL_BIN, runCli } from '../../helpers/run-cli.js';

/**
 * The real writers, `ragctl daemon run` and `ragctl index`, on one data dir: never two at once,
 * whatever the lock file says. The tight race itself (20 processes released by one barrier,
 * clean and stale lock files) is the lock module's, in writer-lock.test.ts; here real daemons
 * start together as a service manager and a user's shell would start them.
 */
/** As many as the issue asks for: every loser exits at the lock, before LanceDB or the model load. */
const DAEMONS = 20;

let ws: DaemonWorkspace;
let daemon: DaemonProcess | undefined;
let sleeper: ChildProcess;
const others: ChildProcess[] = [];

const note = (word: string) => `# ${word}\n\nnote ${word}\n`;

/** A note naming `pid` as the writer, as a crash (or the previous lock format) leaves it. */
function writeNote(pid: number, role = 'daemon'): void {
  mkdirSync(ws.dataDir, { recursive: true });
  writeFileSync(lockPath(ws.dataDir), `${JSON.stringify({ pid, host: hostname(), role, startedAt: 1 })}\n`);
}

function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(child.exitCode ?? child.signalCode!);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
}

beforeAll(async () => {
  ws = await DaemonWorkspace.create();
  for (let i = 0; i < 30; i++) await ws.write(`n${i}.md`, note(`quokka${i}`));
  // A live process that has nothing to do with ragctl, standing for a pid reused after a reboot.
  sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
});

afterEach(async () => {
  for (const child of others.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  }
});

afterAll(async () => {
  sleeper.kill('SIGKILL');
  await endDaemonTest(daemon, ws);
});

describe('one writer per data dir, among the real processes', () => {
  it(`${DAEMONS} daemons started at once over a lock naming a live unrelated pid: one serves, the rest exit 5 naming it`, async () => {
    writeNote(sleeper.pid!);
    const all = Array.from({ length: DAEMONS }, () => DaemonProcess.spawn(ws));
    const winner = await waitFor(
      'one daemon to answer status',
      async () => {
        const s = DataDirLock.holder(ws.dataDir);
        return s && all.find((d) => d.pid === s.pid);
      },
      60_000,
    );
    await winner.ready();
    for (const d of all) {
      if (d === winner) continue;
      expect(await d.exited, d.output).toBe(5);
      expect(d.output).toContain(
        `ragctl: ${ws.dataDir} is in use by the daemon (pid ${winner.pid}): only one process at a time may write an index\n` +
          '  fix: talk to it with `ragctl status` / `ragctl reindex`, or stop it with `ragctl daemon stop`\n',
      );
    }
    expect(winner.hasExited).toBe(false);
    expect(isAlive(sleeper.pid!)).toBe(true);
    daemon = winner;
    await daemon.until('the notes indexed', (s) => s.files === 30 && s.state === 'idle', 60_000);
  });

  it('the model worker does not inherit the lock: only the daemon holds it open', () => {
    const worker = daemon!.workerPid();
    expect(worker, 'the embed worker runs').toBeDefined();
    const opens = (pid: number) =>
      readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === lockPath(ws.dataDir);
        } catch {
          return false; // Closed between the listing and the read.
        }
      });
    expect(opens(daemon!.pid)).toBe(true);
    expect(opens(worker!)).toBe(false);
  });

  it('kill -9, then a note naming a live unrelated pid: the next daemon starts at once', async () => {
    await daemon!.kill9();
    // The pid in the note now belongs to a live process: the old lock took that for a live writer.
    writeNote(sleeper.pid!);
    daemon = await DaemonProcess.start(ws);
    expect(DataDirLock.holder(ws.dataDir)).toMatchObject({ pid: daemon.pid, role: 'daemon' });
    await daemon.stop();
    daemon = undefined;
  });

  it('`ragctl index` holding the lock: a daemon started meanwhile exits 5 naming it; the index finishes', async () => {
    await ws.write('more.md', note('numbat'));
    const index = spawn(process.execPath, [RAGCTL_BIN, 'index', '--json', '--config', ws.configFile], {
      cwd: ws.root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    others.push(index);
    let out = '';
    index.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    index.stderr!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const done = exited(index);
    await waitFor(
      '`ragctl index` to hold the lock',
      () => DataDirLock.holder(ws.dataDir)?.pid === index.pid,
      60_000,
    );
    // Frozen while it holds the lock: however long the daemon takes to start, it meets the lock.
    index.kill('SIGSTOP');
    try {
      const refused = DaemonProcess.spawn(ws);
      expect(await refused.exited, refused.output).toBe(5);
      expect(refused.output).toContain(
        `${ws.dataDir} is in use by \`ragctl index\` (pid ${index.pid}): only one process at a time may write an index`,
      );
    } finally {
      index.kill('SIGCONT');
    }
    expect(await done, out).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ via: 'index', filesAdded: 1 });
    expect(DataDirLock.holder(ws.dataDir)).toBeUndefined();
  });

  it('a writer holding the lock without a socket: `ragctl index` exits 5 naming it', async () => {
    const contender = spawn(
      process.execPath,
      [fileURLToPath(new URL('../../fixtures/lock/contender.mjs', import.meta.url)), ws.dataDir, 'daemon'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    others.push(contender);
    let out = '';
    contender.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    await waitFor('the contender loaded', () => out.startsWith('ready\n'));
    contender.stdin!.write('go\n');
    await waitFor('the contender to hold the lock', () => out.includes(`won ${contender.pid}\n`));
    const refused = await runCli(['index', '--config', ws.configFile], { cwd: ws.root });
    expect(refused.code, refused.stderr).toBe(5);
    expect(refused.stderr).toContain(`${ws.dataDir} is in use by the daemon (pid ${contender.pid})`);
    contender.stdin!.end();
    expect(await exited(contender)).toBe(0);
  });

  it('a daemon running: `ragctl index` hands it the work and the daemon stays the one writer', async () => {
    daemon = await DaemonProcess.start(ws);
    const handed = await runCli(['index', '--json', '--config', ws.configFile], { cwd: ws.root });
    expect(handed.code, handed.stderr).toBe(0);
    expect(JSON.parse(handed.stdout)).toMatchObject({ via: 'daemon' });
    expect(DataDirLock.holder(ws.dataDir)).toMatchObject({ pid: daemon.pid, role: 'daemon' });
    expect(readFileSync(lockPath(ws.dataDir), 'utf8')).toContain(`"pid":${daemon.pid}`);
  });
});
