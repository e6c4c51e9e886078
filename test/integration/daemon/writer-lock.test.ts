import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLock, lockPath } from '../../../src/daemon/lock.js';
import { isAlive, waitFor } from '../../helpers/daemon.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * The lock module as the daemon and `ragctl index` use it, in real processes racing on a real
 * data dir (test/fixtures/lock/contender.mjs runs dist/, so build first).
 */
const CONTENDER = fileURLToPath(new URL('../../fixtures/lock/contender.mjs', import.meta.url));
/** The number: enough processes that a window between "look" and "take" gets hit. */
const CONTENDERS = 20;

class Contender {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | string>;
  exit: number | string | undefined;

  constructor(dataDir: string, role: string) {
    this.child = spawn(process.execPath, [CONTENDER, dataDir, role], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.child.pid!;
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exit = code ?? signal ?? 'unknown';
        live.delete(this);
        resolve(this.exit);
      }),
    );
    live.add(this);
  }

  get won(): boolean {
    return this.stdout.includes(`won ${this.pid}\n`);
  }

  /** Lets a winner release the lock and exit 0. */
  async release(): Promise<void> {
    this.child.stdin!.end();
    expect(await this.exited, this.stderr).toBe(0);
    expect(this.stdout).toContain('released\n');
  }
}

const live = new Set<Contender>();

/** Starts `n` contenders, lets them all go at once, and waits until each has won or exited. */
async function race(dataDir: string, n = CONTENDERS): Promise<{ winners: Contender[]; losers: Contender[] }> {
  const all = Array.from({ length: n }, () => new Contender(dataDir, 'index'));
  await waitFor(
    `${n} contenders loaded`,
    () => {
      const gone = all.find((c) => c.exit !== undefined);
      if (gone) throw new Error(`a contender exited before the start (${String(gone.exit)}): ${gone.stderr}`);
      return all.every((c) => c.stdout.startsWith('ready\n'));
    },
    60_000,
  );
  for (const c of all) c.child.stdin!.write('go\n');
  await waitFor(
    'every contender to win or give up',
    () => all.every((c) => c.won || c.exit !== undefined),
    60_000,
  );
  return { winners: all.filter((c) => c.won), losers: all.filter((c) => !c.won) };
}

/** Exactly one writer; every other contender exits 5 with the documented message naming it. */
async function expectOneWriter(dataDir: string): Promise<Contender> {
  const { winners, losers } = await race(dataDir);
  expect(
    winners.map((w) => w.pid),
    'exactly one writer',
  ).toHaveLength(1);
  const winner = winners[0]!;
  for (const l of losers) {
    expect(await l.exited, l.stderr).toBe(5);
    expect(l.stderr).toBe(
      `ragctl: ${dataDir} is in use by \`ragctl index\` (pid ${winner.pid}): only one process at a time may write an index\n` +
        `  fix: wait for it to finish (or stop it: \`kill ${winner.pid}\`), then run this again\n`,
    );
  }
  expect(DataDirLock.holder(dataDir)).toMatchObject({ pid: winner.pid, role: 'index', host: hostname() });
  await winner.release();
  expect(DataDirLock.holder(dataDir)).toBeUndefined();
  return winner;
}

/** A pid that belonged to a process that has exited (a crash leaves such a note behind). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((resolve) => child.once('exit', resolve));
  return pid;
}

/** The lock file the previous implementation wrote: JSON naming a pid, no kernel lock behind it. */
function writeOldLock(dataDir: string, pid: number, role = 'daemon'): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    lockPath(dataDir),
    `${JSON.stringify({ pid, host: hostname(), role, startedAt: Date.now() })}\n`,
  );
}

let root: { dir: string; cleanup: () => Promise<void> };
let sleeper: ChildProcess | undefined;

beforeAll(async () => {
  root = await makeTempDir('writer-lock');
});

afterEach(async () => {
  for (const c of [...live]) {
    c.child.kill('SIGKILL');
    await c.exited;
  }
});

afterAll(async () => {
  sleeper?.kill('SIGKILL');
  await root.cleanup();
});

let cases = 0;
const freshDataDir = () => join(root.dir, `data-${++cases}`);

