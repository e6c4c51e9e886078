import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { lockPath } from '../../../src/daemon/lock.js';
import {
  DaemonProcess,
  DaemonWorkspace,
  endDaemonTest,
  takeStrayErrors,
  waitFor,
} from '../../helpers/daemon.js';

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

afterEach(async () => {
  await endDaemonTest(daemon, ws);
  daemon = undefined;
  ws = undefined;
});

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
          .some((l) => l.pid === d.pid && l.task === 'the optimize check' && l.level === 50);
      },
      30_000,
    );
    const degraded = await d.until('status degraded by the unreadable table', (s) => s.state === 'degraded');
    expect(degraded.pid).toBe(d.pid);
    expect(degraded.reason).toContain(`the index in ${created.dataDir} cannot be read`);
    expect(degraded.reason).toContain('chunks_other.lance/_versions');
    expect(degraded.fix).toContain('the daemon retries by itself');
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
    expect(existsSync(lockPath(w.dataDir)), 'lock released').toBe(false);
    const strays = takeStrayErrors();
    expect(strays).toHaveLength(1);
    expect(strays[0]).toContain('uncaughtException');
  });
});
