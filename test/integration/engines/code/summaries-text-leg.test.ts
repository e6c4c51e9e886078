import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../../helpers/index-workspace.js';
import { explainedHits, runCli } from '../../../helpers/run-cli.js';

/** A class whose summary lists every method's signature, so its text holds each method's words. */
const CACHE = `class ResponseCache:
    """Keeps responses in memory."""

    def evict_expired_entries(self, now_seconds):
        for key in list(self.entries):
            if self.entries[key].deadline < now_seconds:
                del self.entries[key]

    def store_response(self, key, response, ttl_seconds):
        self.entries[key] = Entry(response, ttl_seconds)

    def lookup_response(self, key):
        return self.entries.get(key)
`;

interface Hit {
  metadata: { symbol: string; kind: string };
  explain: { text: { rank: number } | null; where: string | null; textWhere?: string };
}

describe("the code table's class summaries stay out of hybrid's full-text leg", () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const search = (mode: string, query: string) => explainedHits<Hit>(ragctl, 'code', mode, query);

  beforeAll(async () => {
    ws = await Workspace.create('code-summaries');
    await ws.write('cache.py', CACHE);
    config = await ws.writeConfig({
      engines: { code: { chunker: 'code', mapper: 'code', include: ['**/*.py'] } },
      sources: [{ path: ws.notes, engine: 'code' }],
    });
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('hybrid: the summary is ranked by its vector only, the method by both legs; explain says which rows the text leg read', async () => {
    const hits = await search('hybrid', 'evict expired entries');
    const summary = hits.find((h) => h.metadata.symbol === 'cache.py:ResponseCache');
    const method = hits.find((h) => h.metadata.symbol === 'cache.py:ResponseCache.evict_expired_entries');
    expect(summary, 'the summary is still a candidate through its vector').toBeDefined();
    expect(summary?.explain.text).toBeNull();
    expect(method?.explain.text?.rank).toBe(1);
    expect(hits[0]?.metadata.symbol).toBe('cache.py:ResponseCache.evict_expired_entries');
    expect(method?.explain.textWhere).toMatch(/kind/);
  });

  it("a query that is the class's name reads its summary in the text leg too: the class comes first", async () => {
    const hits = await search('hybrid', 'ResponseCache');
    expect(hits[0]?.metadata.symbol).toBe('cache.py:ResponseCache');
    expect(hits[0]?.explain.text?.rank).toBeGreaterThan(0);
    // Imports and module code stay out of it; class summaries do not.
    expect(hits[0]?.explain.textWhere).toMatch(/imports/);
    expect(hits[0]?.explain.textWhere).not.toMatch(/'class'/);
  });

  it('text mode still reads every row: the summary matches the words it holds', async () => {
    const hits = await search('text', 'evict expired entries');
    expect(hits.map((h) => h.metadata.symbol)).toContain('cache.py:ResponseCache');
  });
});
