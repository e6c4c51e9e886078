import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from '../../../src/ipc/client.js';
import { DEFAULT_IPC_LIMITS } from '../../../src/ipc/limits.js';
import { fakeDaemon, gate, Harness, RawPeer, STATUS } from './helpers.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.teardown();
});

describe('clients that misbehave', () => {
  it('answers an oversized message with E_TOO_LARGE and closes, at the default 1 MiB limit', async () => {
    const { socketPath } = await h.listening();
    const peer = await h.raw(socketPath);
    // Twice the limit, no delimiter: the server must stop buffering, not wait for the end.
    peer.write(
      `{"type":"request","data":{"v":1,"id":1,"method":"search","params":{"query":"${'x'.repeat(2 * DEFAULT_IPC_LIMITS.maxRequestBytes)}`,
    );
    expect(await peer.next()).toMatchObject({
      id: null,
      ok: false,
      error: {
        code: 'E_TOO_LARGE',
        message: expect.stringContaining(String(DEFAULT_IPC_LIMITS.maxRequestBytes)),
      },
    });
    await peer.closed;
    await expect(request(socketPath, 'status', {})).resolves.toEqual(STATUS);
  });

  it('accepts a message just under the limit', async () => {
    const { socketPath } = await h.listening(fakeDaemon(), { maxRequestBytes: 16 * 1024 });
    const peer = await h.raw(socketPath);
    const data = { v: 1, id: 1, method: 'search', params: { query: 'q' } };
    const bare = JSON.stringify({ type: 'request', data }).length;
    // Pad with insignificant whitespace up to exactly the limit.
    peer.write(`${JSON.stringify({ type: 'request', data })}${' '.repeat(16 * 1024 - bare)}\f`);
    expect(await peer.next()).toMatchObject({ id: 1, ok: true });
  });

  it('closes a message that never finishes within the frame timeout, with an error', async () => {
    const frameTimeoutMs = 300;
    const { socketPath } = await h.listening(fakeDaemon(), { frameTimeoutMs });
    const peer = await h.raw(socketPath);
    const startedMs = Date.now();
    peer.write('{"type":"request","data":{"v":1,"id":1,"meth');
    expect(await peer.next()).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'E_PROTOCOL', message: expect.stringContaining('not finished') },
    });
    await peer.closed;
    const elapsedMs = Date.now() - startedMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(frameTimeoutMs - 20);
    expect(elapsedMs).toBeLessThan(frameTimeoutMs + 3_000);
  });

  it('closes idle connections after the idle timeout, quietly', async () => {
    const { socketPath } = await h.listening(fakeDaemon(), { idleTimeoutMs: 200 });
    const peer = await h.raw(socketPath);
    peer.send({ v: 1, id: 1, method: 'status' });
    expect(await peer.next()).toMatchObject({ ok: true });
    // A stray newline after a frame (as `echo` adds) is not the start of a message.
    peer.write('\n');
    expect(await peer.next()).toBeNull();
    await peer.closed;
  });

  it('survives a client that leaves while its slow handler runs, and serves the next one', async () => {
    const arrived = gate();
    const release = gate();
    const { socketPath } = await h.listening(
      fakeDaemon({
        status: async () => {
          arrived.open();
          await release.promise;
          return STATUS;
        },
      }),
    );
    const peer = await h.raw(socketPath);
    peer.send({ v: 1, id: 1, method: 'status' });
    await arrived.promise;
    peer.socket.destroy();
    await peer.closed;
    release.open();
    await expect(request(socketPath, 'status', {})).resolves.toEqual(STATUS);
  });

  it('survives a client that leaves in the middle of a large reply (EPIPE/ECONNRESET)', async () => {
    const big = 'x'.repeat(8 * 1024 * 1024);
    const { server, socketPath } = await h.listening(
      fakeDaemon({ search: async (params) => ({ query: params.query, results: [], big }) as never }),
    );
    for (let i = 0; i < 3; i++) {
      const peer = await h.raw(socketPath);
      peer.socket.once('data', () => peer.socket.destroy());
      peer.send({ v: 1, id: i, method: 'search', params: { query: 'q' } });
      await peer.closed;
    }
    await expect(request(socketPath, 'status', {})).resolves.toEqual(STATUS);
    expect(server.stats().inFlight).toBe(0);
  });

  it('drops a client that sends requests but never reads the replies', async () => {
    const requests = 32;
    let handled = 0;
    const allHandled = gate();
    const { socketPath } = await h.listening(
      fakeDaemon({
        search: async (params) => {
          handled += 1;
          if (handled === requests) allHandled.open();
          return { query: params.query, results: [], pad: 'y'.repeat(256 * 1024) } as never;
        },
      }),
      { maxBufferedWriteBytes: 1024 * 1024 },
    );
    const peer = await h.raw(socketPath);
    peer.socket.pause();
    for (let i = 0; i < requests; i++) peer.send({ v: 1, id: i, method: 'search', params: { query: 'q' } });
    await allHandled.promise;
    // 8 MiB of replies against a 1 MiB allowance: the server cut the client off part-way.
    peer.socket.resume();
    let received = 0;
    while (await peer.next()) received += 1;
    await peer.closed;
    expect(received).toBeLessThan(requests);
    await expect(request(socketPath, 'status', {})).resolves.toEqual(STATUS);
  }, 15_000);

  it('keeps serving through a flood of 300 idle connections, with sockets bounded', async () => {
    const limits = { maxConnections: 16, maxSockets: 32 };
    const { server, socketPath } = await h.listening(fakeDaemon(), limits);
    const flood = 300;
    const peers: RawPeer[] = [];
    let closedCount = 0;
    let busyCount = 0;
    let maxSockets = 0;
    const allButKeptClosed = gate();
    const watch = async (peer: RawPeer) => {
      const last = await peer.next();
      if (last) {
        expect(last).toMatchObject({ id: null, ok: false, error: { code: 'E_BUSY' } });
        busyCount += 1;
      }
      await peer.closed;
      closedCount += 1;
      if (closedCount === flood - limits.maxConnections) allButKeptClosed.open();
    };
    const watchers: Promise<void>[] = [];
    await Promise.all(
      Array.from({ length: flood }, async () => {
        const peer = h.track(await RawPeer.connect(socketPath));
        peers.push(peer);
        maxSockets = Math.max(maxSockets, server.stats().sockets);
        watchers.push(watch(peer));
      }),
    );
    // Every flood socket beyond the 16 served is turned away at accept (over maxSockets) or
    // evicted, idlest first, with an E_BUSY frame; the newest 16 stay open.
    await allButKeptClosed.promise;
    expect(server.stats().connections).toBe(limits.maxConnections);
    expect(maxSockets).toBeLessThanOrEqual(limits.maxSockets);
    expect(busyCount).toBeGreaterThan(0);
    // A real client still gets its answer: it evicts the idlest flood connection.
    await expect(request(socketPath, 'status', {})).resolves.toEqual(STATUS);
    for (const peer of peers) peer.socket.destroy();
    await Promise.all(watchers);
  });

  it('tells a newcomer E_BUSY when every slot is busy with work', async () => {
    const release = gate();
    let running = 0;
    const allRunning = gate();
    const { socketPath } = await h.listening(
      fakeDaemon({
        status: async () => {
          running += 1;
          if (running === 2) allRunning.open();
          await release.promise;
          return STATUS;
        },
      }),
      { maxConnections: 2, maxSockets: 4 },
    );
    const busy = [await h.client(socketPath), await h.client(socketPath)];
    const replies = busy.map((client) => client.request('status', {}));
    await allRunning.promise;
    await expect(request(socketPath, 'status', {})).rejects.toMatchObject({ code: 'E_BUSY' });
    release.open();
    await expect(Promise.all(replies)).resolves.toEqual([STATUS, STATUS]);
  });
});
