import { RagError } from '../errors.js';
import type { IpcLimits } from './types.js';

/**
 * The server's bounds. The socket is private to one user, so these guard against that user's own
 * runaway scripts and broken clients, not strangers: generous for real use, small enough that
 * nothing a client does can grow the daemon's memory or file descriptors without limit.
 */
export const DEFAULT_IPC_LIMITS: IpcLimits = Object.freeze({
  /** 1 MiB per request: the largest real one is a search of ≤ 4,096 characters; more is a bug. */
  maxRequestBytes: 1024 * 1024,
  /** 16 MiB per reply: k ≤ 1000 hits of a few KiB each fit; a larger result becomes E_TOO_LARGE. */
  maxReplyBytes: 16 * 1024 * 1024,
  /** 10 s for a message to end once it has begun: a local client writes one in a single call. */
  frameTimeoutMs: 10_000,
  /** 60 s with nothing in flight, then the connection is closed: the CLI uses one per command. */
  idleTimeoutMs: 60_000,
  /** 64 connections served at once: a person runs a few CLIs and an editor plugin, not dozens. */
  maxConnections: 64,
  /**
   * 128 sockets in all, counting those being told E_BUSY or closed; past this Node closes a new
   * socket at accept without a word, so descriptors stay bounded whatever a client floods.
   */
  maxSockets: 128,
  /** 32 unanswered requests per connection; more get E_BUSY instead of queueing unbounded work. */
  maxInFlightPerConnection: 32,
  /** 32 MiB of replies waiting for a client that does not read: past this it is dropped. */
  maxBufferedWriteBytes: 32 * 1024 * 1024,
  /** 1 s for a connection being closed to flush its last message before it is destroyed. */
  endGraceMs: 1_000,
  /** 5 s for handlers still running at close() to finish and answer before connections are cut. */
  closeGraceMs: 5_000,
  /** 1 s for an existing socket to accept a probe; silence counts as a live daemon, never as stale. */
  probeTimeoutMs: 1_000,
});

/** Defaults with overrides applied, checked once and frozen. */
export function resolveLimits(overrides: Partial<IpcLimits> = {}): IpcLimits {
  const limits: IpcLimits = { ...DEFAULT_IPC_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RagError('E_USAGE', `IPC limit ${name} must be a positive integer, not ${String(value)}`);
    }
  }
  if (limits.maxSockets < limits.maxConnections) {
    throw new RagError('E_USAGE', 'IPC limit maxSockets must be at least maxConnections');
  }
  return Object.freeze(limits);
}
