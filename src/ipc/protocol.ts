import { checkContextParams } from '../context/params.js';
import type { ContextParams, ContextResultJson } from '../context/types.js';
import {
  MAX_MEMBERS,
  MAX_TOP,
  type SqlClustersParams,
  type SqlClustersResult,
} from '../engines/sql/cluster-types.js';
import { type ErrorCode, RagError } from '../errors.js';
import { DATE_EXPECTS, DATE_PATTERN } from '../search/dates.js';
import {
  checkSearchParams,
  describeProblem,
  MAX_NAME_CHARS,
  type SearchParamsSchema,
} from '../search/param-specs.js';
import type { SearchParams } from '../search/params.js';
import type { HitExplanation, SearchHit, SearchMode } from '../store/types.js';

/**
 * The socket protocol between `ragd` and its clients (docs/PROTOCOL.md is the prose).
 * Bump on any change an older peer would misread: both sides refuse every other version.
 */
export const PROTOCOL_VERSION = 1;
export type ProtocolVersion = typeof PROTOCOL_VERSION;

/**
 * Messages travel in node-ipc's own envelope (js-message: `{"type": …, "data": …}`), so a stock
 * node-ipc client can talk to the daemon with `emit('request', req)` / `on('response', …)`.
 */
export const REQUEST_TYPE = 'request';
export const RESPONSE_TYPE = 'response';

/** Chosen by the client, echoed in the reply; `null` in replies to messages whose id was unreadable. */
export type RequestId = string | number;
/** Ids are echoed and logged: a long one is a bug, not an id. */
export const MAX_ID_CHARS = 128;
/** The `search` method's params: one schema for the socket, the CLI and the service (search/params.ts). */
/** The `sql_clusters` method's params and result (src/engines/sql/cluster-types.ts). */
export type { SearchParams, SqlClustersParams, SqlClustersResult };

export interface ReindexParams {
  /** A file or folder under a source; default: every source. */
  path?: string;
}

/** Methods without parameters take `{}` (or no `params` at all). */
export type EmptyParams = Record<string, never>;

/** One hit as it goes over the wire: snake_case, plain JSON. */
export interface WireSearchHit {
  id: string;
  path: string;
  root: string;
  engine: string;
  start_line: number;
  end_line: number;
  heading_path: string[];
  text: string;
  /** Higher is better; the scale depends on the mode (see SearchHit.score). */
  score: number;
  mtime_ms: number;
  metadata: Record<string, unknown>;
  /**
   * Rows like this one that the search found and folded into it (the sql engine: other runs of
   * the statement shape), and the filter and value that list each (`fingerprint: "…"`). Absent
   * when none were, and with `every: true`.
   */
  repeats?: { count: number; filter: string; value: string };
  /**
   * The same passage in other files (a page's Markdown source and its HTML rendering), found
   * below this hit and folded into it. Absent when there were none, and with `every: true`.
   */
  copies?: { path: string; start_line: number; end_line: number }[];
  /**
   * Other rows of this hit's passage in its file (neighbouring chunks of a long section, a long
   * function's other parts), found below this hit and folded into it, by their lines. Absent when there
   * were none, and with `every: true`.
   */
  parts?: { start_line: number; end_line: number }[];
  /** Only with `explain: true`: how the hit was ranked (docs/PROTOCOL.md, `HitExplanation`). */
  explain?: HitExplanation;
}

export interface SearchResult {
  query: string;
  /** The mode that ranked the results, the k asked for, and the time the daemon took. */
  mode: SearchMode;
  k: number;
  took_ms: number;
  results: WireSearchHit[];
  /** Present when `mode` is not the mode asked for, with why (the query could not be embedded). */
  note?: string;
}

/**
 * `stopped` and `starting` are never sent by a daemon: the CLI reports them when it read the
 * index itself, `starting` while a daemon is still fetching its model (src/daemon/starting.ts).
 */
export type DaemonState = 'indexing' | 'idle' | 'paused' | 'degraded' | 'stopped' | 'starting';

export interface StatusParams {
  /** Also count the files indexed under each source (`StatusResult.sources`): a scan, so asked for. */
  sources?: boolean;
}

/** One folder under `sources:`, with every engine that reads it. */
export interface SourceStatusJson {
  path: string;
  engines: string[];
  /** Its files in the index. */
  files: number;
  /** Its files not indexed, each with a reason (binary, too large, compiled from a source read instead…). */
  skipped: number;
  /**
   * The folder is not there now (an unplugged disk, a renamed or deleted folder): its files stay
   * in the index until it is back or leaves the config. Absent from older daemons.
   */
  missing?: boolean;
  /**
   * Its files that no engine of it reads (no include glob names them), as the daemon's last
   * whole walk of it found them, and by kind (an extension, or `no extension`), most first.
   * Absent before that walk, without a daemon, and from older daemons.
   */
  not_read?: number;
  not_read_kinds?: { kind: string; files: number }[];
}

