import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLock } from '../../../src/daemon/lock.js';
import { errnoCode } from '../../../src/errors.js';
import { skipUnless, tmpfsMounts } from '../../helpers/capabilities.js';
import { DaemonProcess, DaemonWorkspace, stopAll, takeStrayErrors, waitFor } from '../../helpers/daemon.js';

/**
 * Work the daemon starts and nobody awaits (timers, event handlers) must never end the
 * process: a failure is logged with what failed and turns into `degraded` while it lasts. The
 * process-level handlers catch what a bug lets through: a stray rejection is logged and
 * reported, a stray exception stops the daemon cleanly with a non-zero exit.
 */

const note = (word: string) => `# ${word}\n\nnote ${word}\n`;
const STRAY_FIXTURE = fileURLToPath(new URL('../../fixtures/daemon/stray-error.mjs', import.meta.url));

let ws: DaemonWorkspace | undefined;
let daemon: DaemonProcess | undefined;
/** A tmpfs a test mounted: unmounted after its daemon stopped, before the workspace goes. */
let mountpoint: string | undefined;

afterEach(async () => {
  try {
    if (daemon && !daemon.hasExited) await daemon.stop();
  } finally {
    await stopAll();
    if (mountpoint) execFileSync('umount', [mountpoint]);
    mountpoint = undefined;
    await ws?.cleanup();
    daemon = undefined;
    ws = undefined;
  }
});

