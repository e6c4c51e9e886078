import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { isRagError } from '../../../src/errors.js';
import type { SearchParams } from '../../../src/search/types.js';
import type { CountingEmbedder } from '../../helpers/counting-embedder.js';
import type { Workspace } from '../../helpers/index-workspace.js';
import { usePipeline } from '../../helpers/pipeline.js';
import { CORPUS, OLD_FILE, writeCorpus } from '../../helpers/search-corpus.js';

/** Chunks of the corpus: two sections in each of three files, and the one-section old file. */
const CHUNKS = 7;

describe('SearchService over an index the pipeline built', () => {
  const pipeline = usePipeline('file');
  let ws: Workspace;
  let app: App;
  let counter: CountingEmbedder;

  beforeAll(async () => {
    ws = await pipeline.workspace('search');
    await writeCorpus(ws);
    counter = pipeline.counter();
    // Small sections stay chunks of their own, so each heading is a hit of its own.
    app = await pipeline.open(
      ws.config({ engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } } }),
      counter,
    );
    const summary = await app.indexer.reconcile();
    expect(summary).toMatchObject({ filesAdded: 4, chunksEmbedded: CHUNKS });
    // LanceDB 0.31 misses rows in full-text search until optimize() folds them into the
    // index ("Known limits" in src/pipeline/README.md): search is tested on an optimized index.
    await app.store.optimize();
  });

  const search = (q: SearchParams) => app.search.search(q);
  const rel = (path: string) => path.slice(ws.notes.length + 1);
  const top = async (q: SearchParams) => {
    const hit = (await search(q)).results[0]!;
    return `${rel(hit.path)} ${hit.headingPath.at(-1)}`;
  };

  it('vector mode finds the section that answers a question in other words', async () => {
    const before = counter.queried.length;
    expect(await top({ query: 'how can I recover my files from a backup snapshot', mode: 'vector' })).toBe(
      'ops/backups.md Restore',
    );
    expect(await top({ query: 'when should young plants go outside', mode: 'vector' })).toBe(
      'garden/tomatoes.md Seedlings',
    );
    // One query embedding per search, marked as a query (it jumps the indexing queue).
    expect(counter.queried.length - before).toBe(2);
    const scores = (await search({ query: 'pasta sauce without cream', mode: 'vector' })).results.map(
      (h) => h.score,
    );
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.every((s) => s > -1 && s <= 1)).toBe(true);
  });

  it('text mode finds exact words, without embedding the query', async () => {
    const before = counter.queried.length;
    const result = await search({ query: 'guanciale', mode: 'text' });
    expect(result.results.length).toBeGreaterThan(0);
    expect(result.results.every((h) => h.text.toLowerCase().includes('guanciale'))).toBe(true);
    expect(rel(result.results[0]!.path)).toBe('cooking/carbonara.md');
    expect(await top({ query: 'restic', mode: 'text' })).toMatch(/^ops\/backups\.md /);
    expect(counter.queried.length).toBe(before);
    expect((await search({ query: 'zeppelin', mode: 'text' })).results).toEqual([]);
  });

  it('hybrid mode (the default) ranks the obvious answer first', async () => {
    const result = await search({ query: 'when to plant tomato seedlings outdoors' });
    expect(result.mode).toBe('hybrid');
    expect(`${rel(result.results[0]!.path)} ${result.results[0]!.headingPath.at(-1)}`).toBe(
      'garden/tomatoes.md Seedlings',
    );
    expect(await top({ query: 'systemd timer retention' })).toBe('ops/backups.md Schedule');
  });

  it('hits carry their file, lines, headings and text', async () => {
    const hit = (await search({ query: 'blossom end rot', mode: 'text', k: 1 })).results[0]!;
    expect(hit).toMatchObject({
      path: ws.path('garden/tomatoes.md'),
      root: ws.notes,
      engine: 'md',
      headingPath: ['Tomatoes', 'Watering'],
    });
    expect(hit.startLine).toBe(8);
    expect(hit.endLine).toBeGreaterThanOrEqual(hit.startLine);
    expect(hit.text).toContain('uneven watering');
    expect(typeof hit.id).toBe('string');
    expect(hit.mtimeMs).toBeGreaterThan(0);
  });

  it('-k bounds the number of results; the config gives the default', async () => {
    for (const k of [1, 3])
      expect((await search({ query: 'notes', mode: 'vector', k })).results).toHaveLength(k);
    const all = await search({ query: 'notes', mode: 'vector' });
    expect(all.k).toBe(10);
    expect(all.results).toHaveLength(CHUNKS);
  });

  it('--path globs: relative to the source at any depth, folder globs, absolute globs', async () => {
    const paths = async (path: string, mode: SearchParams['mode'] = 'vector') =>
      new Set(
        (await search({ query: 'eggs and cheese', mode, path, k: 50 })).results.map((h) => rel(h.path)),
      );
    expect(await paths('garden/**')).toEqual(new Set(['garden/tomatoes.md']));
    expect(await paths('garden')).toEqual(new Set(['garden/tomatoes.md']));
    expect(await paths('tomatoes.md')).toEqual(new Set(['garden/tomatoes.md']));
    expect(await paths('{ops,cooking}/*.md', 'hybrid')).toEqual(
      new Set(['ops/backups.md', 'cooking/carbonara.md']),
    );
    expect(await paths(`${ws.notes}/ops/**`)).toEqual(new Set(['ops/backups.md']));
    expect(await paths('*.md')).toEqual(new Set(Object.keys(CORPUS)));
    expect(await paths('nothing/**')).toEqual(new Set());
  });

  it('--after keeps files modified since a date, a date-time or a relative age', async () => {
    const query = 'meeting notes about the office move';
    expect(await top({ query, mode: 'vector' })).toMatch(new RegExp(`^${OLD_FILE} `));
    const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
    for (const after of ['2024-01-01', '7d', '12h', dayAgo, '2020-01-01']) {
      const found = (await search({ query, mode: 'hybrid', after, k: 50 })).results.map((h) => rel(h.path));
      if (after === '2020-01-01') expect(found, String(after)).toContain(OLD_FILE);
      else expect(found, String(after)).not.toContain(OLD_FILE);
      expect(found.length, String(after)).toBeGreaterThan(0);
    }
  });

  it('a quoted phrase keeps only chunks holding its words side by side, in every mode', async () => {
    const found = async (query: string, mode: SearchParams['mode']) => {
      const result = await search({ query, mode, k: 50 });
      return { note: result.note, hits: result.results.map((h) => `${rel(h.path)} ${h.headingPath.at(-1)}`) };
    };
    for (const mode of ['hybrid', 'vector', 'text'] as const) {
      // Case and punctuation between the words do not matter ("Guanciale, egg yolks").
      expect(await found('"guanciale egg" sauce', mode), mode).toEqual({
        note: undefined,
        hits: ['cooking/carbonara.md Ingredients'],
      });
      expect((await found('what runs the “Systemd Timer”', mode)).hits, mode).toEqual([
        'ops/backups.md Schedule',
      ]);
    }
    // Two phrases must both hold; unquoted words only rank.
    expect((await found('"restic snapshot" "target folder" pasta', 'hybrid')).hits).toEqual([
      'ops/backups.md Restore',
    ]);
    // In the phrase's order, whole words: "seed indoors" is not "seeds indoors".
    expect((await found('"water deeply"', 'text')).hits).toEqual(['garden/tomatoes.md Watering']);
    expect((await found('"deeply water"', 'text')).note).toMatch(/nothing indexed holds "deeply water"/);
    expect((await found('"seed indoors"', 'text')).note).toMatch(
      /nothing indexed holds "seed indoors" as written/,
    );
  });

  it('a phrase nothing holds falls back to its words, and says so', async () => {
    const result = await search({ query: '"tomato seeds outdoors" when to sow', mode: 'hybrid' });
    expect(result.note).toBe(
      'nothing indexed holds "tomato seeds outdoors" as written: these results are ranked by its words alone',
    );
    expect(`${rel(result.results[0]!.path)} ${result.results[0]!.headingPath.at(-1)}`).toBe(
      'garden/tomatoes.md Seedlings',
    );
    // An unclosed quote is an ordinary character.
    const loose = await search({ query: 'restic "restore', mode: 'text' });
    expect(loose.note).toBeUndefined();
    expect(loose.results.length).toBeGreaterThan(0);
  });

  it('--explain names the phrase filter', async () => {
    const hit = (await search({ query: '"yolk and cheese"', mode: 'hybrid', explain: true })).results[0]!;
    expect(`${rel(hit.path)} ${hit.headingPath.at(-1)}`).toBe('cooking/carbonara.md Method');
    expect(hit.explain?.where).toMatch(/^text ILIKE '%yolk%and%cheese%' AND regexp_like\(text, /);
  });

  it('names what is wrong with a bad request', async () => {
    const usage = async (q: SearchParams, message: RegExp) => {
      const err = await search(q).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isRagError(err) && err.code === 'E_USAGE', String(err)).toBe(true);
      expect((err as Error).message).toMatch(message);
    };
    await usage({ query: 'x', engine: 'sql' }, /no engine 'sql' \(engines: md\)/);
    await usage({ query: 'x', mode: 'fuzzy' as never }, /mode must be one of hybrid, vector, text/);
    await usage({ query: '   ' }, /query must be a non-empty string/);
    await usage({ query: 'x', k: 0 }, /k must be an integer from 1 to 1000/);
    await usage({ query: 'x', after: 'last tuesday' }, /after must be a date .*, not "last tuesday"/);
    expect((await search({ query: 'restic', engine: 'md', mode: 'text' })).results.length).toBeGreaterThan(0);
  });
});