export interface StatusResult {
  state: DaemonState;
  /** Why the daemon is degraded, and what to do about it; `null` unless `state` is `degraded`. */
  reason: string | null;
  fix: string | null;
  files: number;
  chunks: number;
  /** Of `chunks`, each engine's. Absent from daemons that predate it. */
  chunks_by_engine?: Record<string, number>;
  /** Paths waiting to be (re)indexed. */
  queue_depth: number;
  /**
   * A folder walk is still finding files (a first index): `queue_depth` counts those found so
   * far and not yet indexed, more are coming, and `eta_seconds` is `null`. Absent from daemons
   * that predate it.
   */
  finding_files?: boolean;
  /** Files indexed per second, averaged over the recent past; 0 when idle. */
  rate: number;
  /** `null` when nothing is queued or the rate is unknown. */
  eta_seconds: number | null;
  last_errors: Array<{ path: string; code: string; message: string; at_ms: number }>;
  /** The embedding model's id, `null` when none is loaded. */
  model: string | null;
  /** The index store's schema version. */
  store_version: number;
  pid: number;
  /**
   * Where the daemon's memory is (bytes), `null` when no daemon answers: its resident set and
   * V8's share of it (the JS heap, and buffers held outside it), LanceDB's caches, and each embed
   * worker's resident set as it last reported (`null` before its first batch).
   */
  memory: StatusMemory | null;
  /**
   * Sources that hold nothing their engine reads (its include globs match none of their files,
   * or the folder is empty), with the globs, the count of files skipped and the fix. Absent
   * from daemons that predate it.
   */
  unmatched_sources?: UnmatchedSourceJson[];
  /**
   * The group of files being embedded now (`path`: its file with the most new chunks), and how
   * far: a big file takes minutes and moves no file count meanwhile. `eta_seconds`: its time
   * left at the pace it has gone so far (`null` for its first seconds; absent from daemons
   * that predate it). `null` when none is; absent from daemons that predate it.
   */
  embedding?: {
    path: string;
    files: number;
    chunks: number;
    chunks_done: number;
    /** The group's chunks found by hash, not embedded again; absent from older daemons. */
    chunks_reused?: number;
    eta_seconds?: number | null;
  } | null;
  /** Each source folder and what the index holds of it; only when the request asked (`sources`). */
  sources?: SourceStatusJson[];
}

export interface UnmatchedSourceJson {
  source: string;
  engine: string;
  include: string[];
  files_skipped: number;
  /** false: the count is of the first part of a big folder, as far as the look went. */
  complete: boolean;
  suggested_engine: string | null;
  message: string;
  fix: string;
}

export interface StatusMemory {
  rss_bytes: number;
  heap_used_bytes: number;
  external_bytes: number;
  array_buffers_bytes: number;
  store_cache_bytes: number;
  worker_rss_bytes: Array<number | null>;
}

export interface ReindexResult {
  /** Paths put on the queue. */
  queued: number;
}

export interface StateResult {
  state: DaemonState;
}

export interface ShutdownResult {
  stopping: true;
}

/** Each method's parameters and result: the one table both ends are typed from. */
export interface MethodMap {
  search: { params: SearchParams; result: SearchResult };
  status: { params: StatusParams; result: StatusResult };
  reindex: { params: ReindexParams; result: ReindexResult };
  pause: { params: EmptyParams; result: StateResult };
  resume: { params: EmptyParams; result: StateResult };
  shutdown: { params: EmptyParams; result: ShutdownResult };
  /** A search's hits with their enclosing scopes, imports and neighbours, fitted to a token budget. */
  context: { params: ContextParams; result: ContextResultJson };
  sql_clusters: { params: SqlClustersParams; result: SqlClustersResult };
}
export type Method = keyof MethodMap;
export type ParamsOf<M extends Method> = MethodMap[M]['params'];
export type ResultOf<M extends Method> = MethodMap[M]['result'];

export const METHODS: readonly Method[] = [
  'search',
  'status',
  'reindex',
  'pause',
  'resume',
  'shutdown',
  'context',
  'sql_clusters',
];

/** A request of one method (or, with a union `M`, of any of them, still discriminated by `method`). */
export type RequestOf<M extends Method> = {
  [P in M]: { v: ProtocolVersion; id: RequestId; method: P; params: ParamsOf<P> };
}[M];
export type Request = RequestOf<Method>;

