import type { Socket } from 'node:net';
import { type ErrorCode, errnoCode, errorMessage, RagError } from '../errors.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import { DEFAULT_IPC_LIMITS } from './limits.js';
import {
  encodeMessage,
  type Method,
  type ParamsOf,
  PROTOCOL_VERSION,
  ProtocolError,
  parseReplyEnvelope,
  REQUEST_TYPE,
  type RemoteError,
  type Reply,
  type ResultOf,
} from './protocol.js';
import { checkSocketPathLength } from './socket-file.js';
import { connectTransport } from './transport.js';

// Keep this module's imports light: the CLI loads it on every command, and when a daemon
// answers nothing else (LanceDB, the model, pino) should be loaded at all.

/** 30 s: the daemon's first search may wait for the model to load; longer means it is stuck. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface ClientOptions {
  /** Bound on connecting, and each request's default. Default `DEFAULT_REQUEST_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** Larger replies are refused with E_TOO_LARGE. Default: the server's `maxReplyBytes`. */
  maxReplyBytes?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Pending {
  resolve(result: unknown): void;
  reject(err: RagError): void;
}

/**
 * A connection to the daemon that carries any number of requests, concurrently, matched to
 * their replies by id. Every failure is a `RagError`: `E_NO_DAEMON` when nothing listens (the
 * CLI then reads the index itself), the daemon's own code for a refused request, `E_TIMEOUT`,
 * `E_IPC` for a connection lost before the reply.
 */
export class IpcClient {
  readonly socketPath: string;
  readonly #timeoutMs: number;
  readonly #decoder: FrameDecoder;
  readonly #pending = new Map<number, Pending>();
  readonly #closed: Promise<void>;
  #markClosed: () => void = () => {};
  #socket: Socket | null = null;
  #nextId = 1;
  /** Set once the connection is unusable; later requests fail with it at once. */
  #failure: RagError | null = null;

  private constructor(socketPath: string, options: ClientOptions) {
    this.socketPath = socketPath;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#decoder = new FrameDecoder(options.maxReplyBytes ?? DEFAULT_IPC_LIMITS.maxReplyBytes);
    this.#closed = new Promise((resolve) => {
      this.#markClosed = resolve;
    });
  }

  static async connect(socketPath: string, options: ClientOptions = {}): Promise<IpcClient> {
    checkSocketPathLength(socketPath);
    const client = new IpcClient(socketPath, options);
    try {
      client.#socket = await connectTransport(
        socketPath,
        { onData: (chunk) => client.#receive(chunk), onClose: (err) => client.#onClose(err) },
        client.#timeoutMs,
      );
    } catch (err) {
      throw connectError(socketPath, err);
    }
    return client;
  }

  /**
   * Sends one request and resolves with its result. The result is typed by the method, not
   * checked: both ends speak the same protocol version, which the reply's `v` confirms.
   */
  request<M extends Method>(
    method: M,
    params: ParamsOf<M>,
    options: RequestOptions = {},
  ): Promise<ResultOf<M>> {
    const socket = this.#socket;
    if (this.#failure || !socket)
      return Promise.reject(this.#failure ?? new RagError('E_IPC', 'not connected'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(aborted(method, signal));
    const id = this.#nextId++;
    const frame = encodeFrame(encodeMessage(REQUEST_TYPE, { v: PROTOCOL_VERSION, id, method, params }));
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;

    return new Promise<ResultOf<M>>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
      };
      const timer = setTimeout(() => {
        settle();
        reject(
          new RagError(
            'E_TIMEOUT',
            `the daemon at ${this.socketPath} did not answer ${method} within ${timeoutMs} ms`,
            {
              fix: 'see ragctl status and the daemon log',
            },
          ),
        );
      }, timeoutMs);
      const onAbort = () => {
        settle();
        reject(aborted(method, signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (result) => {
          settle();
          resolve(result as ResultOf<M>);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      });
      socket.write(frame);
    });
  }

  /** Idempotent. Requests still waiting fail with E_ABORTED. */
  async close(): Promise<void> {
    this.#fail(new RagError('E_ABORTED', 'the client was closed'));
    await this.#closed;
  }

  #receive(chunk: Buffer): void {
    const { frames, overflow } = this.#decoder.push(chunk);
    for (const frame of frames) {
      const reply = readReply(frame);
      if (reply instanceof RagError) {
        this.#fail(reply);
        return;
      }
      // `id: null` is about the connection as a whole (busy, a broken message): it is lost.
      if (reply.id === null) {
        this.#fail(remoteError(reply.ok ? undefined : reply.error));
        return;
      }
      // No entry: the request timed out or was aborted; its late reply is dropped.
      const pending = typeof reply.id === 'number' ? this.#pending.get(reply.id) : undefined;
      if (!pending) continue;
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(remoteError(reply.error));
    }
    if (overflow) {
      this.#fail(
        new RagError('E_TOO_LARGE', 'a reply from the daemon is over the size limit', {
          fix: 'ask for fewer results',
        }),
      );
    }
  }

  #onClose(err: unknown): void {
    const detail = err === undefined ? '' : `: ${errorMessage(err)}`;
    this.#fail(
      new RagError('E_IPC', `the daemon at ${this.socketPath} closed the connection${detail}`, {
        cause: err,
        fix: 'see ragctl status and the daemon log',
      }),
    );
    this.#markClosed();
  }

  /** The first failure sticks: every waiting request gets it and the socket goes. */
  #fail(err: RagError): void {
    this.#failure ??= err;
    for (const pending of [...this.#pending.values()]) pending.reject(this.#failure);
    this.#socket?.destroy();
  }
}

