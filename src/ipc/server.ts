import { chmod, lstat, unlink } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { errnoCode, errorMessage, RagError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SearchParamsSchema } from '../search/param-specs.js';
import { builtinSearchParams } from '../search/params.js';
import { Connection } from './connection.js';
import { resolveLimits } from './limits.js';
import {
  checkSocketPathLength,
  prepareSocketDir,
  removeStaleSocket,
  SOCKET_FILE_MODE,
} from './socket-file.js';
import { listenTransport, type TransportServer } from './transport.js';
import type { IpcLimits, IpcServerOptions, IpcServerStats, RequestHandler } from './types.js';

/**
 * The daemon's end of the socket. `listen()` claims the socket path (refusing a live daemon's,
 * replacing a dead one's), then every valid request goes to the handler and every outcome,
 * including garbage from the client, is answered rather than thrown. `close()` is idempotent:
 * it stops accepting, lets running handlers answer (up to `closeGraceMs`), closes every
 * connection and removes the socket file.
 *
 * A `shutdown` handler must not await `close()`: close waits for that very handler to answer.
 * Start the daemon's stop from the handler and return; the reply goes out before the socket closes.
 */
export class IpcServer {
  readonly socketPath: string;
  readonly #handler: RequestHandler;
  readonly #searchParams: SearchParamsSchema;
  readonly #log: Logger;
  readonly #limits: IpcLimits;
  readonly #connections = new Map<Socket, Connection>();
  #nextConnectionId = 1;
  #transport: TransportServer | null = null;
  /** The socket file we bound, so close() never removes one that another process put there. */
  #bound: { dev: number; ino: number } | null = null;
  #listening: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  /** Being full repeats under a flood; it is logged once per episode. */
  #hasWarnedFull = false;
  readonly #loggedServerErrors = new Set<string>();

  constructor(options: IpcServerOptions) {
    this.socketPath = options.socketPath;
    this.#handler = options.handler;
    this.#searchParams = options.searchParams ?? builtinSearchParams();
    this.#log = options.logger.child({ component: 'ipc' });
    this.#limits = resolveLimits(options.limits);
  }

  get limits(): IpcLimits {
    return this.#limits;
  }

  stats(): IpcServerStats {
    let connections = 0;
    let inFlight = 0;
    for (const connection of this.#connections.values()) {
      if (connection.isOpen) connections += 1;
      inFlight += connection.inFlight;
    }
    return { connections, inFlight, sockets: this.#connections.size };
  }

  /**
   * Resolves once the socket accepts connections. Rejects with `E_LOCKED` when a live daemon
   * owns the path, `E_IPC` for a path too long, a folder not private or not ours, or a non-socket
   * file in the way.
   */
  listen(): Promise<void> {
    if (this.#closing)
      return Promise.reject(new RagError('E_USAGE', 'this IPC server was closed; make a new one'));
    this.#listening ??= this.#listen();
    return this.#listening;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #listen(): Promise<void> {
    const path = this.socketPath;
    checkSocketPathLength(path);
    await prepareSocketDir(dirname(path));
    await removeStaleSocket(path, this.#limits.probeTimeoutMs, this.#log);
    let transport: TransportServer;
    try {
      transport = await this.#bind();
    } catch (err) {
      if (errnoCode(err) !== 'EADDRINUSE') throw this.#bindError(err);
      // Someone bound the path between our check and our bind: judge it again, once.
      await removeStaleSocket(path, this.#limits.probeTimeoutMs, this.#log);
      transport = await this.#bind().catch((retryErr: unknown) => {
        throw this.#bindError(retryErr);
      });
    }
    this.#transport = transport;
    try {
      // Node creates the socket with the umask's mode; the private folder already guards it.
      await chmod(path, SOCKET_FILE_MODE);
      const info = await lstat(path);
      this.#bound = { dev: info.dev, ino: info.ino };
    } catch (err) {
      await transport.close();
      throw new RagError('E_IPC', `cannot secure the socket ${path}: ${errorMessage(err)}`, { cause: err });
    }
    this.#log.info({ path }, 'listening');
  }

  #bind(): Promise<TransportServer> {
    return listenTransport(this.socketPath, this.#limits.maxSockets, {
      onConnection: (socket) => this.#accept(socket),
      onData: (socket, chunk) => this.#connections.get(socket)?.receive(chunk),
      onError: (err) => this.#onServerError(err),
    });
  }

