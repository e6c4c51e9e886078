import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SOCKET_PATH_BYTES } from '../../../src/config/paths.js';
import { IpcClient, request } from '../../../src/ipc/client.js';
import type { RequestContext } from '../../../src/ipc/types.js';
import { fakeDaemon, gate, Harness, STATUS } from './helpers.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.teardown();
});

/** Leaves a socket file behind the way a crash does: a process listens and is killed with SIGKILL. */
async function crashLeavingSocket(socketPath: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  await once(child.stdout, 'data');
  child.kill('SIGKILL');
  await exited;
}

describe('socket file and lifecycle', () => {
  it('creates the folder 0700 and the socket 0600', async () => {
    const { socketPath } = await h.listening();
    expect((await stat(dirname(socketPath))).mode & 0o777).toBe(0o700);
    const info = await lstat(socketPath);
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('refuses a socket folder open to other users, naming it and the fix', async () => {
    const socketPath = await h.socketPath();
    await mkdir(dirname(socketPath), { mode: 0o755 });
    await chmod(dirname(socketPath), 0o755);
    const server = h.server(socketPath, fakeDaemon());
    const err = await server.listen().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'E_IPC', fix: expect.stringContaining('chmod 700') });
    expect(String((err as Error).message)).toContain(dirname(socketPath));
    expect(existsSync(socketPath)).toBe(false);
  });

  it("refuses a socket folder that is someone else's", async () => {
    const socketPath = await h.socketPath();
    await mkdir(dirname(socketPath), { mode: 0o700 });
    // The suite runs as root here; as anyone else `/` already is someone else's folder.
    const isRoot = process.getuid?.() === 0;
    if (isRoot) await chown(dirname(socketPath), 4242, 4242);
    const path = isRoot ? socketPath : '/ragctl-test.sock';
    await expect(h.server(path, fakeDaemon()).listen()).rejects.toMatchObject({
      code: 'E_IPC',
      message: expect.stringContaining('belongs to uid'),
    });
  });

  it('refuses a path too long for a Unix socket, naming the path and the limit', async () => {
    const socketPath = await h.socketPath();
    const long = join(dirname(socketPath), `${'s'.repeat(MAX_SOCKET_PATH_BYTES)}.sock`);
    const err = await h
      .server(long, fakeDaemon())
      .listen()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({ code: 'E_IPC' });
    expect(String((err as Error).message)).toContain(long);
    expect(String((err as Error).message)).toContain(`${MAX_SOCKET_PATH_BYTES}-byte limit`);
    await expect(IpcClient.connect(long)).rejects.toMatchObject({ code: 'E_IPC' });
  });

  it('replaces a stale socket left by a crashed daemon', async () => {
    const socketPath = await h.socketPath();
    await mkdir(dirname(socketPath), { mode: 0o700 });
    await crashLeavingSocket(socketPath);
    expect((await lstat(socketPath)).isSocket()).toBe(true);
    await expect(request(socketPath, 'status', {})).rejects.toMatchObject({ code: 'E_NO_DAEMON' });

    await h.server(socketPath, fakeDaemon()).listen();
    await expect(request(socketPath, 'status', {})).resolves.toEqual(STATUS);
  });

  it('never takes over a live socket: a second server gets E_LOCKED and the first keeps serving', async () => {
    const { socketPath } = await h.listening();
    const second = h.server(socketPath, fakeDaemon());
    const err = await second.listen().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'E_LOCKED' });
    expect(String((err as Error).message)).toContain(socketPath);
    // Closing the loser must not remove the winner's socket.
    await second.close();
    expect(existsSync(socketPath)).toBe(true);
    await expect(request(socketPath, 'status', {})).resolves.toEqual(STATUS);
  });

  it('leaves a file that is not a socket alone', async () => {
    const socketPath = await h.socketPath();
    await mkdir(dirname(socketPath), { mode: 0o700 });
    await writeFile(socketPath, 'precious');
    await expect(h.server(socketPath, fakeDaemon()).listen()).rejects.toMatchObject({
      code: 'E_IPC',
      message: expect.stringContaining('not a socket'),
    });
    expect((await lstat(socketPath)).isFile()).toBe(true);
    await rm(socketPath);
  });

  it('close() removes the socket file, is idempotent, and a closed server cannot listen again', async () => {
    const { server, socketPath } = await h.listening();
    const first = server.close();
    const second = server.close();
    expect(second).toBe(first);
    await first;
    expect(existsSync(socketPath)).toBe(false);
    await expect(server.close()).resolves.toBeUndefined();
    await expect(server.listen()).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(request(socketPath, 'status', {})).rejects.toMatchObject({ code: 'E_NO_DAEMON' });
  });

  it('close() aborts running handlers, lets them answer, and only then closes', async () => {
    const started = gate<RequestContext>();
    const { server, socketPath } = await h.listening(
      fakeDaemon({
        search: async (params, context) => {
          started.open(context);
          await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
          return { query: `${params.query} (cut short)`, mode: 'hybrid', k: 10, took_ms: 0, results: [] };
        },
      }),
    );
    const client = await h.client(socketPath);
    const reply = client.request('search', { query: 'slow' });
    const context = await started.promise;
    const closing = server.close();
    await expect(reply).resolves.toEqual({
      query: 'slow (cut short)',
      mode: 'hybrid',
      k: 10,
      took_ms: 0,
      results: [],
    });
    expect(context.signal.reason).toMatchObject({ code: 'E_ABORTED' });
    await closing;
    expect(existsSync(socketPath)).toBe(false);
  });

  it('answers shutdown before closing when the handler starts close() without awaiting it', async () => {
    let closing: Promise<void> | undefined;
    const socketPath = await h.socketPath();
    const server = h.server(
      socketPath,
      fakeDaemon({
        shutdown: async () => {
          closing = server.close();
          return { stopping: true };
        },
      }),
    );
    await server.listen();
    await expect(request(socketPath, 'shutdown', {})).resolves.toEqual({ stopping: true });
    await closing;
    expect(existsSync(socketPath)).toBe(false);
  });
});
