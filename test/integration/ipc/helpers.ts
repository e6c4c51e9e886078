import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { IpcClient } from '../../../src/ipc/client.js';
import { dispatchTo } from '../../../src/ipc/dispatch.js';
import type { SearchResult, StatusResult } from '../../../src/ipc/protocol.js';
import { IpcServer } from '../../../src/ipc/server.js';
import type { IpcLimits, MethodHandlers, RequestHandler } from '../../../src/ipc/types.js';
import { silentLogger } from '../../../src/log.js';
import type { SearchParamsSchema } from '../../../src/search/param-specs.js';

/** A promise with its resolver outside: lets a test hold a handler until it says so. */
export function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

export const STATUS: StatusResult = {
  state: 'idle',
  reason: null,
  fix: null,
  files: 3,
  chunks: 12,
  queue_depth: 0,
  rate: 0,
  eta_seconds: null,
  last_errors: [],
  model: 'sentence-transformers/all-MiniLM-L6-v2',
  store_version: 1,
  pid: process.pid,
  memory: null,
};

/** A stand-in daemon: search echoes its params as one hit, so replies can be matched to requests. */
export function fakeDaemon(overrides: Partial<MethodHandlers> = {}): MethodHandlers {
  return {
    search: async (params): Promise<SearchResult> => ({
      query: params.query,
      mode: params.mode ?? 'hybrid',
      k: params.k ?? 10,
      took_ms: 0,
      results: [
        {
          id: 'c1',
          path: '/notes/a.md',
          root: '/notes',
          engine: params.engine ?? 'md',
          start_line: 1,
          end_line: 4,
          heading_path: ['A'],
          text: JSON.stringify(params),
          score: 0.5,
          mtime_ms: 0,
          metadata: {},
        },
      ],
    }),
    status: async () => STATUS,
    reindex: async () => ({ queued: 1 }),
    pause: async () => ({ state: 'paused' }),
    resume: async () => ({ state: 'idle' }),
    shutdown: async () => ({ stopping: true }),
    context: async (params) => ({
      query: params.query,
      budget: params.budget ?? 2000,
      tokens: 0,
      tokenizer: params.tokenizer ?? 'embedder',
      blocks: [],
      dropped: 0,
      took_ms: 0,
    }),
    sql_clusters: async (params) => ({
      took_ms: 0,
      statements: 0,
      clusters_total: 0,
      threshold: params.threshold ?? 1,
      clusters: [],
    }),
    ...overrides,
  };
}

/**
 * Owns what a test opens (temp folder, servers, clients, raw sockets) and, in teardown, closes
 * it all and asserts that it is closed.
 */
export class Harness {
  readonly #servers: IpcServer[] = [];
  readonly #clients: IpcClient[] = [];
  readonly #raws: RawPeer[] = [];
  readonly #dirs: string[] = [];

  /** A fresh private temp folder; the socket goes in `run/` below it, which the server creates. */
  async socketPath(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'ragctl-ipc-'));
    this.#dirs.push(dir);
    return join(dir, 'run', 'ragd.sock');
  }

  server(
    socketPath: string,
    handler: RequestHandler | MethodHandlers,
    limits: Partial<IpcLimits> = {},
    searchParams?: SearchParamsSchema,
  ): IpcServer {
    const server = new IpcServer({
      socketPath,
      handler: typeof handler === 'function' ? handler : dispatchTo(handler),
      logger: silentLogger(),
      limits,
      ...(searchParams ? { searchParams } : {}),
    });
    this.#servers.push(server);
    return server;
  }

  /** A listening server; `searchParams`: the registered engines' search schema (default: built-ins'). */
  async listening(
    handler: RequestHandler | MethodHandlers = fakeDaemon(),
    limits: Partial<IpcLimits> = {},
    searchParams?: SearchParamsSchema,
  ) {
    const socketPath = await this.socketPath();
    const server = this.server(socketPath, handler, limits, searchParams);
    await server.listen();
    return { server, socketPath };
  }

  async client(socketPath: string, options: { timeoutMs?: number } = {}): Promise<IpcClient> {
    const client = await IpcClient.connect(socketPath, options);
    this.#clients.push(client);
    return client;
  }

  async raw(socketPath: string): Promise<RawPeer> {
    const peer = await RawPeer.connect(socketPath);
    this.#raws.push(peer);
    return peer;
  }

  /** Tracks a socket made by the test itself, so teardown destroys and checks it. */
  track(peer: RawPeer): RawPeer {
    this.#raws.push(peer);
    return peer;
  }

  async teardown(): Promise<void> {
    await Promise.all(this.#clients.map((client) => client.close()));
    for (const peer of this.#raws) peer.socket.destroy();
    await Promise.all(this.#raws.map((peer) => peer.closed));
    await Promise.all(this.#servers.map((server) => server.close()));
    for (const server of this.#servers) {
      expect(server.stats()).toEqual({ connections: 0, inFlight: 0, sockets: 0 });
    }
    for (const peer of this.#raws) expect(peer.socket.destroyed).toBe(true);
    for (const dir of this.#dirs) {
      expect(existsSync(join(dir, 'run', 'ragd.sock'))).toBe(false);
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/**
 * A client written against the wire format by hand (plain `net`, its own framing), for what
 * IpcClient would never send: broken JSON, partial frames, floods.
 */
export class RawPeer {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  #buffer = Buffer.alloc(0);
  readonly #frames: unknown[] = [];
  #waiter: (() => void) | null = null;
  #hasEnded = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    // EPIPE / ECONNRESET are expected when the server cuts a peer off; the test reads `closed`.
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      let end = this.#buffer.indexOf(0x0c);
      while (end !== -1) {
        this.#frames.push(JSON.parse(this.#buffer.subarray(0, end).toString('utf8')));
        this.#buffer = this.#buffer.subarray(end + 1);
        end = this.#buffer.indexOf(0x0c);
      }
      this.#wake();
    });
    socket.on('end', () => {
      this.#hasEnded = true;
      this.#wake();
    });
    socket.on('close', () => {
      this.#hasEnded = true;
      this.#wake();
    });
  }

  static connect(path: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('connect', () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends text as is: the caller adds (or leaves out) the `\f`. */
  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** One request in the envelope, framed. */
  send(data: unknown): void {
    this.socket.write(`${JSON.stringify({ type: 'request', data })}\f`);
  }

  /** The next reply's `data`, or null when the server closed without another frame. */
  async next(): Promise<Record<string, unknown> | null> {
    while (this.#frames.length === 0) {
      if (this.#hasEnded) return null;
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
    const frame = this.#frames.shift() as { type: string; data: Record<string, unknown> };
    expect(frame.type).toBe('response');
    return frame.data;
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }
}
