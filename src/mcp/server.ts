import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { errorMessage, isRagError } from '../errors.js';
import type { Logger } from '../log.js';
import type { McpTool, ToolBackend } from './types.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * A client that closes stdin right after its last request (`printf … | ragctl mcp`, or an agent
 * shutting down as the spec says) still gets the answers already asked for, for this long.
 */
const DRAIN_MS = 30_000;

/** Why the server stops when the client ends its input: the one stop that answers calls first. */
const STDIN_CLOSED = 'the client closed stdin';

/** Each server's tool calls not yet answered, so that a stop can let them finish. */
const callsInFlight = new WeakMap<Server, Set<Promise<unknown>>>();

/** Said to the client at initialisation: how the tools fit together, for the model. */
const INSTRUCTIONS =
  "ragctl indexes the user's own files (notes, documents, code, SQL logs) on this machine. Call search to find where something is written; each result names path:lines, so open the file there for more. Call context to answer a question from the hits with what they need to be read alone (enclosing class and function, imports, neighbouring sections) within a token budget. Call sql_clusters for the SQL query families that cost the most time. Call status when results look stale or empty.";

/**
 * The MCP server: lists the tool table and runs its calls. Built on the SDK's low-level
 * `Server` rather than `McpServer`, because the arguments are checked by the same search schema
 * as the socket and the CLI, in the same words ("k must be an integer from 1 to 1000, not 0").
 *
 * Errors never end the process: a bad argument or a failed call (no index, a daemon that died
 * mid-call) is a tool result with `isError` and the message and fix, which a model can read
 * and act on; an unknown tool is a JSON-RPC error (InvalidParams), as the MCP spec says.
 */
export function createMcpServer(tools: readonly McpTool[], backend: ToolBackend, logger: Logger): Server {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const server = new Server(
    { name: 'ragctl', title: 'ragctl: search your own files', version },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema,
      annotations: { title: t.title, readOnlyHint: true, openWorldHint: false },
    })),
  }));
  const inFlight = new Set<Promise<unknown>>();
  callsInFlight.set(server, inFlight);
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const call = callTool(request.params, extra.signal);
    inFlight.add(call);
    const settled = () => inFlight.delete(call);
    // A rejection (an unknown tool) is the SDK's to answer; this branch only counts it done.
    call.then(settled, settled);
    return call;
  });
  const callTool = async (
    params: { name: string; arguments?: Record<string, unknown> | undefined },
    signal: AbortSignal,
  ): Promise<CallToolResult> => {
    const { name } = params;
    const tool = byName.get(name);
    if (!tool) {
      // A plain error with the JSON-RPC code: McpError puts "MCP error -32602: " in its message,
      // which the client's own McpError then prefixes again.
      throw Object.assign(
        new Error(
          `unknown tool "${name.slice(0, 64)}"; this server has: ${tools.map((t) => t.name).join(', ')}`,
        ),
        { code: ErrorCode.InvalidParams },
      );
    }
    const log = logger.child({ tool: name });
    const started = performance.now();
    try {
      const answer = await tool.call(params.arguments ?? {}, backend, signal);
      log.debug(
        { event: 'mcp.tool_done', ms: Math.round(performance.now() - started) },
        'tool call answered',
      );
      return { content: [{ type: 'text', text: answer.text }], structuredContent: answer.structured };
    } catch (err) {
      const code = isRagError(err) ? err.code : 'E_INTERNAL';
      const message = errorMessage(err);
      const fix = isRagError(err) ? err.fix : undefined;
      // A refused argument is the caller's to fix; anything else may be ours, so it is logged.
      if (code === 'E_USAGE') log.debug({ event: 'mcp.tool_refused', err }, 'tool arguments refused');
      else log.warn({ event: 'mcp.tool_failed', err }, 'tool call failed');
      return {
        content: [
          { type: 'text', text: `${name} failed (${code}): ${message}${fix ? `\nfix: ${fix}` : ''}` },
        ],
        structuredContent: { error: { code, message, ...(fix ? { fix } : {}) } },
        isError: true,
      };
    }
  };
  return server;
}

/**
 * Serves on stdin/stdout until the client closes stdin or a signal comes. stdout carries
 * JSON-RPC alone: the transport writes to the real stdout, and anything else that writes to
 * `process.stdout` (a library's console.log) is sent to stderr, where the logs go.
 */
export async function serveStdio(server: Server, backend: ToolBackend, logger: Logger): Promise<void> {
  const stdout = process.stdout;
  const writeStdout = stdout.write.bind(stdout);
  const rpcOut = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writeStdout(chunk, (err) => callback(err ?? null));
    },
  });
  stdout.write = ((...args: Parameters<typeof process.stderr.write>) =>
    process.stderr.write(...args)) as typeof stdout.write;

  let finish: (reason: string) => void = () => {};
  const finished = new Promise<string>((resolve) => {
    finish = resolve;
  });
  // The client went away mid-reply (EPIPE): nobody is left to answer.
  stdout.on('error', (err) => finish(`stdout: ${errorMessage(err)}`));
  rpcOut.on('error', (err) => finish(`stdout: ${errorMessage(err)}`));
  process.stdin.once('end', () => finish(STDIN_CLOSED));
  process.once('SIGTERM', () => finish('SIGTERM'));
  process.once('SIGINT', () => finish('SIGINT'));

  const transport = new StdioServerTransport(process.stdin, rpcOut);
  transport.onerror = (err) =>
    logger.warn({ event: 'mcp.transport_error', err }, 'a message from the client was unreadable');
  server.onclose = () => finish('the transport closed');
  await server.connect(transport);
  logger.info({ event: 'mcp.started', version }, 'ragctl MCP server ready on stdio');

  const reason = await finished;
  logger.info({ event: 'mcp.stopping', reason }, 'ragctl MCP server stopping');
  // Closing the server aborts the calls still running; after a clean end of input they are
  // answered first (a signal or a gone stdout stops at once).
  const pending = [...(callsInFlight.get(server) ?? [])];
  if (reason === STDIN_CLOSED && pending.length) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending),
      new Promise((resolve) => {
        timer = setTimeout(resolve, DRAIN_MS);
      }),
    ]);
    clearTimeout(timer);
    // The SDK sends an answer a few promise turns after its handler settles.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await server.close();
  await backend.close();
  process.stdin.destroy();
}
