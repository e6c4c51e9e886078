import type { EmbedderConfig } from '../../config/types.js';
import type { ErrorCode } from '../../errors.js';
import type { LogLevel } from '../../log.js';
import type { EmbedderRuntime } from '../types.js';

/**
 * Messages between the daemon and its embed worker process (over fork's IPC channel, with
 * 'advanced' serialization so a Float32Array crosses as bytes, not as a JSON list of numbers).
 * Parent and child are built together; a different version means a stale build, and both sides
 * refuse it rather than misread it. Bump on any change an older peer would misread.
 */
export const WORKER_PROTOCOL_VERSION = 4;
export type WorkerProtocolVersion = typeof WORKER_PROTOCOL_VERSION;

/** What the child needs to build the embedder: the config block, as the registry reads it. */
export interface InitMessage {
  v: WorkerProtocolVersion;
  type: 'init';
  config: EmbedderConfig;
  /** Its key under `embedders`, for messages. */
  name: string;
  logLevel: LogLevel;
}

/**
 * One request: the child embeds these texts as one call and answers with `vectors` or `error`;
 * with `query`, it scores them against it instead (`Embedder.lateScores`: one number a text).
 */
export interface EmbedMessage {
  v: WorkerProtocolVersion;
  type: 'embed';
  id: number;
  texts: string[];
  query?: string;
  /** A remote embedder gives a search one try and retries index work (src/embed/openai). */
  priority: 'query' | 'index';
}

/** Exit now; whatever is in flight is abandoned (the parent has already given up on it). */
export interface ShutdownMessage {
  v: WorkerProtocolVersion;
  type: 'shutdown';
}

export type ParentMessage = InitMessage | EmbedMessage | ShutdownMessage;

/** The model is loaded and requests may come. */
export interface ReadyMessage {
  v: WorkerProtocolVersion;
  type: 'ready';
  modelId: string;
  dimension: number;
  /** What runs the model (backend, threads, kernels), for the log and `status`. */
  runtime: EmbedderRuntime;
  loadMs: number;
}

/**
 * The child cannot serve: the model does not load, or the parent speaks another protocol.
 * Final: the child exits after sending it, and a restart would fail the same way.
 */
export interface FatalMessage {
  v: WorkerProtocolVersion;
  type: 'fatal';
  code: ErrorCode;
  message: string;
  fix: string | null;
}

export interface VectorsMessage {
  v: WorkerProtocolVersion;
  type: 'vectors';
  id: number;
  /** Row-major `texts.length × dimension`, L2-normalised; a late request's one score a text. */
  data: Float32Array;
  /** This request's place among those this child started (1, 2, …): shows the order they ran in. */
  seq: number;
  /** Time the child spent on this request. */
  computeMs: number;
  /** The child's resident set size after the request, for `status` and leak checks. */
  rssBytes: number;
}

/** A request the child could not serve (bad input, non-finite output): retrying would not help. */
export interface ErrorMessage {
  v: WorkerProtocolVersion;
  type: 'error';
  id: number;
  code: ErrorCode;
  message: string;
  /** What the user can do (a remote server's URL or key to check); absent when there is nothing. */
  fix?: string;
}

export type ChildMessage = ReadyMessage | FatalMessage | VectorsMessage | ErrorMessage;

export type Parsed<T> = { ok: true; message: T } | { ok: false; reason: string };

/** Checks a message from the child; anything else is a bug or a stale build, never trusted. */
export function parseChildMessage(value: unknown): Parsed<ChildMessage> {
  const head = parseHead(value);
  if (!head.ok) return head;
  const m = head.message;
  switch (m.type) {
    case 'ready': {
      const runtime = m.runtime as Partial<EmbedderRuntime> | null;
      if (typeof runtime !== 'object' || runtime === null || typeof runtime.backend !== 'string')
        return bad('ready.runtime has no backend');
      if (typeof runtime.details !== 'object' || runtime.details === null)
        return bad('ready.runtime.details is not an object');
      return fields(m, { modelId: 'string', dimension: 'int', loadMs: 'number' });
    }
    case 'fatal':
      if (m.fix !== null && typeof m.fix !== 'string') return bad('fatal.fix is not a string or null');
      return fields(m, { code: 'string', message: 'string' });
    case 'vectors':
      if (!(m.data instanceof Float32Array)) return bad('vectors.data is not a Float32Array');
      return fields(m, { id: 'int', seq: 'int', computeMs: 'number', rssBytes: 'number' });
    case 'error':
      if (m.fix !== undefined && typeof m.fix !== 'string') return bad('error.fix is not a string');
      return fields(m, { id: 'int', code: 'string', message: 'string' });
    default:
      return bad(`unknown message type ${JSON.stringify(m.type)}`);
  }
}

/** Checks a message from the parent. */
export function parseParentMessage(value: unknown): Parsed<ParentMessage> {
  const head = parseHead(value);
  if (!head.ok) return head;
  const m = head.message;
  switch (m.type) {
    case 'init':
      if (typeof m.config !== 'object' || m.config === null) return bad('init.config is not an object');
      return fields(m, { name: 'string', logLevel: 'string' });
    case 'embed':
      if (!Array.isArray(m.texts) || !m.texts.every((t) => typeof t === 'string'))
        return bad('embed.texts is not a list of strings');
      if (m.priority !== 'query' && m.priority !== 'index')
        return bad('embed.priority is not query or index');
      if (m.query !== undefined && typeof m.query !== 'string') return bad('embed.query is not a string');
      return fields(m, { id: 'int' });
    case 'shutdown':
      return { ok: true, message: m as unknown as ParentMessage };
    default:
      return bad(`unknown message type ${JSON.stringify(m.type)}`);
  }
}

type Loose = Record<string, unknown> & { type: unknown };

function parseHead(value: unknown): Parsed<Loose> {
  if (typeof value !== 'object' || value === null) return bad('the message is not an object');
  const m = value as Loose;
  if (m.v !== WORKER_PROTOCOL_VERSION)
    return bad(
      `protocol version ${JSON.stringify(m.v)}, expected ${WORKER_PROTOCOL_VERSION} (parent and worker come from different builds: run npm run build)`,
    );
  return { ok: true, message: m };
}

type FieldKind = 'string' | 'number' | 'int';

function fields<T>(m: Loose, spec: Record<string, FieldKind>): Parsed<T> {
  for (const [name, kind] of Object.entries(spec)) {
    const value = m[name];
    const isOk =
      kind === 'string'
        ? typeof value === 'string'
        : kind === 'int'
          ? Number.isSafeInteger(value)
          : typeof value === 'number' && Number.isFinite(value);
    if (!isOk) return bad(`${String(m.type)}.${name} is not a${kind === 'int' ? 'n integer' : ` ${kind}`}`);
  }
  return { ok: true, message: m as unknown as T };
}

function bad(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
