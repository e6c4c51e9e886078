import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../../helpers/index-workspace.js';
import { explainedHits, runCli } from '../../../helpers/run-cli.js';

/** A class whose summary lists every method's signature, so its text holds each method's words. */
const CACHE = `class ResponseCache:
    """Keeps responses in memory.

    Each entry holds the body, the headers and a deadline. Workers share one instance;
    a lock guards the dictionary, and the deadline is checked on every read, so a stale
    body is never served. Sizes are counted in bytes of the encoded body, and the oldest
    entries leave first when the budget is spent. Nothing is written to disk: a restart
    starts empty, which the load balancer tolerates because warm-up takes seconds.
    Metrics: hits, misses and evictions are counted per route and exported every minute.
    """

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
  explain: {
    vector: { rank: number } | null;
    text: { rank: number } | null;
    where: string | null;
    textWhere?: string;
    exact?: { defines?: true };
  };
}

describe("the code table's class summaries stay out of hybrid's full-text leg", () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const search = (mode: string, query: string, k?: number) =>
    explainedHits<Hit>(ragctl, 'code', mode, query, k);

  beforeAll(async () => {
    ws = await Workspace.create('code-summaries');
    await ws.write('cache.py', CACHE);
    const callers = Array.from(
      { length: 80 },
      (_, i) =>
        `def response_cache_${i}():\n    """A ResponseCache for route ${i}."""\n    return ResponseCache()\n`,
    );
    await ws.write('callers.py', callers.join('\n\n'));
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

  it("a query that is the class's name finds the class, which neither leg had among its candidates", async () => {
    // The premise: 80 callers name the class and sit nearer its bare name than its summary does,
    // so the vector leg's first 50 hold no summary, and the text leg reads none.
    const vectorTop = await search('vector', 'ResponseCache', 50);
    expect(vectorTop).toHaveLength(50);
    expect(vectorTop.some((h) => h.metadata.kind === 'class')).toBe(false);
    const hits = await search('hybrid', 'ResponseCache', 3);
    expect(hits[0]?.metadata.symbol).toBe('cache.py:ResponseCache');
    expect(hits[0]?.explain).toMatchObject({ vector: null, text: null, exact: { defines: true } });
  });

  it('text mode still reads every row: the summary matches the words it holds', async () => {
    const hits = await search('text', 'evict expired entries');
    expect(hits.map((h) => h.metadata.symbol)).toContain('cache.py:ResponseCache');
  });
});
