import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLock, lockPath } from '../../../src/daemon/lock.js';
import { immutableFiles, skipUnless } from '../../helpers/capabilities.js';
import { DaemonProcess, DaemonWorkspace, stopAll, waitFor } from '../../helpers/daemon.js';

/**
 * `stop()` always finishes: a part that cannot be closed is logged and named, the other parts
 * still close, and the process exits 0 or says why not. The failure is real: the lock file the
 * daemon holds open is made immutable under it (`chattr +i`), so releasing the lock (emptying
 * its note) fails with EPERM, as it would on a disk gone read-only. The kernel still drops the
 * lock when the file is closed, which the next daemon's start proves.
 */

const note = (word: string) => `# ${word}\n\nnote ${word}\n`;

let ws: DaemonWorkspace | undefined;
let immutable: string | undefined;

afterEach(async () => {
  try {
    await stopAll();
  } finally {
    if (immutable) execFileSync('chattr', ['-i', immutable]);
    immutable = undefined;
    await ws?.cleanup();
    ws = undefined;
  }
});

const SUITE = 'a lock that cannot be released';
describe.skipIf(skipUnless(immutableFiles(), SUITE))(SUITE, () => {
  it('the stop still finishes, every other part closes, the exit says why', async () => {
    const created = await DaemonWorkspace.create();
    ws = created;
    await created.write('first.md', note('bilbyfirst'));
    const first = await DaemonProcess.start(created);
    await first.until('the note indexed', (s) => s.state === 'idle' && s.files === 1);

    immutable = lockPath(created.dataDir);
    execFileSync('chattr', ['+i', immutable]);
    first.child.kill('SIGTERM');
    const code = await first.exited;
    const log = created.logLines().filter((l) => l.pid === first.pid);
    const stopped = log.find((l) => typeof l.msg === 'string' && l.msg.startsWith('ragd stopped'));
    expect(stopped, `a 'ragd stopped' line in the log; output:\n${first.output}`).toBeDefined();
    expect(existsSync(created.socketPath), 'socket removed').toBe(false);
    const failures = (stopped!.failures ?? []) as { part: string; error: string }[];
    // Only the lock's note could not be written; the watcher, queue, socket and index closed.
    expect(failures.map((f) => f.part)).toEqual(['data-dir lock']);
    expect(failures[0]!.error).toContain('EPERM');
    expect(code, first.output).toBe(1);
    expect(first.output).toContain(`the data-dir lock (${failures[0]!.error})`);
    expect(log.some((l) => l.level === 50 && l.part === 'data-dir lock')).toBe(true);
    expect(DataDirLock.holder(created.dataDir), 'the kernel dropped the lock').toBeUndefined();

    // The note is stale but blocks nobody: the next daemon starts on the same data dir.
    execFileSync('chattr', ['-i', immutable]);
    immutable = undefined;
    const second = await DaemonProcess.start(created);
    await waitFor('the index read again', async () => (await second.status()).files === 1, 30_000);
    await second.stop();
  });
});
