import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, symlink } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errnoCode } from '../../../src/errors.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, readRecords, waitFor } from '../../helpers/daemon.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/** Small, so that a file over it is cheap to write. */
const MAX_FILE_BYTES = 4096;
/** A file on /proc that even root cannot read (ptrace rules guard another process's memory). */
const PROC_UNREADABLE = '/proc/1/mem';

/** Why reading PROC_UNREADABLE fails here, found out the same way the indexer does. */
function procReadError(): string {
  try {
    readFileSync(PROC_UNREADABLE);
  } catch (err) {
    return errnoCode(err) ?? String(err);
  }
  throw new Error(`${PROC_UNREADABLE} is readable here; the test needs a file that is not`);
}

const note = (word: string) => `# ${word}\n\nnote ${word}\n`;

describe('files that cannot be indexed are skipped with their reason; the daemon stays healthy', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    ws = await DaemonWorkspace.create({ indexing: { maxFileBytes: MAX_FILE_BYTES } });
    await ws.write('good.md', note('kowarigood'));
    daemon = await DaemonProcess.start(ws);
    await daemon.until('the good note indexed', (s) => s.files === 1 && s.state === 'idle');
  });
  afterAll(() => endDaemonTest(daemon, ws));

  /** path → reason, for every odd file made so far. */
  const expected: Record<string, string> = {};

  it('made while the daemon watches: a FIFO, a binary file, a file over maxFileBytes, an unreadable /proc file', async () => {
    execFileSync('mkfifo', [ws.path('pipe.md')]);
    expected[ws.path('pipe.md')] = 'not a regular file (FIFO, socket or device)';
    await ws.write('blob.md', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x1a, 0x0a]));
    expected[ws.path('blob.md')] = 'binary file';
    await ws.write('big.md', `# Big\n\n${'word '.repeat(2000)}\n`);
    const bigSize = readFileSync(ws.path('big.md')).length;
    expected[ws.path('big.md')] = `larger than indexing.maxFileBytes (${bigSize} > ${MAX_FILE_BYTES} bytes)`;
    // A link to the file (links to files are followed; reading it is what fails).
    await symlink(PROC_UNREADABLE, ws.path('proc-mem.md'));
    expected[ws.path('proc-mem.md')] = `cannot read: ${procReadError()}`;

    const status = await daemon.until(
      'every odd file listed in status',
      (s) =>
        s.state === 'idle' && Object.keys(expected).every((p) => s.last_errors.some((e) => e.path === p)),
    );
    const listed = Object.fromEntries(
      status.last_errors.filter((e) => e.code === 'E_SKIPPED').map((e) => [e.path, e.message]),
    );
    expect(listed).toEqual(expected);
    expect(status).toMatchObject({ state: 'idle', reason: null, fix: null, files: 1, pid: daemon.pid });
    // The records say the same.
    const records = await readRecords(ws.config());
    for (const [path, reason] of Object.entries(expected))
      expect(records.get(path), path).toMatchObject({ status: 'skipped', reason, chunkCount: 0 });

    // ragctl status shows them to a person too.
    const human = await runCli(['status', '--config', ws.configFile], { cwd: ws.root });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('skipped files:');
    expect(human.stdout).not.toContain('recent errors:');
    expect(human.stdout).toContain('notes/pipe.md: not a regular file (FIFO, socket or device)');
  });

  it('a symlink loop and a dangling link: the watcher does not report them (chokidar drops links it cannot resolve); the next walk lists them', async () => {
    await symlink(ws.path('loop.md'), ws.path('loop.md'));
    expected[ws.path('loop.md')] = 'symbolic link loop';
    await symlink(ws.path('nowhere.md'), ws.path('dangling.md'));
    expected[ws.path('dangling.md')] = 'broken symbolic link';
    // A walk, as the periodic reconcile does (or `ragctl reindex` asks for).
    const result = oneJsonLine(
      await runCli(['reindex', '--json', '--config', ws.configFile], { cwd: ws.root }),
    );
    expect(result).toEqual({ queued: 1 });
    const status = await daemon.until(
      'the links listed in status',
      (s) =>
        s.state === 'idle' &&
        [ws.path('loop.md'), ws.path('dangling.md')].every((p) => s.last_errors.some((e) => e.path === p)),
    );
    expect(
      Object.fromEntries(
        status.last_errors.filter((e) => e.code === 'E_SKIPPED').map((e) => [e.path, e.message]),
      ),
    ).toEqual(expected);
    expect(status).toMatchObject({ state: 'idle', reason: null, files: 1 });
  });

  it('a walk of everything re-reads none of them: records untouched, still idle, search answers', async () => {
    const before = await readRecords(ws.config());
    const skippedLogs = () => ws.logLines().filter((l) => l.msg === 'skipped').length;
    const logged = skippedLogs();
    const result = oneJsonLine(
      await runCli(['reindex', '--json', '--config', ws.configFile], { cwd: ws.root }),
    );
    expect(result).toEqual({ queued: 1 });
    // The walk was queued before the reply: idle means it ran.
    const status = await daemon.idle();
    expect(status).toMatchObject({ state: 'idle', reason: null });
    expect(await readRecords(ws.config())).toEqual(before);
    expect(skippedLogs()).toBe(logged);
    expect((await daemon.search('kowarigood', { k: 1 }))[0]!.path).toBe(ws.path('good.md'));
  });

  it('a folder with mode 000: root reads it anyway, so its notes are indexed (honestly, no error)', async () => {
    await mkdir(ws.path('locked'));
    await ws.write('locked/inside.md', note('mulgaralocked'));
    await chmod(ws.path('locked'), 0o000);
    // A file added to the folder after it was locked, and a folder symlink loop beside it.
    await ws.write('locked/later.md', note('mulgaralater'));
    await symlink('..', ws.path('locked-cycle'));
    for (const [rel, word] of [
      ['locked/inside.md', 'mulgaralocked'],
      ['locked/later.md', 'mulgaralater'],
    ] as const) {
      await waitFor(`${rel} indexed`, async () =>
        (await daemon.search(word, { k: 3 })).some((h) => h.path === ws.path(rel)),
      );
    }
    const status = await daemon.idle();
    expect(status.files).toBe(3);
    expect(status.reason).toBeNull();
    // The link to a parent folder is not followed: nothing indexed through it, nothing listed for it.
    expect(status.last_errors.some((e) => e.path.includes('locked-cycle'))).toBe(false);
    const records = await readRecords(ws.config());
    expect([...records.keys()].filter((p) => p.includes('locked-cycle'))).toEqual([]);
  });
});