export interface RemoteError {
  code: string;
  message: string;
  fix?: string;
}

export type Reply<R = unknown> =
  | { v: ProtocolVersion; id: RequestId; ok: true; result: R }
  | { v: ProtocolVersion; id: RequestId | null; ok: false; error: RemoteError };

/** A message that breaks the protocol: which field, and the request id when it could be read. */
export class ProtocolError extends RagError {
  /** Dotted path of the offending field (`params.k`), `''` for the message as a whole. */
  readonly field: string;
  readonly requestId: RequestId | null;

  constructor(
    code: Extract<ErrorCode, 'E_PROTOCOL' | 'E_VERSION' | 'E_UNKNOWN_METHOD' | 'E_TOO_LARGE'>,
    message: string,
    options: { field?: string; requestId?: RequestId | null; fix?: string } = {},
  ) {
    super(code, message, options.fix === undefined ? {} : { fix: options.fix });
    this.name = 'ProtocolError';
    this.field = options.field ?? '';
    this.requestId = options.requestId ?? null;
  }
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a value is, for messages: never the value itself, which may be huge. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a non-finite number';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isRequestId(value: unknown): value is RequestId {
  if (typeof value === 'string') return value.length > 0 && value.length <= MAX_ID_CHARS;
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** Unwraps node-ipc's `{type, data}` envelope of the expected type. */
function unwrap(json: unknown, type: string): { data: unknown } | ProtocolError {
  const shape = `a message is node-ipc's envelope {"type":"${type}","data":{…}}`;
  if (!isObject(json)) return new ProtocolError('E_PROTOCOL', `${shape}, not ${kindOf(json)}`);
  const data = json.data;
  const requestId = isObject(data) && isRequestId(data.id) ? data.id : null;
  if (json.type !== type) {
    return new ProtocolError('E_PROTOCOL', `type must be "${type}" (${shape})`, { field: 'type', requestId });
  }
  for (const key of Object.keys(json)) {
    if (key !== 'type' && key !== 'data') {
      return new ProtocolError('E_PROTOCOL', `${key} is not a field of the envelope`, {
        field: key,
        requestId,
      });
    }
  }
  return { data };
}

/** `search`: the registered engines' schema (`builtinSearchParams()` in src/search/params.ts for the built-ins). */
export function parseRequestEnvelope(json: unknown, search: SearchParamsSchema): Request | ProtocolError {
  const unwrapped = unwrap(json, REQUEST_TYPE);
  return unwrapped instanceof ProtocolError ? unwrapped : parseRequest(unwrapped.data, search);
}

/**
 * Checks a request exactly: known fields only, each of the right type and range. The version is
 * checked first, so a newer client gets "upgrade" rather than a complaint about a field.
 * `search` params are checked with `search`: the registered engines' schema, filters included.
 */
export function parseRequest(json: unknown, search: SearchParamsSchema): Request | ProtocolError {
  if (!isObject(json))
    return new ProtocolError('E_PROTOCOL', `a request is a JSON object, not ${kindOf(json)}`);
  const requestId = isRequestId(json.id) ? json.id : null;
  const fail = (field: string, problem: string) =>
    new ProtocolError('E_PROTOCOL', `${field} ${problem}`, { field, requestId });

  if (!Object.hasOwn(json, 'v')) return fail('v', `is missing: every request carries v: ${PROTOCOL_VERSION}`);
  if (json.v !== PROTOCOL_VERSION) {
    if (typeof json.v !== 'number') return fail('v', `must be a number, not ${kindOf(json.v)}`);
    return new ProtocolError(
      'E_VERSION',
      `protocol version ${json.v} is not spoken here; this daemon speaks version ${PROTOCOL_VERSION}`,
      {
        field: 'v',
        requestId,
        fix: 'use ragctl and ragd from the same release (restart the daemon after upgrading)',
      },
    );
  }
  if (!Object.hasOwn(json, 'id')) return fail('id', 'is missing');
  if (requestId === null) {
    return fail('id', `must be a safe integer or a string of 1 to ${MAX_ID_CHARS} characters`);
  }
  for (const key of Object.keys(json)) {
    if (key !== 'v' && key !== 'id' && key !== 'method' && key !== 'params') {
      return fail(key, 'is not a field of a request (v, id, method, params)');
    }
  }
  const method = json.method;
  if (typeof method !== 'string') return fail('method', `must be a string, not ${kindOf(method)}`);
  if (!(METHODS as readonly string[]).includes(method)) {
    return new ProtocolError(
      'E_UNKNOWN_METHOD',
      `unknown method "${method.slice(0, 64)}"; known: ${METHODS.join(', ')}`,
      {
        field: 'method',
        requestId,
      },
    );
  }
  const raw = Object.hasOwn(json, 'params') ? json.params : {};
  if (!isObject(raw)) return fail('params', `must be an object, not ${kindOf(raw)}`);
  const fields = new FieldReader(raw, requestId);
  switch (method as Method) {
    case 'search': {
      const checked = checkSearchParams(search, raw);
      if (checked.ok) return { v: PROTOCOL_VERSION, id: requestId, method: 'search', params: checked.params };
      const field = `params.${checked.problem.param}`;
      return new ProtocolError('E_PROTOCOL', describeProblem(checked.problem, field), { field, requestId });
    }
    case 'context': {
      // A search's parameters (the same schema and words) plus `budget`.
      const checked = checkContextParams(search, raw);
      if (checked.ok)
        return { v: PROTOCOL_VERSION, id: requestId, method: 'context', params: checked.params };
      const field = `params.${checked.param}`;
      return new ProtocolError('E_PROTOCOL', checked.message(field), { field, requestId });
    }
    case 'reindex': {
      const params: ReindexParams = {};
      const path = fields.string('path', MAX_NAME_CHARS);
      if (path !== undefined) params.path = path;
      return fields.finish(['path']) ?? { v: PROTOCOL_VERSION, id: requestId, method: 'reindex', params };
    }
    case 'sql_clusters': {
      const params = readClustersParams(fields);
      return (
        fields.finish(SQL_CLUSTERS_PARAM_NAMES) ?? {
          v: PROTOCOL_VERSION,
          id: requestId,
          method: 'sql_clusters',
          params,
        }
      );
    }
    case 'status': {
      const params: StatusParams = {};
      const sources = fields.boolean('sources');
      if (sources !== undefined) params.sources = sources;
      return fields.finish(['sources']) ?? { v: PROTOCOL_VERSION, id: requestId, method: 'status', params };
    }
    case 'pause':
    case 'resume':
    case 'shutdown': {
      const m = method as 'pause' | 'resume' | 'shutdown';
      return fields.finish([]) ?? { v: PROTOCOL_VERSION, id: requestId, method: m, params: {} };
    }
  }
}

/** `sql_clusters` params: the same words for the CLI's flags and the socket (the CLI checks with this too). */
/** The `sql_clusters` params, for the socket and the MCP tool alike. */
export const SQL_CLUSTERS_PARAM_NAMES: readonly string[] = [
  'min_time',
  'after',
  'before',
  'table',
  'db',
  'user',
  'threshold',
  'top',
  'members',
];

export function readClustersParams(fields: FieldReader): SqlClustersParams {
  const params: SqlClustersParams = {};
  const set = <K extends keyof SqlClustersParams>(key: K, value: SqlClustersParams[K] | undefined) => {
    if (value !== undefined) params[key] = value;
  };
  set('min_time', fields.number('min_time', 0, Number.MAX_SAFE_INTEGER));
  set('after', fields.date('after'));
  set('before', fields.date('before'));
  set('table', fields.string('table', MAX_NAME_CHARS));
  set('db', fields.string('db', MAX_NAME_CHARS));
  set('user', fields.string('user', MAX_NAME_CHARS));
  set('threshold', fields.number('threshold', 0, 1));
  set('top', fields.number('top', 1, MAX_TOP, true));
  set('members', fields.number('members', 0, MAX_MEMBERS, true));
  return params;
}

/** Reads typed fields of `params`, remembering the first problem so the reply names one field. */
export class FieldReader {
  readonly #params: JsonObject;
  readonly #requestId: RequestId;
  #error: ProtocolError | null = null;

