import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLIBC_DAEMON_ENV } from '../../../src/daemon/glibc-env.js';
import { DataDirLock } from '../../../src/daemon/lock.js';
import { isRagError } from '../../../src/errors.js';
import { request } from '../../../src/ipc/client.js';
import { DaemonProcess, DaemonWorkspace, isAlive, waitFor } from '../../helpers/daemon.js';

/** A hand-run `ragctl daemon run` from a shell that set neither glibc setting. */
const UNSET = Object.fromEntries(Object.keys(GLIBC_DAEMON_ENV).map((k) => [k, undefined]));

/** The environment a running process started with, from /proc. */
function environOf(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** The pid of the process answering `status` on the workspace's socket. */
async function servingPid(ws: DaemonWorkspace, started: DaemonProcess): Promise<number> {
  const status = await waitFor(
    'a daemon to answer status',
    async () => {
      if (started.hasExited) throw new Error(`ragctl daemon run exited:\n${started.output}`);
      try {
        return await request(ws.socketPath, 'status', {}, { timeoutMs: 2_000 });
      } catch (err) {
        if (isRagError(err) && err.code === 'E_NO_DAEMON') return undefined;
        throw err;
      }
    },
    60_000,
  );
  return status.pid;
}

describe.skipIf(process.platform !== 'linux')(
  'a hand-run daemon on Linux sets glibc allocator settings itself',
  () => {
    let ws: DaemonWorkspace;
    const started: number[] = [];

    beforeAll(async () => {
      ws = await DaemonWorkspace.create();
      await ws.write('a.md', '# a\n\nnote a\n');
    });
    afterAll(async () => {
      for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await ws.cleanup();
    });

    it('runs itself again with MALLOC_ARENA_MAX and MALLOC_MMAP_THRESHOLD_, and a SIGTERM stops both cleanly', async () => {
      const cli = DaemonProcess.spawn(ws, { env: UNSET });
      started.push(cli.pid);
      const pid = await servingPid(ws, cli);
      started.push(pid);
      expect(pid).not.toBe(cli.pid);
      expect(environOf(pid)).toMatchObject(GLIBC_DAEMON_ENV);
      expect(cli.output).toContain(`(pid ${pid})`);
      process.kill(cli.pid, 'SIGTERM');
      expect(await cli.exited, cli.output).toBe(0);
      expect(isAlive(pid)).toBe(false);
      expect(existsSync(ws.socketPath)).toBe(false);
      expect(DataDirLock.holder(ws.dataDir), 'lock released').toBeUndefined();
    });

    it('settings the user gave are kept, and then it does not run itself again', async () => {
      const cli = DaemonProcess.spawn(ws, {
        env: { MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '65536' },
      });
      started.push(cli.pid);
      expect(await servingPid(ws, cli)).toBe(cli.pid);
      expect(environOf(cli.pid)).toMatchObject({ MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '65536' });
      await cli.stop();
    });

    it('a daemon whose starting ragctl was killed outright stops itself, releasing the lock', async () => {
      const cli = DaemonProcess.spawn(ws, { env: UNSET });
      started.push(cli.pid);
      const pid = await servingPid(ws, cli);
      started.push(pid);
      process.kill(cli.pid, 'SIGKILL');
      await waitFor('the daemon to stop after its parent died', () => !isAlive(pid), 30_000);
      expect(DataDirLock.holder(ws.dataDir), 'lock released').toBeUndefined();
    });
  },
);
