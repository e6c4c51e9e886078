import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RagError } from '../../../src/errors.js';
import { request } from '../../../src/ipc/client.js';
import type { SearchParams, SearchResult } from '../../../src/ipc/protocol.js';
import { fakeDaemon, gate, Harness, STATUS } from './helpers.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.teardown();
});

describe('requests over a real socket', () => {
  it('answers a round trip through the client', async () => {
    const { socketPath } = await h.listening();
    await expect(request(socketPath, 'status', {})).resolves.toEqual(STATUS);
    const found = await request(socketPath, 'search', {
      query: 'hello',
      k: 5,
      mode: 'text',
      engine: 'md',
      path: 'docs/**',
      after: '2024-05-01',
    });
    expect(found.query).toBe('hello');
    expect(JSON.parse(found.results[0]!.text)).toEqual({
      query: 'hello',
      k: 5,
      mode: 'text',
      engine: 'md',
      path: 'docs/**',
      after: '2024-05-01',
    });
    await expect(request(socketPath, 'reindex', { path: '/notes' })).resolves.toEqual({ queued: 1 });
    await expect(request(socketPath, 'pause', {})).resolves.toEqual({ state: 'paused' });
    await expect(request(socketPath, 'resume', {})).resolves.toEqual({ state: 'idle' });
  });

  it('matches concurrent replies to their requests on one connection, whatever order they finish in', async () => {
    const arrived: Array<{ params: SearchParams; release: () => void }> = [];
    const allArrived = gate();
    const { socketPath } = await h.listening(
      fakeDaemon({
        search: async (params) => {
          const held = gate();
          arrived.push({ params, release: () => held.open() });
          if (arrived.length === 20) allArrived.open();
          await held.promise;
          return { query: params.query, mode: 'hybrid', k: 10, took_ms: 0, results: [] };
        },
      }),
    );
    const client = await h.client(socketPath);
    const replies = Array.from({ length: 20 }, (_, i) => client.request('search', { query: `q${i}` }));
    await allArrived.promise;
    for (const held of [...arrived].reverse()) held.release();
    const results = await Promise.all(replies);
    expect(results.map((r) => r.query)).toEqual(Array.from({ length: 20 }, (_, i) => `q${i}`));
  });

  it('serves several connections at once', async () => {
    const { socketPath } = await h.listening();
    const clients = await Promise.all(Array.from({ length: 8 }, () => h.client(socketPath)));
    const results = await Promise.all(
      clients.flatMap((client, c) =>
        Array.from({ length: 5 }, (_, i) => client.request('search', { query: `c${c}-${i}` })),
      ),
    );
    expect(results.map((r) => r.query)).toEqual(
      clients.flatMap((_, c) => Array.from({ length: 5 }, (_, i) => `c${c}-${i}`)),
    );
  });

  it('turns a handler exception into E_INTERNAL and a RagError into its own code and fix', async () => {
    const { socketPath } = await h.listening(
      fakeDaemon({
        status: async () => {
          throw new Error('boom');
        },
        reindex: async () => {
          throw new RagError('E_STORE', 'the index is unreadable', { fix: 'ragctl index --rebuild' });
        },
      }),
    );
    const client = await h.client(socketPath);
    await expect(client.request('status', {})).rejects.toMatchObject({ code: 'E_INTERNAL', message: 'boom' });
    await expect(client.request('reindex', {})).rejects.toMatchObject({
      code: 'E_STORE',
      message: 'the index is unreadable',
      fix: 'ragctl index --rebuild',
    });
    // The connection survives a failed request.
    await expect(client.request('pause', {})).resolves.toEqual({ state: 'paused' });
  });

  it('answers a result JSON cannot hold with E_INTERNAL, and one over the reply limit with E_TOO_LARGE', async () => {
    const { socketPath } = await h.listening(
      fakeDaemon({
        status: async () => ({ ...STATUS, files: 10n }) as never,
        search: async (params) =>
          ({
            query: params.query,
            mode: 'hybrid',
            k: 10,
            took_ms: 0,
            results: [],
            padding: 'x'.repeat(4096),
          }) as SearchResult,
      }),
      { maxReplyBytes: 1024 },
    );
    const client = await h.client(socketPath);
    await expect(client.request('status', {})).rejects.toMatchObject({ code: 'E_INTERNAL' });
    await expect(client.request('search', { query: 'q' })).rejects.toMatchObject({ code: 'E_TOO_LARGE' });
  });

  it('answers with a structured error and keeps the connection for malformed JSON, unknown methods, wrong types and other versions', async () => {
    const { socketPath } = await h.listening();
    const peer = await h.raw(socketPath);

    peer.write('{"type":"request","data":{"v":1,\f');
    expect(await peer.next()).toMatchObject({ v: 1, id: null, ok: false, error: { code: 'E_PROTOCOL' } });

    peer.send({ v: 1, id: 'a', method: 'explode' });
    expect(await peer.next()).toMatchObject({
      id: 'a',
      ok: false,
      error: { code: 'E_UNKNOWN_METHOD', message: expect.stringContaining('search, status') },
    });

    peer.send({ v: 1, id: 2, method: 'search', params: { query: 'x', k: '10' } });
    expect(await peer.next()).toMatchObject({
      id: 2,
      ok: false,
      error: { code: 'E_PROTOCOL', message: expect.stringContaining('params.k') },
    });

    peer.send({ v: 2, id: 3, method: 'status' });
    expect(await peer.next()).toMatchObject({
      v: 1,
      id: 3,
      ok: false,
      error: { code: 'E_VERSION', fix: expect.stringContaining('same release') },
    });

    peer.write('{"type":5,"data":{}}\f');
    expect(await peer.next()).toMatchObject({ ok: false, error: { code: 'E_PROTOCOL' } });
    peer.write('{"type":"__proto__","data":{"v":1,"id":4,"method":"status"}}\f');
    expect(await peer.next()).toMatchObject({ id: 4, ok: false, error: { code: 'E_PROTOCOL' } });
    peer.write(Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0c]));
    expect(await peer.next()).toMatchObject({ ok: false, error: { code: 'E_PROTOCOL' } });

    peer.send({ v: 1, id: 5, method: 'status' });
    expect(await peer.next()).toEqual({ v: 1, id: 5, ok: true, result: STATUS });
  });

  it('answers a client that half-closes after its request, then closes', async () => {
    const { socketPath } = await h.listening();
    const peer = await h.raw(socketPath);
    peer.send({ v: 1, id: 'last', method: 'status' });
    peer.socket.end();
    expect(await peer.next()).toMatchObject({ id: 'last', ok: true });
    expect(await peer.next()).toBeNull();
    await peer.closed;
  });

  it('refuses requests past the per-connection in-flight limit with E_BUSY', async () => {
    const held = gate();
    const { socketPath } = await h.listening(
      fakeDaemon({
        status: async () => {
          await held.promise;
          return STATUS;
        },
      }),
      { maxInFlightPerConnection: 2 },
    );
    const client = await h.client(socketPath);
    const first = client.request('status', {});
    const second = client.request('status', {});
    await expect(client.request('status', {})).rejects.toMatchObject({ code: 'E_BUSY' });
    held.open();
    await expect(Promise.all([first, second])).resolves.toEqual([STATUS, STATUS]);
  });
});