describe(`${CONTENDERS} processes take the writer lock of one data dir at once`, () => {
  it('a clean data dir: exactly one writer, the others exit 5 naming it', async () => {
    const dataDir = freshDataDir();
    await expectOneWriter(dataDir);
    // The file stays, empty: deleting it would let a late opener lock an unlinked inode.
    expect(readFileSync(lockPath(dataDir), 'utf8')).toBe('');
  });

  it('a stale lock file of the old format naming a dead pid: exactly one writer', async () => {
    const dataDir = freshDataDir();
    writeOldLock(dataDir, await deadPid());
    await expectOneWriter(dataDir);
  });

  it('a stale lock left by a kill -9 of a writer of this format: exactly one writer', async () => {
    const dataDir = freshDataDir();
    const killed = new Contender(dataDir, 'index');
    await waitFor('the contender loaded', () => killed.stdout.startsWith('ready\n'));
    killed.child.stdin!.write('go\n');
    await waitFor('the contender to hold the lock', () => killed.won);
    killed.child.kill('SIGKILL');
    await killed.exited;
    // What the kill left: the note still names the dead writer.
    expect(JSON.parse(readFileSync(lockPath(dataDir), 'utf8'))).toMatchObject({ pid: killed.pid });
    await expectOneWriter(dataDir);
  });

  it('a lock file naming a live, unrelated pid (a pid reused after a reboot): exactly one writer', async () => {
    const dataDir = freshDataDir();
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    writeOldLock(dataDir, sleeper.pid!);
    await expectOneWriter(dataDir);
    // The unrelated process was neither asked nor harmed.
    expect(isAlive(sleeper.pid!)).toBe(true);
    writeOldLock(dataDir, process.pid, 'index');
    await expectOneWriter(dataDir);
  });
});

describe('the kernel decides, not the note', () => {
  it('kill -9 of the holder: the next acquire succeeds at once, no waiting and no guessing', async () => {
    const dataDir = freshDataDir();
    const holder = new Contender(dataDir, 'daemon');
    await waitFor('the contender loaded', () => holder.stdout.startsWith('ready\n'));
    holder.child.stdin!.write('go\n');
    await waitFor('the contender to hold the lock', () => holder.won);
    expect(() => DataDirLock.acquire(dataDir, 'index')).toThrow(
      expect.objectContaining({
        code: 'E_LOCKED',
        message: `${dataDir} is in use by the daemon (pid ${holder.pid}): only one process at a time may write an index`,
      }),
    );
    holder.child.kill('SIGKILL');
    await holder.exited;
    const lock = DataDirLock.acquire(dataDir, 'index');
    expect(lock.owner.pid).toBe(process.pid);
    lock.release();
  });

  it('in one process, a second acquire is refused too (the lock is per open file, not per process)', () => {
    const dataDir = freshDataDir();
    const first = DataDirLock.acquire(dataDir, 'daemon');
    try {
      expect(() => DataDirLock.acquire(dataDir, 'daemon')).toThrow(
        expect.objectContaining({
          code: 'E_LOCKED',
          message: expect.stringContaining(`(pid ${process.pid})`),
        }),
      );
      expect(DataDirLock.holder(dataDir)).toMatchObject({ pid: process.pid, role: 'daemon' });
    } finally {
      first.release();
    }
    // Released: the note is emptied, the file stays, and nobody holds it.
    expect(DataDirLock.holder(dataDir)).toBeUndefined();
    expect(readFileSync(lockPath(dataDir), 'utf8')).toBe('');
    first.release();
    DataDirLock.acquire(dataDir, 'index').release();
  });

  it('a held lock whose note is not ours: refused, naming the lock file and how to find its holder', () => {
    const dataDir = freshDataDir();
    const held = DataDirLock.acquire(dataDir, 'daemon');
    try {
      writeFileSync(lockPath(dataDir), 'not a note');
      let refusal: unknown;
      try {
        DataDirLock.acquire(dataDir, 'index');
      } catch (err) {
        refusal = err;
      }
      expect(refusal).toMatchObject({
        code: 'E_LOCKED',
        message: `${dataDir} is in use by another process, which holds ${lockPath(dataDir)}: only one process at a time may write an index`,
        fix: expect.stringContaining(`lsof ${lockPath(dataDir)}`),
      });
    } finally {
      held.release();
    }
  });

  it('holder() of a data dir that was never locked writes nothing', () => {
    const dataDir = freshDataDir();
    mkdirSync(dataDir);
    expect(DataDirLock.holder(dataDir)).toBeUndefined();
    expect(existsSync(lockPath(dataDir))).toBe(false);
    expect(existsSync(`${lockPath(dataDir)}.gate`)).toBe(false);
  });
});
