import { z } from 'zod';
import { formatStatus, statusFromIndex } from '../cli/commands/status.js';
import type { FilterField } from '../engines/types.js';
import { RagError } from '../errors.js';
import type { Method, ParamsOf, ResultOf } from '../ipc/protocol.js';
import { checkSearchParams, describeProblem } from '../search/param-specs.js';
import { searchParamsSchema } from '../search/params.js';
import { toJson } from '../search/types.js';
import { renderSearch, withSource } from './format.js';
import type { JsonObjectSchema, McpTool, McpToolSpec, ToolContext } from './types.js';

/**
 * The tool table: one entry per tool, each a socket method (docs/PROTOCOL.md) with its params'
 * schema and how its answer reads. The search tool's parameters are the search schema's
 * (src/search/params.ts): an engine that declares a filter field gets a tool parameter here as
 * it gets a CLI flag and a socket param, with no edit to this file.
 */
export function buildTools(filters: readonly FilterField[], context: ToolContext): McpTool[] {
  return [
    searchTool(filters, context),
    statusTool(),
    // ── Tools of socket methods being written now; the lead wires each at merge time ──────
    // `context` (h-context, the context assembler): { query, budget } → the assembled context;
    //   defineTool({ name: 'context', method: 'context', inputSchema: <its zod schema through
    //   toolSchema()>, parse: <its checker>, direct: <the assembler over ReadOnlyApp, if it can
    //   run without a daemon>, render: <the assembled text as is> }).
    // `sql_clusters` (h-clusters, SQL clusters): defineTool({ name: 'sql_clusters', method:
    //   'sql_clusters', … }), described for a model as "the slow/frequent query families".
    // No entry until its socket method exists: a listed tool that cannot answer misleads agents.
  ];
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
      const answer = await backend.ask(spec.method, checked.params, spec.direct?.bind(spec), signal);
      const text = withSource(spec.render(answer.result, answer.via), answer.via, answer.notes);
      const structured: Record<string, unknown> = { ...(answer.result as object), via: answer.via };
      if (answer.via === 'index') structured.index_problems = answer.notes;
      return { text, structured };
    },
  };
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
      'Each result gives path:start-end lines, the section heading path or code symbol, and the chunk text, best first:',
      'use it to find where something is written before opening whole files.',
      `Engines in this index: ${engines || 'none configured'}. A filter that only some engines have (each parameter says which)`,
      'searches only those engines. Dates: 2024-05-01, an ISO date-time, or an age like 7d, 12h.',
    ].join(' '),
    method: 'search',
    inputSchema: toolSchema(schema.object),
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

function statusTool(): McpTool {
  return defineTool<'status'>({
    name: 'status',
    title: 'Index status',
    description:
      "What ragctl's index holds and what its daemon is doing: state (indexing, idle, paused, degraded with the reason and the fix, stopped when no daemon runs), files and chunks indexed, files waiting in the queue, recent errors. Use it when search results look stale or empty.",
    method: 'status',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    parse(args) {
      const extra = Object.keys(args);
      if (extra.length === 0) return { ok: true, params: {} as ParamsOf<'status'> };
      return { ok: false, message: `status takes no arguments (got ${extra.join(', ')})` };
    },
    direct: (app) => statusFromIndex(app),
    render: (result: ResultOf<'status'>, via) => formatStatus(result, via).trimEnd(),
  });
}
