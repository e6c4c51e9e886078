import { describe, expect, it } from 'vitest';
import type { FilterField } from '../../../src/engines/types.js';
import { RagError } from '../../../src/errors.js';
import type { Method, ParamsOf } from '../../../src/ipc/protocol.js';
import { buildTools } from '../../../src/mcp/tools.js';
import type { BackendAnswer, ToolBackend } from '../../../src/mcp/types.js';
import { BUILTIN_FILTERS, builtinFiltersOf } from '../../../src/registry/builtin-filters.js';

/**
 * The tool table as the server sees it. The backend here records what a tool asks for and
 * answers nothing: these tests are about the arguments' schema and checks, which come from the
 * search schema; the answers are tested against a real daemon in test/integration/mcp.
 */

const EXTRA: FilterField = {
  name: 'max_rows',
  kind: 'number-max',
  column: 'rows',
  description: 'only statements that returned at most this many rows',
};

class RecordingBackend implements ToolBackend {
  readonly asked: Array<{ method: Method; params: unknown }> = [];
  async ask<M extends Method>(method: M, params: ParamsOf<M>): Promise<BackendAnswer<never>> {
    this.asked.push({ method, params });
    throw new RagError('E_NO_DAEMON', 'recorded, not answered');
  }
  async close(): Promise<void> {}
}

const signal = new AbortController().signal;

describe('the search tool', () => {
  const tools = buildTools([...BUILTIN_FILTERS, EXTRA], {
    engines: [{ name: 'sql', chunker: 'sql' }],
    searchK: 7,
  });
  const search = tools.find((t) => t.name === 'search')!;

  it("takes an engine's new filter field as a parameter, with no edit to the MCP code", () => {
    const properties = search.inputSchema.properties as Record<string, Record<string, unknown>>;
    expect(properties.max_rows).toEqual({ type: 'number', description: EXTRA.description });
    expect(search.inputSchema.additionalProperties).toBe(false);
    expect(search.inputSchema.$schema).toBeUndefined();
  });

  it("says what leaving a parameter out does: the config's k, hybrid mode, re-ranked", () => {
    for (const tool of tools.filter((t) => t.name === 'search' || t.name === 'context')) {
      const properties = tool.inputSchema.properties as Record<string, Record<string, unknown>>;
      expect(properties.k, tool.name).toMatchObject({ type: 'integer', default: 7 });
      expect(properties.k!.description, tool.name).toBe('results wanted (default 7)');
      expect(properties.mode, tool.name).toMatchObject({ default: 'hybrid' });
      expect(properties.rerank, tool.name).toMatchObject({ default: true });
      expect(properties.rerank!.description, tool.name).not.toContain('--no-rerank');
      expect(properties.every, tool.name).toMatchObject({ default: false });
      expect(properties.query!.default, tool.name).toBeUndefined();
    }
    // An error pasted with its run-time value quoted would keep out the code that builds it.
    expect(search.description).toContain('leave out the double quotes around values filled in at run time');
  });

  it('passes checked params to the search method and refuses bad ones in the socket schema’s words', async () => {
    const backend = new RecordingBackend();
    await expect(
      search.call({ query: 'slow joins', max_rows: 10, k: 3 }, backend, signal),
    ).rejects.toMatchObject({
      code: 'E_NO_DAEMON',
    });
    expect(backend.asked).toEqual([
      { method: 'search', params: { query: 'slow joins', max_rows: 10, k: 3 } },
    ]);
    await expect(search.call({ query: 'x', max_rows: 'ten' }, backend, signal)).rejects.toMatchObject({
      code: 'E_USAGE',
      message: 'max_rows must be a number, not "ten"',
    });
    expect(backend.asked).toHaveLength(1);
  });
});

describe('the tool table of an index without SQL logs', () => {
  it('has no sql_clusters tool, and search only the filters of the mappers its engines use', () => {
    const filters = builtinFiltersOf(['document']);
    const tools = buildTools(filters, {
      engines: [{ name: 'md', chunker: 'markdown', mapper: 'document' }],
      searchK: 10,
    });
    expect(tools.map((t) => t.name)).toEqual(['search', 'status', 'context']);
    const names = Object.keys(tools[0]!.inputSchema.properties ?? {});
    expect(names).toContain('heading');
    for (const other of ['min_time', 'fingerprint', 'lang', 'symbol']) expect(names).not.toContain(other);
  });

  it('keeps every filter when a mapper is not built in, whose fields it cannot know', () => {
    expect(builtinFiltersOf(['document', 'custom'])).toBe(BUILTIN_FILTERS);
    expect(
      builtinFiltersOf(['code', 'sql', 'document'])
        .map((f) => f.name)
        .sort(),
    ).toEqual(BUILTIN_FILTERS.map((f) => f.name).sort());
  });
});