  constructor(params: JsonObject, requestId: RequestId) {
    this.#params = params;
    this.#requestId = requestId;
  }

  string(name: string, maxChars: number, required = false): string | undefined {
    const value = this.#get(name, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '' || value.length > maxChars) {
      return this.#fail(
        name,
        `must be a non-empty string of at most ${maxChars} characters, not ${kindOf(value)}`,
      );
    }
    return value;
  }

  number(name: string, min: number, max: number, integer = false): number | undefined {
    const value = this.#get(name, false);
    if (value === undefined) return undefined;
    const fits = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
    if (!fits || (integer && !Number.isInteger(value))) {
      return this.#fail(
        name,
        `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not ${kindOf(value)}${typeof value === 'number' ? ` ${value}` : ''}`,
      );
    }
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.#get(name, false);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') return this.#fail(name, `must be true or false, not ${kindOf(value)}`);
    return value;
  }

  date(name: string): string | undefined {
    const value = this.#get(name, false);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !DATE_PATTERN.test(value)) {
      return this.#fail(name, `must be ${DATE_EXPECTS}`);
    }
    return value;
  }

  /** The first problem, or one about a field nobody read (a typo the daemon would otherwise ignore). */
  finish(known: readonly string[]): ProtocolError | null {
    if (this.#error) return this.#error;
    const extra = Object.keys(this.#params).find((key) => !known.includes(key));
    if (extra === undefined) return null;
    const list = known.length > 0 ? `known: ${known.join(', ')}` : 'this method takes none';
    return new ProtocolError('E_PROTOCOL', `params.${extra} is not a parameter (${list})`, {
      field: `params.${extra}`,
      requestId: this.#requestId,
    });
  }

  #get(name: string, required: boolean): unknown {
    if (Object.hasOwn(this.#params, name)) return this.#params[name];
    if (required) this.#fail(name, 'is missing');
    return undefined;
  }

  #fail(name: string, problem: string): undefined {
    this.#error ??= new ProtocolError('E_PROTOCOL', `params.${name} ${problem}`, {
      field: `params.${name}`,
      requestId: this.#requestId,
    });
    return undefined;
  }
}

