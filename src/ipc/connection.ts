import type { Socket } from 'node:net';
import { errnoCode, errorMessage, RagError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SearchParamsSchema } from '../search/param-specs.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import {
  encodeMessage,
  errorReply,
  okReply,
  ProtocolError,
  parseRequestEnvelope,
  RESPONSE_TYPE,
  type Reply,
  type Request,
} from './protocol.js';
import type { IpcLimits, RequestHandler } from './types.js';

/** Socket errors that only say the client left first: expected, worth a debug line at most. */
const CLIENT_GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export interface ConnectionOptions {
  id: number;
  socket: Socket;
  limits: IpcLimits;
  handler: RequestHandler;
  /** What `search` requests are checked against. */
  searchParams: SearchParamsSchema;
  log: Logger;
  onClosed(connection: Connection): void;
}

/**
 * One client connection: bytes in, frames out of them, each request through the handler and
 * its reply back, and the timers that keep a silent or half-sent client from holding a slot.
 */
export class Connection {
  readonly id: number;
  /** Resolves once the socket has closed. Handlers may still be running; see `settled()`. */
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #limits: IpcLimits;
  readonly #handler: RequestHandler;
  readonly #searchParams: SearchParamsSchema;
  readonly #log: Logger;
  readonly #decoder: FrameDecoder;
  readonly #inFlight = new Set<AbortController>();
  readonly #work = new Set<Promise<void>>();
  /** open → ending (our FIN sent, waiting for the socket to close) → closed. */
  #state: 'open' | 'ending' | 'closed' = 'open';
  /** The client half-closed: it may still read, so it gets its replies and then our FIN. */
  #hasClientEnded = false;
  /** The server is closing: no new requests are read; the server ends the connection itself. */
  #isStopped = false;
  #idleSinceMs = Date.now();
  #idleTimer: NodeJS.Timeout | undefined;
  #frameTimer: NodeJS.Timeout | undefined;
  #endTimer: NodeJS.Timeout | undefined;

