import { z } from 'zod';
import { formatClusters } from '../cli/commands/sql.js';
import { formatStatus, refusesSources, statusFromIndex } from '../cli/commands/status.js';
import { emptyContext, formatContext } from '../context/format.js';
import { checkContextParams } from '../context/params.js';
import { contextParamsObject } from '../context/schema.js';
import { DEFAULT_TOP, MAX_MEMBERS, MAX_TOP } from '../engines/sql/cluster-types.js';
import { SQL_MAPPER_NAME } from '../engines/sql-filters.js';
import type { FilterField } from '../engines/types.js';
import { RagError } from '../errors.js';
import {
  FieldReader,
  type Method,
  type ParamsOf,
  type ResultOf,
  readClustersParams,
  SQL_CLUSTERS_PARAM_NAMES,
} from '../ipc/protocol.js';
import { checkSearchParams, describeProblem } from '../search/param-specs.js';
import { searchParamsSchema } from '../search/params.js';
import { toJson } from '../search/types.js';
import { indexStateNote, renderSearch, withSource } from './format.js';
import type { JsonObjectSchema, McpTool, McpToolSpec, ToolContext } from './types.js';

/**
 * The tool table: one entry per tool, each a socket method (docs/PROTOCOL.md) with its params'
 * schema and how its answer reads. The search tool's parameters are the search schema's
 * (src/search/params.ts): an engine that declares a filter field gets a tool parameter here as
 * it gets a CLI flag and a socket param, with no edit to this file.
 */
export function buildTools(filters: readonly FilterField[], context: ToolContext): McpTool[] {
  const tools = [searchTool(filters, context), statusTool(), contextTool(filters, context)];
  // Statement families need an engine that reads SQL logs.
  const logs = context.engines.some((e) => e.mapper === undefined || e.mapper === SQL_MAPPER_NAME);
  return logs ? [...tools, sqlClustersTool()] : tools;
}

/** A spec as the server calls it: parse the arguments, ask, render; one method's types throughout. */
export function defineTool<M extends Method>(spec: McpToolSpec<M>): McpTool {
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    inputSchema: spec.inputSchema,
    async call(args, backend, signal) {
      const checked = spec.parse(args);
      if (!checked.ok) throw new RagError('E_USAGE', checked.message);
      const ask = (params: ParamsOf<M>) =>
        backend.ask(spec.method, params, spec.direct?.bind(spec), signal, { withState: spec.readsIndex });
      let answer: Awaited<ReturnType<typeof ask>>;
      try {
        answer = await ask(checked.params);
      } catch (err) {
        const older = spec.retry?.(err, checked.params);
        if (!older) throw err;
        answer = await ask(older);
      }
      const state = answer.daemonState;
      const stateNote = state && indexStateNote(state);
      const text = withSource(spec.render(answer.result, answer.via), answer.via, answer.notes, stateNote);
      const structured: Record<string, unknown> = { ...(answer.result as object), via: answer.via };
      if (answer.via === 'index') structured.index_problems = answer.notes;
      if (state && stateNote) structured.index_state = { state: state.state, note: stateNote };
      return { text, structured };
    },
  };
}

/**
 * Paths as the index holds them: an agent opens them with its own tools, from a folder that
 * need not be this server's (a path relative to it, or under `~`, would not open).
 */
const absolute = (path: string) => path;

/**
 * What the search parameters default to, so that a model knows what leaving one out does (how
 * many results come back) without paying for it: `k` is the server's config.
 */
function searchDefaults(context: ToolContext): Record<string, string | number | boolean> {
  return { k: context.searchK, mode: 'hybrid', explain: false, rerank: true, every: false };
}

/** Each named property gets its JSON Schema `default`, and its description says it in words. */
export function withDefaults(
  schema: JsonObjectSchema,
  defaults: Record<string, string | number | boolean>,
): JsonObjectSchema {
  const properties: Record<string, object> = { ...schema.properties };
  for (const [name, value] of Object.entries(defaults)) {
    const property = properties[name] as { description?: string } | undefined;
    if (!property) continue;
    const description = property.description ? `${property.description} (default ${value})` : undefined;
    properties[name] = { ...property, default: value, ...(description ? { description } : {}) };
  }
  return { ...schema, properties };
}

