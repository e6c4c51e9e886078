import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { FilterField } from '../../engines/types.js';
import { builtinFiltersOf } from '../../registry/builtin-filters.js';
import type { GlobalOptions } from '../main.js';

/**
 * `ragctl mcp`: a Model Context Protocol server on stdin/stdout for coding agents (Claude Code,
 * Cursor, VS Code, Codex). Its modules (the SDK, zod) load only when it runs.
 */
export function registerMcp(program: Command, options: { filters?: readonly FilterField[] } = {}): void {
  program
    .command('mcp')
    .description('serve search and status to AI agents over MCP (stdio); see the README for set-up')
    .addHelpText(
      'after',
      `
Speaks JSON-RPC on stdin/stdout; logs go to stderr (RAGCTL_LOG_LEVEL=debug for more).
Asks the running daemon; without one, reads the index read-only and says so in each answer.

Set-up (Claude Code):
  claude mcp add --scope user ragctl -- ragctl mcp
  claude mcp add --scope user ragctl -- ragctl --config /path/to/config.yaml mcp`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      // Refuse a bad config before serving: the agent's MCP log shows this, once.
      const config = loadConfig({ configPath: g.config });
      const [{ createLogger }, { DaemonOrIndex }, { buildTools }, { createMcpServer, serveStdio }] =
        await Promise.all([
          import('../../log.js'),
          import('../../mcp/backend.js'),
          import('../../mcp/tools.js'),
          import('../../mcp/server.js'),
        ]);
      const level = (process.env.RAGCTL_LOG_LEVEL as 'info' | undefined) ?? 'info';
      const logger = createLogger({ level }).child({ component: 'mcp' });
      // The tools' schemas are in every agent session's context: only the engines the sources
      // use, and their filters (a notes-only index's search has no `min_time` or `lang`).
      const named = new Set(config.sources.map((s) => s.engine));
      const engines = Object.entries(config.engines)
        .filter(([name]) => named.size === 0 || named.has(name))
        .map(([name, e]) => ({ name, chunker: e.chunker, mapper: e.mapper }));
      const filters = options.filters ?? builtinFiltersOf(engines.map((e) => e.mapper));
      const tools = buildTools(filters, { engines, searchK: config.search.k });
      const backend = new DaemonOrIndex(config, logger);
      await serveStdio(createMcpServer(tools, backend, logger), backend, logger);
    });
}
