import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statfsSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_LIMITS_ENV } from '../../../src/daemon/test-limits.js';
import { errnoCode } from '../../../src/errors.js';
import { skipUnless, tmpfsMounts, userNamespaces } from '../../helpers/capabilities.js';
import { DaemonProcess, DaemonWorkspace, readRecords, stopAll, waitFor } from '../../helpers/daemon.js';
import { countByPath, readChunks } from '../../helpers/index-workspace.js';

/**
 * The daemon's honest health under two real limits of the machine: the kernel's inotify watch
 * limit and a full disk. Neither is faked: the watch limit is lowered for the daemon alone in a
 * user namespace, the disk is a small tmpfs mounted on the data dir.
 */

const note = (word: string) => `# ${word}\n\nnote ${word}\n`;

afterAll(async () => {
  await stopAll();
});

const WATCH_LIMIT_SUITE = 'the inotify watch limit';
describe.skipIf(skipUnless(userNamespaces(), WATCH_LIMIT_SUITE))(WATCH_LIMIT_SUITE, () => {
  /**
   * The machine-wide fs.inotify.max_user_watches is writable here (we are root), but it is
   * shared with every process of the user — other tests, editors — so it is not lowered.
   * The daemon runs in its own user namespace (`unshare -Ur`), whose
   * /proc/sys/user/max_inotify_watches limits that namespace alone: a real ENOSPC from the
   * kernel, for this daemon only. The test raises it again from outside with `nsenter`.
   */
  const LIMIT = 20;
  /** 30 folders with a note each: about 61 watches wanted (folders, files, the root). */
  const FOLDERS = 30;
  /**
   * The watcher is rebuilt 10 s after an error, then 60 s later (DEFAULT_WATCHER_LIMITS); this
   * daemon tries every second instead, so the test need not wait those out. What is checked is
   * the same: still over the limit, a try fails quietly; once raised, the next one recovers.
   */
  const TEST_LIMITS = { watcher: { restartDelaysMs: [1_000] } };
  /** A restart and the walk after it, re-embedding the 30 edited notes on a loaded machine. */
  const RECOVERY_TIMEOUT_MS = 30_000;
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess;

  afterAll(async () => {
    try {
      if (daemon && !daemon.hasExited) await daemon.stop();
    } finally {
      await ws?.cleanup();
    }
  });

  const setLimit = (limit: number) =>
    execFileSync('nsenter', [
      '--user',
      '--target',
      String(daemon.pid),
      'sh',
      '-c',
      `echo ${limit} > /proc/sys/user/max_inotify_watches`,
    ]);

  it(
    'over the limit: degraded with the reason and the sysctl fix; raised, it recovers and the walk indexes what was missed',
    async () => {
      ws = await DaemonWorkspace.create();
      for (let i = 0; i < FOLDERS; i++) await ws.write(`d${i}/n.md`, note(`wombatfirst${i}`));
      daemon = await DaemonProcess.start(ws, {
        env: { [TEST_LIMITS_ENV]: JSON.stringify(TEST_LIMITS) },
        wrap: [
          'unshare',
          '-Ur',
          'sh',
          '-c',
          `echo ${LIMIT} > /proc/sys/user/max_inotify_watches && exec "$@"`,
          'sh',
        ],
      });
      const degraded = await daemon.until(
        'status degraded by the watch limit',
        (s) => s.state === 'degraded',
      );
      expect(degraded.reason).toBe(
        `${ws.notes}: the system limit on watched files was reached while watching ${ws.notes}; changes there may be missed`,
      );
      expect(degraded.fix).toContain('sysctl fs.inotify.max_user_watches=');
      // Degraded is not stopped: the start-up walk indexed every note anyway, and search answers.
      await daemon.until('every note indexed', (s) => s.files === FOLDERS && s.queue_depth === 0);
      expect((await daemon.search('wombatfirst7', { k: 1 }))[0]!.path).toBe(ws.path('d7/n.md'));

      // Edit every note while degraded: the folders without a watch send nothing.
      for (let i = 0; i < FOLDERS; i++) await ws.write(`d${i}/n.md`, note(`wombatsecond${i}`));
      setLimit(100_000);
      // The watcher is rebuilt a second after the error, and every second while it still hits
      // the limit: the first try after the limit was raised recovers.
      const recovered = await daemon.until(
        'recovered, with every edit indexed',
        (s) => s.state === 'idle' && s.reason === null,
        RECOVERY_TIMEOUT_MS,
      );
      expect(recovered.files).toBe(FOLDERS);
      const log = ws.logLines().filter((l) => l.pid === daemon.pid);
      expect(log.some((l) => l.msg === 'watcher recovered' && l.code === 'watch-limit')).toBe(true);
      // The walk after the restart found edits the watcher had missed.
      const walk = log.find((l) => l.msg === 'indexed' && l.reason === 'watcher-restarted');
      expect(walk, 'a walk after the restart that indexed something').toBeDefined();
      expect(walk!.filesChanged as number).toBeGreaterThan(0);
      for (let i = 0; i < FOLDERS; i++) {
        const hits = await daemon.search(`wombatsecond${i}`, { k: 1 });
        expect(hits[0]?.path, `d${i}`).toBe(ws.path(`d${i}/n.md`));
        expect(hits[0]?.text).toContain(`wombatsecond${i}`);
      }
      // Watching works everywhere now: a new note in the last folder is seen by the watcher.
      await ws.write(`d${FOLDERS - 1}/new.md`, note('wombatwatched'));
      await waitFor(
        'a new note found through the watcher',
        async () =>
          (await daemon.search('wombatwatched', { k: 1 }))[0]?.path === ws.path(`d${FOLDERS - 1}/new.md`),
      );
      await daemon.stop();
    },
    RECOVERY_TIMEOUT_MS + 60_000,
  );
});

