import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IpcClient, request } from '../../../src/ipc/client.js';
import { fakeDaemon, gate, Harness, STATUS } from './helpers.js';

let h: Harness;
let fakes: Server[];
beforeEach(() => {
  h = new Harness();
  fakes = [];
});
afterEach(async () => {
  await Promise.all(fakes.map((fake) => new Promise((resolve) => fake.close(resolve))));
  for (const fake of fakes) expect(fake.listening).toBe(false);
  await h.teardown();
});

/** A hand-written stand-in daemon that answers each request frame with whatever `reply` writes. */
async function fakeServer(reply: (socket: Socket, frame: string) => void): Promise<string> {
  const socketPath = join(dirname(await h.socketPath()), 'fake.sock');
  await mkdir(dirname(socketPath), { recursive: true });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      let end = buffered.indexOf('\f');
      while (end !== -1) {
        reply(socket, buffered.slice(0, end));
        buffered = buffered.slice(end + 1);
        end = buffered.indexOf('\f');
      }
    });
  });
  // close() waits for connections; the fake cuts them so teardown does not hang on a test's leftovers.
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  server.listen(socketPath);
  await once(server, 'listening');
  fakes.push(server);
  return socketPath;
}

function idOf(frame: string): unknown {
  return (JSON.parse(frame) as { data: { id: unknown } }).data.id;
}

describe('IpcClient', () => {
  it('says E_NO_DAEMON when no socket exists, so the CLI can fall back to the index', async () => {
    const socketPath = await h.socketPath();
    const err = await request(socketPath, 'status', {}).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'E_NO_DAEMON' });
    expect(String((err as Error).message)).toContain(socketPath);
  });

  it('times out a request the daemon does not answer, and keeps the connection for the next', async () => {
    const release = gate();
    const { socketPath } = await h.listening(
      fakeDaemon({
        search: async (params) => {
          await release.promise;
          return { query: params.query, mode: 'hybrid', k: 10, took_ms: 0, results: [] };
        },
      }),
    );
    const client = await h.client(socketPath);
    await expect(client.request('search', { query: 'stuck' }, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'E_TIMEOUT',
    });
    release.open();
    // The late reply to the timed-out request is dropped; the next one is answered.
    await expect(client.request('status', {})).resolves.toEqual(STATUS);
  });

  it('cancels a request on its AbortSignal', async () => {
    const release = gate();
    const { socketPath } = await h.listening(
      fakeDaemon({
        status: async () => {
          await release.promise;
          return STATUS;
        },
      }),
    );
    const client = await h.client(socketPath);
    const controller = new AbortController();
    const pending = client.request('status', {}, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'E_ABORTED' });
    release.open();
  });

  it('fails waiting requests with E_ABORTED on close(), which is idempotent', async () => {
    const release = gate();
    const { socketPath } = await h.listening(
      fakeDaemon({
        status: async () => {
          await release.promise;
          return STATUS;
        },
      }),
    );
    const client = await IpcClient.connect(socketPath);
    const failed = expect(client.request('status', {})).rejects.toMatchObject({ code: 'E_ABORTED' });
    await Promise.all([client.close(), client.close()]);
    await failed;
    await expect(client.request('status', {})).rejects.toMatchObject({ code: 'E_ABORTED' });
    release.open();
  });

  it('says E_IPC when the daemon closes the connection before replying', async () => {
    const socketPath = await fakeServer((socket) => socket.destroy());
    await expect(request(socketPath, 'status', {})).rejects.toMatchObject({ code: 'E_IPC' });
  });

  it('refuses a reply of another protocol version', async () => {
    const socketPath = await fakeServer((socket, frame) => {
      socket.write(
        `${JSON.stringify({ type: 'response', data: { v: 2, id: idOf(frame), ok: true, result: {} } })}\f`,
      );
    });
    await expect(request(socketPath, 'status', {})).rejects.toMatchObject({ code: 'E_VERSION' });
  });

  it('refuses a reply that is not JSON, or not a reply', async () => {
    const garbage = await fakeServer((socket) => socket.write('<html>\f'));
    await expect(request(garbage, 'status', {})).rejects.toMatchObject({ code: 'E_PROTOCOL' });
    const shapeless = await fakeServer((socket, frame) => {
      socket.write(`${JSON.stringify({ type: 'response', data: { v: 1, id: idOf(frame), ok: 'yes' } })}\f`);
    });
    await expect(request(shapeless, 'status', {})).rejects.toMatchObject({ code: 'E_PROTOCOL' });
  });

  it('refuses a reply over its size limit', async () => {
    const socketPath = await fakeServer((socket) => socket.write('x'.repeat(64 * 1024)));
    await expect(request(socketPath, 'status', {}, { maxReplyBytes: 1024 })).rejects.toMatchObject({
      code: 'E_TOO_LARGE',
    });
  });

  it('keeps an error code of unexpected form in the message instead of trusting it', async () => {
    const socketPath = await fakeServer((socket, frame) => {
      const error = { code: 'weird code', message: 'oops' };
      socket.write(
        `${JSON.stringify({ type: 'response', data: { v: 1, id: idOf(frame), ok: false, error } })}\f`,
      );
    });
    await expect(request(socketPath, 'status', {})).rejects.toMatchObject({
      code: 'E_IPC',
      message: 'weird code: oops',
    });
  });
});
