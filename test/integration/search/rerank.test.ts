import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { RagError } from '../../../src/errors.js';
import { SearchService, type SearchTable } from '../../../src/search/service.js';
import type { ChunkTableReader, SearchHit } from '../../../src/store/types.js';
import type { CountingEmbedder } from '../../helpers/counting-embedder.js';
import { DelegatingEmbedder } from '../../helpers/delegating-embedder.js';
import { usePipeline } from '../../helpers/pipeline.js';
import { writeCorpus } from '../../helpers/search-corpus.js';

/**
 * Hybrid's first hits re-ranked by late interaction (src/search/rerank.ts), on a real index and
 * the real model: the order is the one the model's late scores give, each place keeps its score,
 * and the searches it must leave alone are left alone.
 */

/** The real embedder, whose late scoring fails as a worker that lost its process would. */
class FailingLateEmbedder extends DelegatingEmbedder {
  async lateScores(): Promise<Float32Array> {
    throw new RagError('E_EMBED', 'the embed worker died 3 times on this request');
  }
}

const QUESTION = 'how do I get my files back after deleting them by mistake';
/** Fewer than the corpus's chunks, so that some hits are left where fusion put them. */
const DEPTH = 4;
const place = (h: SearchHit) => `${h.path}:${h.startLine}`;

describe('late-interaction re-ranking', () => {
  const pipeline = usePipeline('file');
  let app: App;
  let counter: CountingEmbedder;

  beforeAll(async () => {
    const ws = await pipeline.workspace('rerank');
    await writeCorpus(ws);
    counter = pipeline.counter();
    app = await pipeline.open(
      ws.config({ engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } }, search: { rerank: DEPTH } }),
      counter,
    );
    await app.indexer.reconcile();
    await app.store.optimize();
  });

  it("orders hybrid's first hits by the model's late scores, each place keeping its score", async () => {
    const fused = await app.search.search({ query: QUESTION, k: 20, rerank: false, explain: true });
    counter.reset();
    const reranked = await app.search.search({ query: QUESTION, k: 20, explain: true });
    expect(fused.results.length).toBeGreaterThan(DEPTH);
    // The same hits, re-ordered; the scores of the places unchanged, so still falling.
    expect(reranked.results.map(place).sort()).toEqual(fused.results.map(place).sort());
    expect(reranked.results.map((h) => h.score)).toEqual(fused.results.map((h) => h.score));
    // The first DEPTH in the order the model's late scores say (asked independently of the
    // service); the rest as fused.
    const first = fused.results.slice(0, DEPTH);
    const late = await pipeline.model.lateScores!(
      QUESTION,
      first.map((h) => h.text),
    );
    const expected = first
      .map((h, i) => ({ h, s: late[i]! }))
      .sort((a, b) => b.s - a.s)
      .map(({ h }) => place(h));
    expect(reranked.results.map(place)).toEqual([...expected, ...fused.results.slice(DEPTH).map(place)]);
    expect(expected).not.toEqual(first.map(place));
    // Each hit says where it was and what it scored; the fused order had none of this.
    for (const [i, hit] of reranked.results.slice(0, DEPTH).entries()) {
      const before = fused.results.findIndex((h) => place(h) === place(hit)) + 1;
      expect(hit.explain?.rerank).toEqual({
        method: 'late-interaction',
        late: expect.any(Number),
        before,
        depth: DEPTH,
      });
      expect(hit.explain!.rerank!.late).toBeCloseTo(late[before - 1]!, 5);
      if (i > 0)
        expect(hit.explain!.rerank!.late).toBeLessThanOrEqual(reranked.results[i - 1]!.explain!.rerank!.late);
    }
    expect(reranked.results.slice(DEPTH).every((h) => !h.explain?.rerank)).toBe(true);
    expect(fused.results.every((h) => h.explain && !h.explain.rerank)).toBe(true);
    expect(counter.lateScored).toHaveLength(DEPTH);
    expect(reranked.timings!.rerankMs).toBeGreaterThan(0);
    expect(reranked.results[0]!.path).toContain('backups.md');
  });

  it('re-ranks as many hits as configured even when fewer are asked for', async () => {
    const all = await app.search.search({ query: QUESTION, k: 20 });
    const two = await app.search.search({ query: QUESTION, k: 2 });
    expect(two.results.map(place)).toEqual(all.results.slice(0, 2).map(place));
  });

  it('leaves a one-mode search, a one-identifier query and a search that opts out alone', async () => {
    for (const params of [
      { query: QUESTION, mode: 'vector' as const },
      { query: QUESTION, mode: 'text' as const },
      { query: 'restic_restore', mode: 'hybrid' as const },
      { query: QUESTION, rerank: false },
    ]) {
      counter.reset();
      const res = await app.search.search({ ...params, explain: true });
      expect(res.results.length, JSON.stringify(params)).toBeGreaterThan(0);
      expect(counter.lateScored, JSON.stringify(params)).toEqual([]);
      expect(res.results.some((h) => h.explain?.rerank)).toBe(false);
    }
  });

  it('leaves a query the model cannot read alone (Chinese: its vocabulary has few of the characters), and says why', async () => {
    const query = '镜像 数据卷';
    expect(pipeline.model.tokenizer.unknownShare?.(query)).toBeGreaterThan(0.5);
    counter.reset();
    const res = await app.search.search({ query, explain: true });
    expect(counter.lateScored).toEqual([]);
    expect(res.results.some((h) => h.explain?.rerank)).toBe(false);
    expect(res.note).toMatch(/^not re-ranked: \d+% of the query's word pieces are unknown to the model/);
    // Words it reads are re-ranked as before.
    expect(pipeline.model.tokenizer.unknownShare?.(QUESTION)).toBe(0);
  });

  const serviceOver = (table: Partial<SearchTable>, rerank = 20) =>
    new SearchService(
      [
        {
          engine: 'md',
          table: app.indexer.table('md') as ChunkTableReader,
          embedder: pipeline.model,
          ...table,
        },
      ],
      { k: 10, rrfK: 60, rerank },
    );

  it('re-ranks only the hits of engines whose mapper declares it, and only when it is configured', async () => {
    const declared = await serviceOver({ rerank: true }).search({ query: QUESTION, explain: true });
    expect(declared.results.some((h) => h.explain?.rerank)).toBe(true);
    for (const service of [serviceOver({ rerank: false }), serviceOver({ rerank: true }, 0)]) {
      const res = await service.search({ query: QUESTION, explain: true });
      expect(res.results.some((h) => h.explain?.rerank)).toBe(false);
      expect(res.timings!.rerankMs).toBe(0);
    }
  });

  it('keeps the fused order, and says so, when the late scores cannot be had', async () => {
    const fused = await serviceOver({ rerank: true }, 0).search({ query: QUESTION });
    const failing = await serviceOver({
      rerank: true,
      embedder: new FailingLateEmbedder(pipeline.model),
    }).search({
      query: QUESTION,
    });
    expect(failing.results.map(place)).toEqual(fused.results.map(place));
    expect(failing.note).toBe(
      "the first hits could not be re-ranked (the embed worker died 3 times on this request): hybrid's fused order",
    );
  });

  it('stops with the search when it is aborted', async () => {
    const abort = new AbortController();
    abort.abort(new Error('the client went away'));
    await expect(
      serviceOver({ rerank: true }).search({ query: QUESTION }, abort.signal),
    ).rejects.toMatchObject({
      code: 'E_ABORTED',
    });
  });
});