const FULL_DISK_SUITE = 'a full disk under the data dir';
describe.skipIf(skipUnless(tmpfsMounts(), FULL_DISK_SUITE))(FULL_DISK_SUITE, () => {
  /**
   * A tmpfs mounted on the data dir (this needs root, or CAP_SYS_ADMIN). Big enough for the
   * index and above the daemon's low-space mark (LOW_DISK_BYTES, 64 MiB) when empty.
   */
  const TMPFS_BYTES = 96 * 1024 * 1024;
  /**
   * A failed write is retried after 1 s, 5 s, then 30 s (DEFAULT_QUEUE_LIMITS); this daemon
   * retries every 500 ms for a minute instead, so indexing resumes within a second of the space
   * being freed rather than up to 30 s later. Still retries, never parked during the test.
   */
  const TEST_LIMITS = { queue: { retryDelaysMs: Array.from({ length: 120 }, () => 500) } };
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess;
  let mounted = false;
  let filler: string;

  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
    mkdirSync(ws.dataDir, { recursive: true });
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', ws.dataDir], {
      encoding: 'utf8',
    });
    if (mount.status !== 0) throw new Error(`mount -t tmpfs on ${ws.dataDir} failed: ${mount.stderr}`);
    mounted = true;
    filler = join(ws.dataDir, 'filler.bin');
  });
  afterAll(async () => {
    try {
      if (daemon && !daemon.hasExited) await daemon.stop();
    } finally {
      if (mounted) execFileSync('umount', [ws.dataDir]);
      await ws?.cleanup();
    }
  });

  /** Writes zeros until the filesystem says ENOSPC; returns the bytes written. */
  function fillDisk(): number {
    const fd = openSync(filler, 'a');
    let written = 0;
    try {
      for (const size of [1 << 20, 1 << 12, 1]) {
        const chunk = Buffer.alloc(size);
        for (;;) {
          try {
            written += writeSync(fd, chunk);
          } catch (err) {
            if (errnoCode(err) !== 'ENOSPC') throw err;
            break;
          }
        }
      }
    } finally {
      closeSync(fd);
    }
    return written;
  }

  it('writes fail cleanly: degraded with the reason and the fix, search still answers; space freed, indexing resumes', async () => {
    await ws.write('kept.md', note('quollkept'));
    daemon = await DaemonProcess.start(ws, { env: { [TEST_LIMITS_ENV]: JSON.stringify(TEST_LIMITS) } });
    await daemon.until('the first note indexed', (s) => s.files === 1 && s.state === 'idle');

    fillDisk();
    const { bavail, bsize } = statfsSync(ws.dataDir);
    expect(bavail * bsize).toBe(0);
    await ws.write('while-full.md', note('quolldiskfull'));
    const degraded = await daemon.until('status degraded: disk full', (s) => s.state === 'degraded', 20_000);
    expect(degraded.reason).toBe(
      `the disk holding ${ws.dataDir} is full: the index cannot be updated (search still works)`,
    );
    expect(degraded.fix).toBe('free some space; indexing resumes by itself');
    expect(degraded.pid).toBe(daemon.pid);
    // Reads work on a full disk: the search answers, with what was indexed before.
    expect((await daemon.search('quollkept', { k: 1 }))[0]!.path).toBe(ws.path('kept.md'));
    expect(
      (await daemon.search('quolldiskfull', { k: 5 })).some((h) => h.path === ws.path('while-full.md')),
    ).toBe(false);
    expect(daemon.hasExited).toBe(false);

    await rm(filler);
    const t0 = performance.now();
    await daemon.until(
      'back to idle once space is free',
      (s) => s.state === 'idle' && s.reason === null,
      20_000,
    );
    const resumedMs = performance.now() - t0;
    expect((await daemon.search('quolldiskfull', { k: 1 }))[0]!.path).toBe(ws.path('while-full.md'));
    console.info(`[daemon disk full] indexing resumed ${Math.round(resumedMs)} ms after space was freed`);

    await daemon.stop();
    // Nothing half-written stayed behind: the index equals the disk.
    const config = ws.config();
    const rows = await readChunks(config);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect([...countByPath(rows).keys()].sort()).toEqual([ws.path('kept.md'), ws.path('while-full.md')]);
    const records = await readRecords(config);
    expect([...records.keys()].sort()).toEqual([ws.path('kept.md'), ws.path('while-full.md')]);
    expect(existsSync(filler)).toBe(false);
  });
});