  constructor(options: ConnectionOptions) {
    this.id = options.id;
    this.#socket = options.socket;
    this.#limits = options.limits;
    this.#handler = options.handler;
    this.#searchParams = options.searchParams;
    this.#log = options.log.child({ connection: options.id });
    this.#decoder = new FrameDecoder(options.limits.maxRequestBytes);
    this.closed = new Promise((resolve) => {
      this.#socket.once('close', () => {
        this.#onClose();
        options.onClosed(this);
        resolve();
      });
    });
    this.#socket.on('end', () => this.#onEnd());
    this.#socket.on('error', (err) => this.#onError(err));
    this.#armTimers();
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** Nothing in flight and no message begun: closing it loses nothing. */
  get isIdle(): boolean {
    return this.#state === 'open' && this.#inFlight.size === 0 && !this.#decoder.isMidFrame;
  }

  get idleSinceMs(): number {
    return this.#idleSinceMs;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  receive(chunk: Buffer): void {
    if (this.#state !== 'open' || this.#hasClientEnded || this.#isStopped) return;
    this.#idleSinceMs = Date.now();
    const { frames, overflow } = this.#decoder.push(chunk);
    for (const frame of frames) {
      if (this.#state !== 'open') return;
      this.#handleFrame(frame);
    }
    if (overflow) {
      const max = this.#limits.maxRequestBytes;
      this.endWithError(
        new ProtocolError(
          'E_TOO_LARGE',
          `a message may be at most ${max} bytes; this one went past that without ending (\\f)`,
        ),
      );
      return;
    }
    this.#armTimers();
  }

  /** Sends one error not tied to a request (`id: null`), then closes. */
  endWithError(err: RagError): void {
    if (this.#state !== 'open') return;
    this.#log.debug({ code: err.code, reason: err.message }, 'closing the connection with an error');
    this.#send(errorReply(null, err));
    this.end();
  }

  /** Closes after flushing what was written; a client that does not let it flush is cut off. */
  end(): void {
    if (this.#state !== 'open') return;
    this.#state = 'ending';
    this.#clearTimers();
    this.#abortAll(new RagError('E_ABORTED', 'the connection is closing'));
    this.#socket.end();
    // Read (and drop) what still comes, or a paused socket would never see the client's FIN.
    this.#socket.resume();
    this.#endTimer = setTimeout(() => this.#socket.destroy(), this.#limits.endGraceMs);
  }

  /** The server is closing: read no more requests, and tell running handlers to stop. */
  stopReading(reason: RagError): void {
    this.#isStopped = true;
    this.#socket.pause();
    this.#abortAll(reason);
    this.#armTimers();
  }

  /** Resolves when every handler this connection started has settled (none ever rejects). */
  async settled(): Promise<void> {
    await Promise.all([...this.#work]);
  }

  #handleFrame(frame: string | ProtocolError): void {
    if (frame instanceof ProtocolError) {
      this.#send(errorReply(null, frame));
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(frame);
    } catch (err) {
      this.#send(
        errorReply(null, new ProtocolError('E_PROTOCOL', `message is not valid JSON: ${errorMessage(err)}`)),
      );
      return;
    }
    const request = parseRequestEnvelope(json, this.#searchParams);
    if (request instanceof ProtocolError) {
      this.#log.debug({ code: request.code, field: request.field }, 'refused a malformed request');
      this.#send(errorReply(request.requestId, request));
      return;
    }
    if (this.#inFlight.size >= this.#limits.maxInFlightPerConnection) {
      const max = this.#limits.maxInFlightPerConnection;
      const busy = new RagError('E_BUSY', `${max} requests are already waiting on this connection`, {
        fix: 'wait for replies before sending more requests',
      });
      this.#send(errorReply(request.id, busy));
      return;
    }
    const controller = new AbortController();
    this.#inFlight.add(controller);
    // #run answers every outcome; this catch is for a bug in answering itself, which must
    // neither go unhandled nor reject settled() (the server's close awaits it).
    const work: Promise<void> = this.#run(request, controller)
      .catch((err: unknown) => this.#log.error({ err, method: request.method }, 'answering a request failed'))
      .finally(() => this.#work.delete(work));
    this.#work.add(work);
  }

  /** Never rejects: every outcome of the handler becomes a reply. */
  async #run(request: Request, controller: AbortController): Promise<void> {
    const startedMs = Date.now();
    let reply: Reply;
    try {
      const result = await this.#handler(request, { connectionId: this.id, signal: controller.signal });
      reply = okReply(request.id, result);
    } catch (err) {
      reply = errorReply(request.id, err);
      if (err instanceof RagError) {
        this.#log.debug({ method: request.method, code: err.code }, 'request failed');
      } else {
        this.#log.error({ err, method: request.method }, 'request handler threw an unexpected error');
      }
    } finally {
      this.#inFlight.delete(controller);
    }
    this.#log.debug({ method: request.method, ms: Date.now() - startedMs, ok: reply.ok }, 'request answered');
    this.#send(reply);
    if (this.#state !== 'open') return;
    this.#idleSinceMs = Date.now();
    // A client that half-closed gets its last reply, then our FIN.
    if (this.#hasClientEnded && this.#inFlight.size === 0) this.end();
    else this.#armTimers();
  }

  #send(reply: Reply): void {
    if (this.#state === 'closed' || !this.#socket.writable) {
      this.#log.debug({ id: reply.id }, 'the client left before its reply');
      return;
    }
    let frame: Buffer;
    try {
      frame = encodeFrame(encodeMessage(RESPONSE_TYPE, reply));
    } catch (err) {
      const internal = new RagError(
        'E_INTERNAL',
        `the result could not be written as JSON: ${errorMessage(err)}`,
      );
      frame = encodeFrame(encodeMessage(RESPONSE_TYPE, errorReply(reply.id, internal)));
    }
    const max = this.#limits.maxReplyBytes;
    if (frame.length - 1 > max) {
      const tooLarge = new RagError(
        'E_TOO_LARGE',
        `the reply is ${frame.length - 1} bytes, over the ${max}-byte limit`,
        {
          fix: 'ask for fewer results (a smaller k)',
        },
      );
      frame = encodeFrame(encodeMessage(RESPONSE_TYPE, errorReply(reply.id, tooLarge)));
    }
    this.#socket.write(frame);
    if (this.#socket.writableLength > this.#limits.maxBufferedWriteBytes) {
      this.#log.warn(
        { bytes: this.#socket.writableLength },
        'dropping a client that does not read its replies',
      );
      this.#socket.destroy();
    }
  }

  #onEnd(): void {
    if (this.#decoder.isMidFrame) {
      this.#send(
        errorReply(
          null,
          new ProtocolError('E_PROTOCOL', 'the connection was half-closed in the middle of a message'),
        ),
      );
    }
    this.#hasClientEnded = true;
    if (this.#inFlight.size === 0) this.end();
    else this.#armTimers();
  }

  #onError(err: unknown): void {
    const code = errnoCode(err);
    if (code !== undefined && CLIENT_GONE.has(code)) this.#log.debug({ code }, 'the client went away');
    else this.#log.warn({ err }, 'client socket error');
  }

  #onClose(): void {
    this.#state = 'closed';
    this.#clearTimers();
    clearTimeout(this.#endTimer);
    this.#abortAll(new RagError('E_ABORTED', 'the client disconnected'));
  }

  #abortAll(reason: RagError): void {
    for (const controller of this.#inFlight) controller.abort(reason);
  }

  /**
   * The frame timer runs while a message is begun and not ended; the idle timer while nothing
   * is in flight and nothing begun. Neither runs once the connection stops reading.
   */
  #armTimers(): void {
    if (this.#state !== 'open') {
      this.#clearTimers();
      return;
    }
    const isReading = !this.#hasClientEnded && !this.#isStopped;
    const isMidFrame = this.#decoder.isMidFrame && isReading;
    if (!isMidFrame) {
      clearTimeout(this.#frameTimer);
      this.#frameTimer = undefined;
    } else if (!this.#frameTimer) {
      const ms = this.#limits.frameTimeoutMs;
      this.#frameTimer = setTimeout(() => {
        this.endWithError(
          new ProtocolError('E_PROTOCOL', `a message was not finished within ${ms} ms (each ends with \\f)`),
        );
      }, ms);
    }
    const isIdle = isReading && !isMidFrame && this.#inFlight.size === 0;
    if (!isIdle) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
    } else if (this.#idleTimer) {
      this.#idleTimer.refresh();
    } else {
      this.#idleTimer = setTimeout(() => {
        this.#log.debug({ ms: this.#limits.idleTimeoutMs }, 'closing an idle connection');
        this.end();
      }, this.#limits.idleTimeoutMs);
    }
  }

  #clearTimers(): void {
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#frameTimer);
    this.#idleTimer = undefined;
    this.#frameTimer = undefined;
  }
}
