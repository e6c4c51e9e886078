import type { Logger } from '../log.js';
import type { SearchParamsSchema } from '../search/param-specs.js';
import type { Method, ParamsOf, Request, ResultOf } from './protocol.js';

/** What a handler knows about the request besides its content. */
export interface RequestContext {
  /** Stable for the life of one client connection; for logs. */
  readonly connectionId: number;
  /**
   * Aborted when the server closes or the connection breaks: long work should stop then. A
   * client that only shuts down its write side is still waiting for the reply, and on a Unix
   * socket a vanished client looks the same until the reply is written, so that is no abort.
   */
  readonly signal: AbortSignal;
}

/**
 * Answers one valid request. The resolved value is the reply's `result`; a thrown `RagError`
 * becomes `{ok: false, error: {code, message, fix}}` with its code, anything else `E_INTERNAL`.
 */
export type RequestHandler = (request: Request, context: RequestContext) => Promise<unknown>;

/** One typed function per method; `dispatchTo()` turns the set into a `RequestHandler`. */
export type MethodHandlers = {
  [M in Method]: (params: ParamsOf<M>, context: RequestContext) => Promise<ResultOf<M>>;
};

/** Every bound the server enforces. Defaults and the reason for each: `DEFAULT_IPC_LIMITS`. */
export interface IpcLimits {
  readonly maxRequestBytes: number;
  readonly maxReplyBytes: number;
  readonly frameTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxSockets: number;
  readonly maxInFlightPerConnection: number;
  readonly maxBufferedWriteBytes: number;
  readonly endGraceMs: number;
  readonly closeGraceMs: number;
  readonly probeTimeoutMs: number;
}

export interface IpcServerOptions {
  /** Where to listen. Its folder is created 0700 when missing and must be yours and private. */
  socketPath: string;
  handler: RequestHandler;
  /**
   * What `search` requests are checked against: the schema of the registered engines' filter
   * fields (`searchParamsSchema(registry.searchFilters())`). Default: the built-in engines'.
   */
  searchParams?: SearchParamsSchema;
  /** The server logs under `{component: 'ipc'}`. */
  logger: Logger;
  /** Overrides for tests and unusual set-ups; the rest come from `DEFAULT_IPC_LIMITS`. */
  limits?: Partial<IpcLimits>;
}

export interface IpcServerStats {
  /** Connections being served (not counting those being turned away). */
  connections: number;
  /** Requests whose handler has not settled yet. */
  inFlight: number;
  /** Every accepted socket not yet closed, including those being turned away or closed. */
  sockets: number;
}
