import type { IndexProblem, ReadOnlyApp } from '../app-reader.js';
import type { Method, ParamsOf, ResultOf, StatusResult } from '../ipc/protocol.js';

/** Who answered: the running daemon, or the index read directly (no daemon). */
export type Via = 'daemon' | 'index';

/** A tool's arguments checked: the socket method's params, or what is wrong, in words a model can act on. */
export type ArgsCheck<P> = { ok: true; params: P } | { ok: false; message: string };

/** A tool's `inputSchema`: a JSON Schema object, as MCP requires. */
export interface JsonObjectSchema {
  type: 'object';
  properties?: Record<string, object>;
  required?: string[];
  [keyword: string]: unknown;
}

/** What the index holds, for the words of tool descriptions. */
export interface ToolContext {
  /**
   * The engines the sources use: name, chunker (`md` → `markdown`) and mapper. No `sql` mapper
   * among them: no `sql_clusters` tool. Absent `mapper`: every tool.
   */
  readonly engines: ReadonlyArray<{ name: string; chunker: string; mapper?: string }>;
  /** Results a search returns when `k` is not given: the config's `search.k`. */
  readonly searchK: number;
}

/**
 * One MCP tool: a socket method, the JSON Schema of its arguments, how they become the method's
 * params, and how the answer reads to a model. The server knows nothing else about a tool, so a
 * new socket method becomes a tool by one entry in tools.ts.
 */
export interface McpToolSpec<M extends Method> {
  readonly name: string;
  readonly title: string;
  /** Written for a model: when to use the tool and what comes back. */
  readonly description: string;
  readonly method: M;
  readonly inputSchema: JsonObjectSchema;
  /**
   * The answer is read from the index's contents: a daemon that has not indexed everything yet
   * (a first index, files waiting while paused, a degraded watcher) is said beside it, since
   * what is not indexed cannot be found and "no results" would pass for "not there".
   */
  readonly readsIndex?: boolean;
  parse(args: Record<string, unknown>): ArgsCheck<ParamsOf<M>>;
  /**
   * The answer without a daemon, from the index opened read-only. Absent: the tool needs the
   * daemon, and says so when none runs.
   */
  direct?(app: ReadOnlyApp, params: ParamsOf<M>): Promise<ResultOf<M>>;
  /** The answer as text a model reads (path:lines, heading or symbol, the chunk). */
  render(result: ResultOf<M>, via: Via): string;
  /**
   * Params an older daemon takes, when it refused `params` as an error `err` (a parameter it
   * predates); undefined: the error stands.
   */
  retry?(err: unknown, params: ParamsOf<M>): ParamsOf<M> | undefined;
}

/** A tool's answer: its text and the same facts as structured content. */
export interface ToolAnswer {
  text: string;
  structured: Record<string, unknown>;
}

/**
 * A tool as the server sees it: its listing, and one call. Built from an `McpToolSpec` by
 * `defineTool`, which keeps each method's params and result typed together.
 */
export interface McpTool {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: JsonObjectSchema;
  call(args: Record<string, unknown>, backend: ToolBackend, signal: AbortSignal): Promise<ToolAnswer>;
}

/** An answer and where it came from; `notes` are what the reader found wrong with the index. */
export interface BackendAnswer<R> {
  result: R;
  via: Via;
  notes: readonly IndexProblem[];
  /** The daemon's status beside its answer, when asked for and it gave one. */
  daemonState?: StatusResult;
}

export interface AskOptions {
  /** Also ask the daemon for its status, on the same connection (`McpToolSpec.readsIndex`). */
  withState?: boolean;
}

/** Asks the daemon, or (where the tool can) reads the index itself. */
export interface ToolBackend {
  ask<M extends Method>(
    method: M,
    params: ParamsOf<M>,
    direct: ((app: ReadOnlyApp, params: ParamsOf<M>) => Promise<ResultOf<M>>) | undefined,
    signal: AbortSignal,
    options?: AskOptions,
  ): Promise<BackendAnswer<ResultOf<M>>>;
  /** Idempotent; awaits the reader's close. */
  close(): Promise<void>;
}
