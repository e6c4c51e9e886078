import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_FILTERS, builtinFiltersOf } from '../../../src/registry/builtin-filters.js';
import { paramSpecs } from '../../../src/search/param-specs.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, isAlive, waitFor } from '../../helpers/daemon.js';
import { RAGCTL_BIN } from '../../helpers/run-cli.js';

/**
 * `ragctl mcp` driven by the MCP SDK's own client over stdio, as an agent runs it: a real
 * spawned server, a real daemon on a real index, then the same server with the daemon killed
 * mid-call and answering from the index read-only.
 */

const BACKUP_NOTE = `# Backups

Nightly snapshots go to the NAS.

## Restore

To restore a single file from backup run \`restic restore latest --target /tmp/restore --include notes.txt\`.
`;
// Two spellings of one lookup (a JOIN … ON and a comma join) and one other query, with durations.
const PG_LOG = [
  `2026-12-04 18:00:01.000 UTC [101] shop@shopdb LOG:  duration: 30.5 ms  statement: SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.region = 'north';`,
  `2026-12-04 18:00:02.000 UTC [102] shop@shopdb LOG:  duration: 20.0 ms  statement: SELECT orders.id FROM orders, customers WHERE orders.customer_id = customers.id AND customers.region = 'south';`,
  `2026-12-04 18:00:03.000 UTC [103] shop@shopdb LOG:  duration: 1.5 ms  statement: UPDATE stock SET qty = qty - 1 WHERE sku = 'A1';`,
].join('\n');
const COMPOST_NOTE = `# Compost

Turn the compost heap every week; keep it as damp as a wrung-out sponge.
`;
const GARDEN_NOTE = `# Garden

Tomatoes need staking in June; water them in the morning.
`;

interface ToolResult {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
}

let ws: DaemonWorkspace;
let daemon: DaemonProcess | undefined;
let client: Client;
let transport: StdioClientTransport;
let stderr = '';

/** The server's environment: this one's, minus what would choose another config. */
function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'RAGCTL_CONFIG') env[k] = v;
  return { ...env, ...extra };
}

