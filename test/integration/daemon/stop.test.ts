import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { skipUnless, tmpfsMounts } from '../../helpers/capabilities.js';
import { DaemonProcess, DaemonWorkspace, stopAll, waitFor } from '../../helpers/daemon.js';

/**
 * `stop()` always finishes: a part that cannot be closed is logged and named, the other parts
 * still close, and the process exits 0 or says why not. The failure is real: the disk holding
 * the data dir turns read-only while the daemon runs (what ext4 does after an I/O error), here
 * a small tmpfs remounted read-only. The socket and the log live elsewhere, as a user may put
 * them, so that what must still close can be checked.
 */

/** Room for the index of one note, above the daemon's low-space mark (LOW_DISK_BYTES, 64 MiB). */
const TMPFS_BYTES = 96 * 1024 * 1024;
const note = (word: string) => `# ${word}\n\nnote ${word}\n`;

let ws: DaemonWorkspace | undefined;
let mounted = false;

afterEach(async () => {
  try {
    await stopAll();
  } finally {
    if (mounted) execFileSync('umount', [ws!.dataDir]);
    mounted = false;
    await ws?.cleanup();
    ws = undefined;
  }
});

const READ_ONLY_SUITE = 'a data dir that turns read-only';
describe.skipIf(skipUnless(tmpfsMounts(), READ_ONLY_SUITE))(READ_ONLY_SUITE, () => {
  it('the stop still finishes, the socket is removed, the exit says why', async () => {
    const created = await DaemonWorkspace.create();
    ws = created;
    mkdirSync(created.dataDir, { recursive: true });
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', created.dataDir], {
      encoding: 'utf8',
    });
    if (mount.status !== 0)
      throw new Error(`this test mounts a tmpfs on the data dir and needs root for it: ${mount.stderr}`);
    mounted = true;
    await created.writeConfig({
      socketPath: join(created.root, 'run', 'ragd.sock'),
      log: { level: 'info', file: join(created.root, 'logs', 'ragd.log') },
    });
    await created.write('first.md', note('bilbyfirst'));
    const first = await DaemonProcess.start(created);
    await first.until('the note indexed', (s) => s.state === 'idle' && s.files === 1);

    execFileSync('mount', ['-o', 'remount,ro', created.dataDir]);
    first.child.kill('SIGTERM');
    const code = await first.exited;
    const log = created.logLines().filter((l) => l.pid === first.pid);
    const stopped = log.find((l) => typeof l.msg === 'string' && l.msg.startsWith('ragd stopped'));
    expect(stopped, `a 'ragd stopped' line in the log; output:\n${first.output}`).toBeDefined();
    expect(existsSync(created.socketPath), 'socket removed').toBe(false);
    const failures = (stopped!.failures ?? []) as { part: string; error: string }[];
    if (code === 0) {
      expect(failures).toEqual([]);
    } else {
      // Whatever could not close is named in the log and in what the process printed.
      expect(code, first.output).toBe(1);
      expect(failures.length).toBeGreaterThan(0);
      for (const f of failures) {
        expect(f.error).toContain('EROFS');
        expect(first.output).toContain(`the ${f.part} (${f.error})`);
        expect(log.some((l) => l.level === 50 && l.part === f.part)).toBe(true);
      }
    }

    // Writable again: the next daemon starts on the same data dir and stops cleanly.
    execFileSync('mount', ['-o', 'remount,rw', created.dataDir]);
    const second = await DaemonProcess.start(created);
    await waitFor('the index read again', async () => (await second.status()).files === 1, 30_000);
    await second.stop();
  });
});
