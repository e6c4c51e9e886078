import type { Socket } from 'node:net';
import { IPCModule } from 'node-ipc';
import { errnoCode, errorMessage, RagError } from '../errors.js';

/*
 * The one module that touches node-ipc (12.0.0). We use it in raw-buffer mode only: it creates
 * the Unix socket server and client, accepts, reads, and hands us bytes. Framing, size limits,
 * UTF-8 and JSON are ours (framing.ts, protocol.ts), because its default mode is unsafe for a
 * daemon. There every frame is parsed by js-message and re-published on the same event-pubsub
 * bus as node-ipc's own lifecycle events, with the client's `type` as the event name:
 *   - `{"type":5}`, `{"type":"__proto__"}` or `{"type":"constructor"}` make event-pubsub throw
 *     a TypeError inside the socket's data callback, an uncaught exception that ends the process;
 *   - a client can fake the internal `connect` and `close` events;
 *   - input is appended to a string without bound until a read happens to end with `\f`, so one
 *     client that never sends the delimiter grows memory until the process dies.
 */

/**
 * node-ipc calls `socket.setEncoding(encoding)` and then `Buffer.from(text, encoding)`. latin1
 * maps every byte to one character and back, so we get the exact bytes; utf8 would quietly turn
 * malformed sequences into U+FFFD before our strict decoder could reject them.
 */
const WIRE_ENCODING: BufferEncoding = 'latin1';

/** node-ipc keys client connections by a service id; each of ours has its own IPCModule. */
const SERVICE_ID = 'ragd';

function createIpc(): IPCModule {
  const ipc = new IPCModule();
  ipc.config.silent = true; // otherwise it console.logs every event
  ipc.config.rawBuffer = true;
  ipc.config.encoding = WIRE_ENCODING;
  ipc.config.unlink = false; // it would unlink even a live daemon's socket; server.ts decides
  ipc.config.readableAll = false;
  ipc.config.writableAll = false;
  ipc.config.maxRetries = 0; // a client fails fast so the CLI can fall back to the index
  ipc.config.stopRetrying = true;
  return ipc;
}

export interface TransportServerHandlers {
  onConnection(socket: Socket): void;
  onData(socket: Socket, chunk: Buffer): void;
  /** Errors of the listening socket once it listens (EMFILE at accept…); it goes on listening. */
  onError(err: unknown): void;
}

export interface TransportServer {
  /** Stops accepting; resolves once every accepted socket has closed as well. */
  close(): Promise<void>;
}

/** Listens on `path` (which must not exist). Rejects with the system error (EADDRINUSE, EACCES…). */
export function listenTransport(
  path: string,
  maxSockets: number,
  handlers: TransportServerHandlers,
): Promise<TransportServer> {
  const ipc = createIpc();
  // Past this, Node closes a new socket right at accept: the hard bound on descriptors.
  ipc.config.maxConnections = maxSockets;
  ipc.serve(path);
  const server = ipc.server;
  if (!server) return Promise.reject(new RagError('E_INTERNAL', 'node-ipc did not create a socket server'));

  server.on('connect', (socket) => {
    // We keep our own books on connections. node-ipc prunes its list in a close handler that
    // destroys the first non-readable socket it finds, which may be a half-closed one still
    // waiting for its reply; a socket it does not know about is one it cannot destroy.
    const index = server.sockets.indexOf(socket);
    if (index !== -1) server.sockets.splice(index, 1);
    // node-ipc's net.Server ends our side as soon as the client ends its side. Clients that
    // half-close after writing (nc -N, Python's shutdown(SHUT_WR)) should still get the reply;
    // Node documents the flag as changeable until 'end' has been emitted.
    socket.allowHalfOpen = true;
    handlers.onConnection(socket);
  });
  server.on('data', (chunk, socket) => handlers.onData(socket, chunk));

  server.start(); // synchronous with unlink off: creates the net.Server and calls listen()
  const net = server.server;
  if (!net) return Promise.reject(new RagError('E_INTERNAL', 'node-ipc did not start its net.Server'));
  return new Promise((resolve, reject) => {
    const onListenError = (err: unknown) => reject(err);
    net.once('error', onListenError);
    net.once('listening', () => {
      net.off('error', onListenError);
      net.on('error', handlers.onError);
      resolve({ close: () => new Promise<void>((done) => net.close(() => done())) });
    });
  });
}

export interface TransportClientHandlers {
  onData(chunk: Buffer): void;
  /** The connection is gone; `err` is the socket error that ended it, if one did. */
  onClose(err: unknown): void;
}

/**
 * Connects to `path`. Rejects with the system error (ENOENT, ECONNREFUSED, EACCES…), or
 * `E_TIMEOUT` when the connection is not made within `timeoutMs`.
 */
export function connectTransport(
  path: string,
  handlers: TransportClientHandlers,
  timeoutMs: number,
): Promise<Socket> {
  const ipc = createIpc();
  ipc.connectTo(SERVICE_ID, path);
  const client = ipc.of[SERVICE_ID];
  const socket = client?.socket;
  if (!client || !socket)
    return Promise.reject(new RagError('E_INTERNAL', 'node-ipc did not create a client'));

  return new Promise((resolve, reject) => {
    let isSettled = false;
    let lastError: unknown;
    const timer = setTimeout(() => {
      isSettled = true;
      socket.destroy();
      reject(new RagError('E_TIMEOUT', `connecting to ${path} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    client.on('connect', () => {
      clearTimeout(timer);
      isSettled = true;
      resolve(socket);
    });
    client.on('error', (err) => {
      lastError = err;
      if (isSettled) return;
      clearTimeout(timer);
      isSettled = true;
      reject(err);
    });
    client.on('data', (chunk) => handlers.onData(chunk));
    socket.once('close', () => {
      clearTimeout(timer);
      handlers.onClose(lastError);
    });
  });
}

export type SocketProbe = 'live' | 'refused' | 'missing';

/**
 * Whether something listens on `path`. A refused connection means the file was left by a dead
 * process; silence past the timeout is treated as live, so a busy daemon is never taken over.
 */
export async function probeSocket(path: string, timeoutMs: number): Promise<SocketProbe> {
  try {
    const socket = await connectTransport(path, { onData: () => {}, onClose: () => {} }, timeoutMs);
    socket.destroy();
    return 'live';
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ECONNREFUSED') return 'refused';
    if (code === 'ENOENT') return 'missing';
    if (err instanceof RagError && err.code === 'E_TIMEOUT') return 'live';
    throw new RagError('E_IPC', `cannot tell whether ${path} is in use: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