async function call(name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

function textOf(result: ToolResult): string {
  return result.content.map((c) => c.text ?? '').join('\n');
}

beforeAll(async () => {
  ws = await DaemonWorkspace.create();
  await mkdir(join(ws.root, 'logs'));
  await ws.writeConfig({
    engines: { md: { chunker: 'markdown' }, sql: { chunker: 'sql', mapper: 'sql' } },
    sources: [
      { path: ws.notes, engine: 'md' },
      { path: join(ws.root, 'logs'), engine: 'sql', include: ['**/*.log'] },
    ],
  });
  await writeFile(join(ws.root, 'logs', 'postgresql.log'), `${PG_LOG}\n`);
  await ws.write('backup.md', BACKUP_NOTE);
  await ws.write('garden.md', GARDEN_NOTE);
  daemon = await DaemonProcess.start(ws);
  await daemon.until('both notes and the log indexed', (s) => s.state === 'idle' && s.files === 3);
  // A log's last entry is held back until the file has been quiet a second (it may still be
  // written), then read by a second pass: the file counts as indexed before that.
  await waitFor(
    "the log's last statement",
    async () => (await daemon!.request('sql_clusters', {})).statements === 3,
    30_000,
  );
  transport = new StdioClientTransport({
    command: process.execPath,
    args: [RAGCTL_BIN, '--config', ws.configFile, 'mcp'],
    cwd: ws.root,
    env: serverEnv({ RAGCTL_LOG_LEVEL: 'debug' }),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  client = new Client({ name: 'ragctl-test', version: '1.0.0' });
  await client.connect(transport);
}, 120_000);

afterAll(async () => {
  try {
    const pid = transport?.pid;
    await client?.close();
    if (pid) await waitFor('the MCP server to exit', () => !isAlive(pid), 10_000);
    // It left because its stdin closed, not because the client's transport killed it.
    expect(stderr).toContain('the client closed stdin');
  } finally {
    await endDaemonTest(daemon, ws);
  }
}, 60_000);

describe('ragctl mcp against a running daemon', () => {
  it("lists search, status, context and sql_clusters, the search schema taking the used engines' filters only", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['search', 'status', 'context', 'sql_clusters']);
    const context = tools.find((t) => t.name === 'context')!;
    expect(context.inputSchema.required).toEqual(['query']);
    // The sources use a markdown and a sql engine: no code engine's filters (`lang`, `symbol`).
    const used = paramSpecs(builtinFiltersOf(['document', 'sql'])).map((p) => p.name);
    expect(Object.keys(context.inputSchema.properties ?? {})).toEqual([...used, 'budget', 'tokenizer']);
    const budget = (context.inputSchema.properties as Record<string, Record<string, unknown>>).budget;
    expect(budget).toMatchObject({ type: 'integer', minimum: 16, maximum: 200000 });
    const tokenizer = (context.inputSchema.properties as Record<string, Record<string, unknown>>).tokenizer;
    expect(tokenizer).toMatchObject({ type: 'string', enum: ['embedder', 'cl100k_base', 'o200k_base'] });
    const search = tools.find((t) => t.name === 'search')!;
    expect(search.description).toMatch(/path:start-end/);
    expect(search.description).toContain('md (markdown)');
    expect(search.inputSchema.required).toEqual(['query']);
    const properties = Object.keys(search.inputSchema.properties ?? {});
    expect(properties).toEqual(used);
    expect(properties).toEqual(expect.arrayContaining(['min_time', 'table', 'heading']));
    expect(properties).not.toContain('lang');
    expect(properties).not.toContain('symbol');
    expect(paramSpecs(BUILTIN_FILTERS).map((p) => p.name)).toEqual(
      expect.arrayContaining(['lang', 'symbol']),
    );
    const k = (search.inputSchema.properties as Record<string, Record<string, unknown>>).k;
    expect(k).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
  });

  it('answers a search from the daemon with path:lines, the heading path and the chunk', async () => {
    const result = await call('search', { query: 'how do I restore a file from backup', k: 3, engine: 'md' });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as {
      via: string;
      results: Array<{ path: string; start_line: number; end_line: number; heading_path: string[] }>;
    };
    expect(structured.via).toBe('daemon');
    const top = structured.results[0]!;
    expect(top.path).toBe(ws.path('backup.md'));
    expect(top.heading_path[0]).toBe('Backups');
    const text = textOf(result);
    expect(text).toContain(`${top.path}:${top.start_line}-${top.end_line}`);
    expect(text).toContain(`section: ${top.heading_path.join(' > ')}`);
    expect(text).toContain('restic restore latest --target /tmp/restore');
    expect(text).not.toContain('no ragctl daemon is running');
    // Between the rules: the file's own lines, not the heading breadcrumb the chunker put before
    // them for search's sake (an agent quotes and edits the file from this text).
    const body = text.split('\n---\n')[1];
    const fileLines = BACKUP_NOTE.split('\n').slice(top.start_line - 1, top.end_line);
    expect(body).toBe(fileLines.join('\n').trimEnd());
  });

  it('passes filters through to the search', async () => {
    // The garden note is the better match; the path filter keeps only the backup note.
    const result = await call('search', { query: 'water the tomatoes', path: 'backup.md' });
    expect(result.isError).toBeFalsy();
    const paths = (result.structuredContent as { results: Array<{ path: string }> }).results.map(
      (r) => r.path,
    );
    expect(paths.length).toBeGreaterThan(0);
    expect(new Set(paths)).toEqual(new Set([ws.path('backup.md')]));
  });

  it('answers context from the daemon: the hit under its heading path, within the budget', async () => {
    const result = await call('context', {
      query: 'how do I restore a file from backup',
      k: 1,
      budget: 400,
      engine: 'md',
    });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as {
      via: string;
      budget: number;
      tokens: number;
      blocks: Array<{
        path: string;
        role: string;
        heading_path: string[];
        start_line: number;
        end_line: number;
      }>;
    };
    expect(structured.via).toBe('daemon');
    expect(structured.budget).toBe(400);
    expect(structured.tokens).toBeLessThanOrEqual(400);
    // The short note is one chunk: the hit, with no section beside it.
    expect(structured.blocks.map((b) => [b.role, b.path, b.heading_path])).toEqual([
      ['hit', ws.path('backup.md'), ['Backups']],
    ]);
    const hit = structured.blocks[0]!;
    const text = textOf(result);
    expect(text).toContain(`--- ${hit.path}:${hit.start_line}-${hit.end_line} Backups (hit `);
    expect(text).toContain('restic restore latest --target /tmp/restore');
    expect(text).toMatch(/\(\d+ of 400 tokens\)/);

    const bad = await call('context', { query: 'restore', budget: 5 });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain('budget must be an integer from 16 to 200000, not 5');
  });

  it('answers sql_clusters from the daemon: two spellings of one join in one family, by total time', async () => {
    const result = await call('sql_clusters', { members: 10 });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as {
      via: string;
      statements: number;
      clusters: Array<{ count: number; total_ms: number; members: Array<{ start_line: number }> }>;
    };
    expect(structured.via).toBe('daemon');
    expect(structured.statements).toBe(3);
    expect(structured.clusters.map((c) => [c.count, c.total_ms])).toEqual([
      [2, 50.5],
      [1, 1.5],
    ]);
    expect(structured.clusters[0]!.members.map((m) => m.start_line).sort()).toEqual([1, 2]);
    expect(textOf(result)).toContain('orders');
    // Absolute, as search's paths are: the server runs in ws.root, and an agent's own file tools
    // need not (a path relative to the server's folder would not open).
    expect(textOf(result)).toContain(`  ${join(ws.root, 'logs', 'postgresql.log')}:1`);

    // The runs themselves are in the text a model reads, not only in the structured content.
    const log = join(ws.root, 'logs', 'postgresql.log');
    const runs = textOf(await call('sql_clusters', {}));
    expect(runs).toContain(
      `        30.50 ms  2026-12-04 18:00:01Z  ${log}:1\n        20.00 ms  2026-12-04 18:00:02Z  ${log}:2\n`,
    );
    const one = textOf(await call('sql_clusters', { members: 1, top: 1 }));
    expect(one).toContain(`30.50 ms  2026-12-04 18:00:01Z  ${log}:1\n        … 1 more run not listed`);
    expect(one).not.toContain(`${log}:2`);

    const slow = await call('sql_clusters', { min_time: 25 });
    expect((slow.structuredContent as { statements: number }).statements).toBe(1);
    const bad = await call('sql_clusters', { threshold: 2 });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain('threshold');
  });

  it('answers status from the daemon', async () => {
    const result = await call('status', {});
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      via: 'daemon',
      state: 'idle',
      files: 3,
      pid: daemon!.pid,
      sources: [
        { path: ws.notes, engines: ['md'], files: 2, skipped: 0 },
        { path: join(ws.root, 'logs'), engines: ['sql'], files: 1, skipped: 0 },
      ],
    });
    expect(textOf(result)).toMatch(/state: +idle/);
    expect(textOf(result)).toContain(`sources:  ${ws.notes} (md): 2 files`);
    expect(textOf(result)).toContain(`          ${join(ws.root, 'logs')} (sql): 1 file`);
  });

  it('refuses bad arguments with a tool error naming the argument, and keeps serving', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['search', { query: 'x', k: 0 }, 'k must be an integer from 1 to 1000, not 0'],
      ['search', { query: 'x', mode: 'fuzzy' }, 'mode must be one of hybrid, vector, text, not "fuzzy"'],
      ['search', { query: 'x', colour: 'red' }, 'colour is not a search parameter'],
      ['search', { k: 3 }, 'query is missing'],
      ['search', { query: 'x', after: 'last tuesday' }, 'after must be'],
      ['status', { verbose: true }, 'status takes no arguments (got verbose)'],
      // The context tool's own parameters are named among the known ones.
      ['context', { query: 'x', colour: 'red' }, 'colour is not a search parameter (known: query,'],
      ['context', { query: 'x', colour: 'red' }, ', budget, tokenizer)'],
    ];
    for (const [name, args, message] of cases) {
      const result = await call(name, args);
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect(textOf(result)).toContain(message);
      expect(result.structuredContent).toMatchObject({ error: { code: 'E_USAGE' } });
    }
    expect((await call('status', {})).isError).toBeFalsy();
  });

  it('answers an unknown tool with a JSON-RPC InvalidParams error', async () => {
    const err = await client.callTool({ name: 'delete_everything', arguments: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(ErrorCode.InvalidParams);
    // Said once: "MCP error -32602: unknown tool …", not the prefix twice.
    expect((err as McpError).message).toBe(
      'MCP error -32602: unknown tool "delete_everything"; this server has: search, status, context, sql_clusters',
    );
    await client.ping();
  });

  it('says beside an answer that the daemon has not indexed every file yet, and nothing once it has', async () => {
    const query = { query: 'turn the compost heap every week', k: 2, mode: 'text' };
    await daemon!.request('pause', {});
    const worker = daemon!.workerPid();
    expect(worker).toBeDefined();
    try {
      await ws.write('compost.md', COMPOST_NOTE);
      await daemon!.until('the new note held', (s) => s.state === 'paused' && s.queue_depth === 1);
      const paused = await call('search', query);
      expect(paused.isError).toBeFalsy();
      expect(textOf(paused)).toMatch(
        /^Note: indexing is paused with 1 change waiting, which these results do not show yet/,
      );
      expect(paused.structuredContent).toMatchObject({ via: 'daemon', index_state: { state: 'paused' } });

      // A stopped embed worker holds the daemon at work on the note: "no results" here would
      // only be late. (A text search needs no embedding.)
      process.kill(worker!, 'SIGSTOP');
      await daemon!.request('resume', {});
      await daemon!.until('the note being indexed', (s) => s.state === 'indexing');
      for (const tool of ['search', 'context'] as const) {
        const busy = await call(tool, query);
        expect(busy.isError, tool).toBeFalsy();
        expect(textOf(busy), tool).toMatch(
          /^Note: the daemon is still indexing \(.*\): what is not indexed yet cannot be found/,
        );
        expect(busy.structuredContent, tool).toMatchObject({ index_state: { state: 'indexing' } });
      }
    } finally {
      if (worker) process.kill(worker, 'SIGCONT');
      await daemon!.request('resume', {});
    }
    await daemon!.until('the note indexed', (s) => s.state === 'idle' && s.files === 4);
    const current = await call('search', query);
    expect(textOf(current)).toMatch(/^\d+ results? for/);
    expect(textOf(current)).toContain(`${ws.path('compost.md')}:`);
    expect(current.structuredContent).not.toHaveProperty('index_state');
  }, 60_000);

  it('turns a daemon that dies mid-call into a tool error, then reads the index read-only', async () => {
    const asked = () => stderr.split('\n').filter((l) => l.includes('"mcp.daemon_asked"')).length;
    const before = asked();
    // Frozen, the daemon accepts the connection (the kernel does) but never answers.
    process.kill(daemon!.pid, 'SIGSTOP');
    const pending = call('search', { query: 'restore a file', k: 2 });
    await waitFor('the server to send its request to the daemon', () => asked() > before, 30_000);
    await daemon!.kill9();
    const failed = await pending;
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(/search failed \(E_IPC\): the daemon at .* closed the connection/);

    await client.ping();
    const result = await call('search', { query: 'how do I restore a file from backup', k: 3, engine: 'md' });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ via: 'index' });
    expect(textOf(result)).toMatch(
      /^Note: no ragctl daemon is running, so this was answered from the index read-only/,
    );
    expect(textOf(result)).toContain(`${ws.path('backup.md')}:`);

    const status = await call('status', {});
    expect(status.structuredContent).toMatchObject({
      via: 'index',
      state: 'stopped',
      files: 4,
      sources: [
        { path: ws.notes, engines: ['md'], files: 3, skipped: 0 },
        { path: join(ws.root, 'logs'), engines: ['sql'], files: 1, skipped: 0 },
      ],
    });
    expect(textOf(status)).toContain('no ragctl daemon is running');
  }, 120_000);
});

describe('ragctl mcp on the wire', () => {
  it('writes JSON-RPC alone on stdout, logs on stderr, answers what was asked before stdin closed, then exits 0', async () => {
    // The daemon is gone (killed above): the search loads the index and the model in this server.
    const child = spawn(process.execPath, [RAGCTL_BIN, '--config', ws.configFile, 'mcp'], {
      cwd: ws.root,
      env: serverEnv({ RAGCTL_LOG_LEVEL: 'debug' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    child.stdin.write('this is not JSON\n');
    send({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'search', arguments: { query: 'tomatoes' } },
    });
    try {
      // Closed right after the last request, as `printf … | ragctl mcp` does: still answered.
      child.stdin.end();
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }

    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    const reply = JSON.parse(lines[1]!) as { result: ToolResult };
    expect(reply.result.structuredContent).toMatchObject({ via: 'index' });
    expect(err).toContain('"mcp.transport_error"');
    expect(err).toContain('"mcp.index_read"');
  }, 120_000);
});