/** A zod schema as a tool's `inputSchema`: JSON Schema without `$schema`, which some clients refuse. */
export function toolSchema(schema: z.ZodType): JsonObjectSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  if (json.type !== 'object') throw new Error('a tool takes an object of arguments');
  return json as JsonObjectSchema;
}

function searchTool(filters: readonly FilterField[], context: ToolContext): McpTool {
  const schema = searchParamsSchema(filters);
  const engines = context.engines.map((e) => `${e.name} (${e.chunker})`).join(', ');
  return defineTool<'search'>({
    name: 'search',
    title: "Search the user's files",
    description: [
      "Search the user's own files (notes, documents, code, SQL query logs) that ragctl keeps indexed on this machine.",
      'Hybrid by default: matches meaning (embeddings) and exact words (BM25). Ask in natural language or paste an identifier or error text;',
      'mode "text" for exact words only, "vector" for meaning only.',
      'A query that is one identifier (make_context, pg_stat_activity, ENOSPC) gets the chunks naming it first (when none does, the result says so), a question about its uses (what calls rebuild_auth, where is HTTPAdapter used) the chunks using it before its definition, one word (Session, jsonify) the class, function or section of that name, and pasted error text of several words the chunks holding it as written;',
      'a "quoted phrase" keeps only chunks holding those words side by side (when none does, the result says so and ranks by the words).',
      'Pasting an error message, leave out the double quotes around values filled in at run time (a name, an id, a path): quoted, they must be written in the file too, and the code that builds the message does not hold them.',
      'Each result gives path:start-end lines, the section heading path or code symbol, and the chunk text, best first:',
      'use it to find where something is written before opening whole files.',
      `Engines in this index: ${engines || 'none configured'}. A filter that only some engines have (each parameter says which)`,
      'searches only those engines. Dates: 2024-05-01, an ISO date-time, or an age like 7d, 12h.',
    ].join(' '),
    method: 'search',
    readsIndex: true,
    inputSchema: withDefaults(toolSchema(schema.object), searchDefaults(context)),
    parse(args) {
      const checked = checkSearchParams(schema, args);
      if (checked.ok) return checked;
      const label = checked.problem.param || 'the arguments';
      return { ok: false, message: describeProblem(checked.problem, label) };
    },
    async direct(app, params) {
      return toJson(await app.search.search(params));
    },
    render: (result) => renderSearch(result),
  });
}

function contextTool(filters: readonly FilterField[], context: ToolContext): McpTool {
  const schema = searchParamsSchema(filters);
  const engines = context.engines.map((e) => `${e.name} (${e.chunker})`).join(', ');
  return defineTool<'context'>({
    name: 'context',
    title: 'Context for a question, within a token budget',
    description: [
      "Search the user's files and get back, within a token budget, each hit together with what it needs to be read alone:",
      "for code, the class it is in (header and member signatures), the function it is nested in, and its file's imports;",
      'for Markdown, its heading path and the sections just before and after it. Whole lines only, each block once,',
      'in file order, every block headed "--- path:start-end name (role)": ready to reason over without opening the files.',
      'Use it to answer a question about the code or notes; use search to list where something is.',
      `Takes the search parameters, budget (tokens, default 2000) and tokenizer (what counts them: embedder, cl100k_base or o200k_base). Engines in this index: ${engines || 'none configured'};`,
      'engine "code" keeps documents out of a question about code.',
    ].join(' '),
    method: 'context',
    readsIndex: true,
    inputSchema: withDefaults(toolSchema(contextParamsObject(schema)), searchDefaults(context)),
    parse(args) {
      const checked = checkContextParams(schema, args);
      if (checked.ok) return checked;
      return { ok: false, message: checked.message(checked.param || 'the arguments') };
    },
    direct: (app, params) => app.context.assemble(params),
    render: (result) => {
      const note = result.note ? `\n\nNote: ${result.note}.` : '';
      return result.blocks.length === 0
        ? `${emptyContext(result)}${note}`
        : `${formatContext(result).trimEnd()}\n\n(${result.tokens} of ${result.budget} tokens${result.dropped > 0 ? `; ${result.dropped} more blocks did not fit` : ''})${note}`;
    },
  });
}