/** Appends to `path` until the filesystem says ENOSPC, down to single bytes. */
function fillUp(path: string): void {
  const fd = openSync(path, 'a');
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size, 0x0a);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if (errnoCode(err) !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

describe('a table that cannot be read', () => {
  it('the optimize check fails, the daemon stays up and says degraded; fixed, it recovers', async () => {
    // Two engines, two chunk tables: notes go on being indexed into one while the other's
    // version folder is replaced by a file, which every read of that table's stats trips on.
    const created = await DaemonWorkspace.create();
    ws = created;
    const other = join(created.root, 'other');
    await mkdir(other);
    await created.writeConfig({
      engines: { md: { chunker: 'markdown' }, other: { chunker: 'markdown' } },
      sources: [
        { path: created.notes, engine: 'md' },
        { path: other, engine: 'other' },
      ],
    });
    await created.write('first.md', note('quokkafirst'));
    await writeFile(join(other, 'elsewhere.md'), note('quokkaother'));
    const d = await DaemonProcess.start(created);
    daemon = d;
    await d.until('both notes indexed', (s) => s.state === 'idle' && s.files === 2);

    const versions = join(created.dataDir, 'index', 'chunks_other.lance', '_versions');
    await rename(versions, `${versions}.aside`);
    await writeFile(versions, 'not a folder\n');
    // A write to the healthy table arms the optimize check, which reads every table's stats.
    await created.write('second.md', note('quokkasecond'));
    await waitFor(
      'the optimize check to fail on the unreadable table',
      () => {
        if (d.hasExited) throw new Error(`the daemon died:\n${d.output}`);
        return created
          .logLines()
          .some(
            (l) =>
              l.pid === d.pid &&
              l.trouble === 'store-unreadable' &&
              l.by === 'the optimize check' &&
              l.level === 50,
          );
      },
      30_000,
    );
    const degraded = await d.until('status degraded by the unreadable table', (s) => s.state === 'degraded');
    expect(degraded.pid).toBe(d.pid);
    expect(degraded.reason).toContain(`the index in ${created.dataDir} cannot be read`);
    expect(degraded.reason).toContain('chunks_other.lance/_versions');
    expect(degraded.fix).toContain('need a restart of the daemon, which rebuilds what is missing');
    expect(degraded.fix).toContain('for the rest it retries by itself');
    // The counts are the last ones read, not zeros.
    expect(degraded.files).toBeGreaterThanOrEqual(2);

    await rm(versions);
    await rename(`${versions}.aside`, versions);
    const recovered = await d.until('recovered', (s) => s.state === 'idle' && s.reason === null);
    expect(recovered.files).toBe(3);
    expect(d.hasExited).toBe(false);
    // Still indexing, into both tables.
    await created.write('third.md', note('quokkathird'));
    await writeFile(join(other, 'again.md'), note('quokkaagain'));
    await d.until('both new notes indexed', (s) => s.state === 'idle' && s.files === 5);
    const log = created.logLines().filter((l) => l.pid === d.pid);
    expect(log.some((l) => l.msg === 'no longer degraded' && l.trouble === 'store-unreadable')).toBe(true);
  });
});

describe('the process-level handlers', () => {
  const startWithStray = async (kind: 'rejection' | 'exception') => {
    const created = await DaemonWorkspace.create();
    ws = created;
    await created.write('first.md', note('numbatfirst'));
    const d = await DaemonProcess.start(created, {
      env: { NODE_OPTIONS: `--import=${STRAY_FIXTURE}`, RAGCTL_TEST_STRAY: kind },
    });
    daemon = d;
    await d.until('the note indexed', (s) => s.state === 'idle' && s.files === 1);
    d.child.kill('SIGUSR2');
    return { ws: created, daemon: d };
  };

  it('a stray rejection is logged with its stack; the daemon runs on, degraded with the reason', async () => {
    const { ws: w, daemon: d } = await startWithStray('rejection');
    const degraded = await d.until('degraded by the stray rejection', (s) => s.state === 'degraded');
    expect(degraded.reason).toContain('an internal error was not handled');
    expect(degraded.reason).toContain('stray rejection from the test fixture');
    expect(degraded.fix).toContain('restart the daemon');
    // Still serving: it indexes and answers.
    await w.write('second.md', note('numbatsecond'));
    await waitFor(
      'the second note searchable',
      async () => (await d.search('numbatsecond', { k: 1 }))[0]?.path === w.path('second.md'),
      30_000,
    );
    const line = w.logLines().find((l) => l.pid === d.pid && l.event === 'unhandledRejection');
    expect(line?.level).toBe(50);
    expect(JSON.stringify(line?.err)).toContain('stray-error.mjs');
    d.child.kill('SIGTERM');
    expect(await d.exited, d.output).toBe(0);
    // The helper fails any test whose daemon logged this; here it was the point.
    const strays = takeStrayErrors();
    expect(strays).toHaveLength(1);
    expect(strays[0]).toContain('unhandledRejection');
  });

  it('a stray exception stops the daemon cleanly and exits 1 saying why', async () => {
    const { ws: w, daemon: d } = await startWithStray('exception');
    const code = await d.exited;
    expect(code, d.output).toBe(1);
    expect(d.output).toContain(
      'ragd stopped after an uncaught exception: stray exception from the test fixture',
    );
    const log = w.logLines().filter((l) => l.pid === d.pid);
    expect(log.find((l) => l.event === 'uncaughtException')?.level).toBe(60);
    expect(log.some((l) => l.msg === 'ragd stopped')).toBe(true);
    expect(existsSync(w.socketPath), 'socket removed').toBe(false);
    expect(DataDirLock.holder(w.dataDir), 'lock released').toBeUndefined();
    const strays = takeStrayErrors();
    expect(strays).toHaveLength(1);
    expect(strays[0]).toContain('uncaughtException');
  });
});

const LOG_DISK_SUITE = 'the disk holding the log fills up';
describe.skipIf(skipUnless(tmpfsMounts(), LOG_DISK_SUITE))(LOG_DISK_SUITE, () => {
  /** The log alone on a small tmpfs (mounting needs root), so that only logging fails. */
  const TMPFS_BYTES = 1024 * 1024;

  it('the daemon runs on and says so once on stderr; with space again, the log goes on', async () => {
    const created = await DaemonWorkspace.create();
    ws = created;
    const logs = join(created.root, 'logs');
    mkdirSync(logs);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', logs], {
      encoding: 'utf8',
    });
    if (mount.status !== 0)
      throw new Error(`this test mounts a tmpfs for the log and needs root for it: ${mount.stderr}`);
    mountpoint = logs;
    await created.writeConfig({ log: { level: 'info', file: join(logs, 'ragd.log') } });
    await created.write('first.md', note('wallabyfirst'));
    const d = await DaemonProcess.start(created);
    daemon = d;
    await d.until('the note indexed', (s) => s.state === 'idle' && s.files === 1);

    // Every byte taken, the log file's last page included: its next line cannot be written.
    const filler = join(logs, 'filler.bin');
    fillUp(filler);
    fillUp(created.logFile);
    await created.write('second.md', note('wallabysecond'));
    await d.until('the second note indexed', (s) => s.state === 'idle' && s.files === 2);
    await waitFor('the log failure reported on stderr', () => d.output.includes('cannot write the log'));
    expect(d.output).toContain(`ragd: cannot write the log ${created.logFile}: ENOSPC`);
    expect(d.hasExited).toBe(false);

    await rm(filler);
    await created.write('third.md', note('wallabythird'));
    await d.until('the third note indexed', (s) => s.state === 'idle' && s.files === 3);
    // The lines that failed were kept: all three notes' are there now.
    await waitFor(
      'the log written again',
      () =>
        created.logLines().filter((l) => l.pid === d.pid && l.msg === 'indexed' && l.filesAdded === 1)
          .length === 3,
    );
    // Said once for the episode, however many lines failed.
    expect(d.output.split('cannot write the log').length - 1).toBe(1);
  });
});