export function parseReplyEnvelope(json: unknown): Reply | ProtocolError {
  const unwrapped = unwrap(json, RESPONSE_TYPE);
  if (unwrapped instanceof ProtocolError) return unwrapped;
  const reply = unwrapped.data;
  if (!isObject(reply))
    return new ProtocolError('E_PROTOCOL', `a reply is a JSON object, not ${kindOf(reply)}`);
  if (reply.v !== PROTOCOL_VERSION) {
    return new ProtocolError(
      'E_VERSION',
      `the daemon speaks protocol version ${String(reply.v)}; this client speaks ${PROTOCOL_VERSION}`,
      { field: 'v', fix: 'use ragctl and ragd from the same release (restart the daemon after upgrading)' },
    );
  }
  const id = reply.id === null || isRequestId(reply.id) ? reply.id : undefined;
  if (id === undefined) return new ProtocolError('E_PROTOCOL', 'reply id is neither a request id nor null');
  if (reply.ok === true && id !== null && Object.hasOwn(reply, 'result')) {
    return { v: PROTOCOL_VERSION, id, ok: true, result: reply.result };
  }
  const error = reply.error;
  if (
    reply.ok === false &&
    isObject(error) &&
    typeof error.code === 'string' &&
    typeof error.message === 'string'
  ) {
    const remote: RemoteError = { code: error.code, message: error.message };
    if (typeof error.fix === 'string') remote.fix = error.fix;
    return { v: PROTOCOL_VERSION, id, ok: false, error: remote };
  }
  return new ProtocolError(
    'E_PROTOCOL',
    'a reply has ok: true and a result, or ok: false and an error {code, message}',
  );
}

export function okReply(id: RequestId, result: unknown): Reply {
  // `undefined` would vanish from the JSON and leave a reply without `result`.
  return { v: PROTOCOL_VERSION, id, ok: true, result: result === undefined ? null : result };
}

export function errorReply(id: RequestId | null, err: unknown): Reply {
  const error: RemoteError =
    err instanceof RagError
      ? { code: err.code, message: err.message }
      : { code: 'E_INTERNAL', message: err instanceof Error ? err.message : String(err) };
  if (err instanceof RagError && err.fix !== undefined) error.fix = err.fix;
  return { v: PROTOCOL_VERSION, id, ok: false, error };
}

/** The JSON text of one message (without the frame delimiter). Throws on values JSON cannot hold. */
export function encodeMessage(type: typeof REQUEST_TYPE | typeof RESPONSE_TYPE, data: unknown): string {
  return JSON.stringify({ type, data });
}

/** A store hit as the protocol sends it. */
export function toWireHit(hit: SearchHit): WireSearchHit {
  return {
    id: hit.id,
    path: hit.path,
    root: hit.root,
    engine: hit.engine,
    start_line: hit.startLine,
    end_line: hit.endLine,
    heading_path: hit.headingPath,
    text: hit.text,
    score: hit.score,
    mtime_ms: hit.mtimeMs,
    metadata: hit.metadata,
    ...(hit.repeats ? { repeats: hit.repeats } : {}),
    ...(hit.copies
      ? { copies: hit.copies.map((c) => ({ path: c.path, start_line: c.startLine, end_line: c.endLine })) }
      : {}),
    ...(hit.parts ? { parts: hit.parts.map((p) => ({ start_line: p.startLine, end_line: p.endLine })) } : {}),
    ...(hit.explain ? { explain: hit.explain } : {}),
  };
}