/** Connects, sends one request, closes; `timeoutMs` bounds the whole exchange. */
export async function request<M extends Method>(
  socketPath: string,
  method: M,
  params: ParamsOf<M>,
  options: ClientOptions & RequestOptions = {},
): Promise<ResultOf<M>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const deadlineMs = Date.now() + timeoutMs;
  const client = await IpcClient.connect(socketPath, { ...options, timeoutMs });
  try {
    return await client.request(method, params, {
      ...options,
      timeoutMs: Math.max(1, deadlineMs - Date.now()),
    });
  } finally {
    await client.close();
  }
}

const ERROR_CODE = /^E_[A-Z0-9_]{1,40}$/;

function readReply(frame: string | ProtocolError): Reply | RagError {
  if (frame instanceof ProtocolError) return frame;
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch (err) {
    return new RagError('E_PROTOCOL', `the daemon sent a message that is not JSON: ${errorMessage(err)}`);
  }
  return parseReplyEnvelope(json);
}

function remoteError(error: RemoteError | undefined): RagError {
  if (!error) return new RagError('E_PROTOCOL', 'the daemon sent a reply without an id');
  // The daemon sends codes from the same ErrorCode list (same protocol version); one of an
  // unexpected form is kept in the message rather than trusted as a code.
  const isCode = ERROR_CODE.test(error.code);
  const code = (isCode ? error.code : 'E_IPC') as ErrorCode;
  const message = isCode ? error.message : `${error.code}: ${error.message}`;
  return new RagError(code, message, error.fix === undefined ? {} : { fix: error.fix });
}

function connectError(path: string, err: unknown): RagError {
  if (err instanceof RagError) return err;
  const code = errnoCode(err);
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTDIR') {
    return new RagError('E_NO_DAEMON', `no daemon is listening on ${path}`, {
      cause: err,
      fix: 'start it: `ragctl daemon run` in a terminal, or `ragctl daemon start` where it is installed as a service (commands that can read the index directly do so meanwhile)',
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new RagError('E_IPC', `permission denied connecting to ${path}`, {
      cause: err,
      fix: 'the socket belongs to another user, or its folder is not yours',
    });
  }
  if (code === 'EAGAIN') {
    return new RagError('E_BUSY', `the daemon at ${path} is not accepting connections fast enough`, {
      cause: err,
    });
  }
  return new RagError('E_IPC', `cannot connect to ${path}: ${errorMessage(err)}`, { cause: err });
}

function aborted(method: string, signal: AbortSignal | undefined): RagError {
  return new RagError('E_ABORTED', `${method} was cancelled`, { cause: signal?.reason });
}