  #bindError(err: unknown): RagError {
    return new RagError('E_IPC', `cannot listen on ${this.socketPath}: ${errorMessage(err)}`, { cause: err });
  }

  #accept(socket: Socket): void {
    const connection = new Connection({
      id: this.#nextConnectionId++,
      socket,
      limits: this.#limits,
      handler: this.#handler,
      searchParams: this.#searchParams,
      log: this.#log,
      onClosed: () => this.#connections.delete(socket),
    });
    this.#connections.set(socket, connection);
    if (this.#closing) {
      connection.end();
      return;
    }
    this.#admit(connection);
  }

  /**
   * Keeps the served connections within `maxConnections`. An idle connection holds a slot while
   * giving nothing, so the one idle longest makes room for the newcomer; only when every slot is
   * busy is the newcomer told E_BUSY. A flood of idle connections thus never locks the CLI out.
   */
  #admit(newcomer: Connection): void {
    let open = 0;
    let idlest: Connection | null = null;
    for (const connection of this.#connections.values()) {
      if (connection === newcomer || !connection.isOpen) continue;
      open += 1;
      if (connection.isIdle && (!idlest || connection.idleSinceMs < idlest.idleSinceMs)) idlest = connection;
    }
    const max = this.#limits.maxConnections;
    if (open < max) {
      this.#hasWarnedFull = false;
      return;
    }
    if (!this.#hasWarnedFull) {
      this.#log.warn(
        { connections: open, max },
        'connection limit reached; closing idle connections or refusing new ones',
      );
      this.#hasWarnedFull = true;
    }
    if (idlest) {
      idlest.endWithError(
        new RagError(
          'E_BUSY',
          `closed to make room: the daemon serves at most ${max} connections and this one was idle`,
        ),
      );
      return;
    }
    newcomer.endWithError(
      new RagError('E_BUSY', `the daemon is already serving ${max} connections`, {
        fix: 'try again in a moment',
      }),
    );
  }

  #onServerError(err: unknown): void {
    // EMFILE at accept and the like: the server keeps listening; say so once per kind.
    const code = errnoCode(err) ?? 'unknown';
    if (this.#loggedServerErrors.has(code)) return;
    this.#loggedServerErrors.add(code);
    this.#log.warn({ err }, 'socket server error (still listening)');
  }

  async #close(): Promise<void> {
    await this.#listening?.catch(() => undefined);
    const stopped = this.#transport?.close();
    const connections = [...this.#connections.values()];
    const stopping = new RagError('E_ABORTED', 'the daemon is shutting down');
    for (const connection of connections) connection.stopReading(stopping);
    const isSettled = await settlesWithin(
      Promise.all(connections.map((connection) => connection.settled())),
      this.#limits.closeGraceMs,
    );
    if (!isSettled) {
      this.#log.warn(
        { ms: this.#limits.closeGraceMs },
        'handlers still running at close; their replies are dropped',
      );
    }
    for (const connection of connections) connection.end();
    await Promise.all(connections.map((connection) => connection.closed));
    await stopped;
    await this.#removeSocketFile();
    this.#log.info({ path: this.socketPath }, 'closed');
  }

  /** libuv unlinks the socket when the server closes; this covers the cases where it did not. */
  async #removeSocketFile(): Promise<void> {
    const bound = this.#bound;
    if (!bound) return;
    const info = await lstat(this.socketPath).catch(() => null);
    if (!info || info.dev !== bound.dev || info.ino !== bound.ino) return;
    await unlink(this.socketPath).catch((err: unknown) => {
      if (errnoCode(err) !== 'ENOENT')
        this.#log.warn({ err, path: this.socketPath }, 'could not remove the socket file');
    });
  }
}

/** Whether `promise` settled within `ms`; the timer never outlives the wait. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