function statusTool(): McpTool {
  return defineTool<'status'>({
    name: 'status',
    title: 'Index status',
    description:
      "What ragctl's index holds and what its daemon is doing: state (indexing, idle, paused, degraded with the reason and the fix, stopped when no daemon runs), files and chunks indexed (and each source folder's), files waiting in the queue, recent errors. Use it when search results look stale or empty.",
    method: 'status',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    parse(args) {
      const extra = Object.keys(args);
      if (extra.length === 0) return { ok: true, params: { sources: true } as ParamsOf<'status'> };
      return { ok: false, message: `status takes no arguments (got ${extra.join(', ')})` };
    },
    direct: (app, params) => statusFromIndex(app, params),
    retry: (err) => (refusesSources(err) ? {} : undefined),
    render: (result: ResultOf<'status'>, via) => formatStatus(result, via, absolute).trimEnd(),
  });
}

/**
 * Runs listed per cluster when the model names no number: each is a line of the answer's text
 * (the socket's default of 20, under each of 20 clusters, would be 400 lines).
 */
const MCP_MEMBERS = 3;

function sqlClustersTool(): McpTool {
  const date = {
    type: 'string',
    description: 'a date (2024-05-01), an ISO date-time, or an age like 7d or 12h',
  };
  return defineTool<'sql_clusters'>({
    name: 'sql_clusters',
    title: 'SQL query families by time spent',
    description: [
      "The statements of the user's indexed SQL query logs (PostgreSQL, MariaDB/MySQL slow logs, .sql files) grouped into",
      'families of the same logic: one fingerprint per statement shape (literals, IN-list lengths, case and quoting ignored),',
      'then shapes that are the same query written differently (aliases, JOIN … ON vs WHERE joins, NOT EXISTS vs LEFT JOIN … IS NULL,',
      'reordered conditions) merged. Sorted by total time, like a DBA digest: count, total / mean / p95 ms, first and last seen,',
      'tables, a representative statement, and its slowest runs with their time and path:lines. Use it to find what to optimise;',
      'use search with engine "sql" to find particular statements.',
    ].join(' '),
    method: 'sql_clusters',
    readsIndex: true,
    inputSchema: {
      type: 'object',
      properties: {
        min_time: {
          type: 'number',
          minimum: 0,
          description: 'only statements that took at least this many ms',
        },
        after: { ...date, description: `only statements run at or after this time: ${date.description}` },
        before: { ...date, description: `only statements run before this time: ${date.description}` },
        table: { type: 'string', minLength: 1, description: 'only statements that touch this table' },
        db: { type: 'string', minLength: 1, description: 'only statements run in this database' },
        user: { type: 'string', minLength: 1, description: 'only statements run by this database user' },
        threshold: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          description:
            "also merge shapes whose normalised texts' embeddings are at least this similar (same tables and statement type); 1 = by structure only; default: the engine's setting",
        },
        top: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_TOP,
          description: `clusters returned (default ${DEFAULT_TOP})`,
        },
        members: {
          type: 'integer',
          minimum: 0,
          maximum: MAX_MEMBERS,
          description: `runs listed under each cluster, slowest first, with their time and path:lines (default ${MCP_MEMBERS}; 0 lists none)`,
        },
      },
      additionalProperties: false,
    },
    parse(args) {
      const fields = new FieldReader(args, 0);
      const params = readClustersParams(fields);
      const problem = fields.finish(SQL_CLUSTERS_PARAM_NAMES);
      if (problem) return { ok: false, message: problem.message };
      return { ok: true, params: { ...params, members: params.members ?? MCP_MEMBERS } };
    },
    direct: (app, params) => app.sqlClusters.clusters(params),
    render: (result) =>
      result.clusters.length === 0
        ? 'No SQL statements matched: no sql engine indexed, or the filters kept none.'
        : formatClusters(result, absolute, { members: true }).trimEnd(),
  });
}
