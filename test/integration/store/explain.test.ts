import { connect, Index } from '@lancedb/lancedb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEXT_INDEX_NAME } from '../../../src/store/indexes.js';
import type { LanceStore } from '../../../src/store/lance-store.js';
import type { LanceChunkTable } from '../../../src/store/lance-table.js';
import { FTS_OPTIONS } from '../../../src/store/tuning.js';
import type { SearchHit } from '../../../src/store/types.js';
import { batchFor, DIM, openStore, ROOT, SPEC, tempDir, unitVectors } from './fixtures.js';

describe('search with explain', () => {
  let cleanup: () => Promise<void>;
  let store: LanceStore;
  let table: LanceChunkTable;
  let query: Float32Array;

  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    store = await openStore(dir);
    ({ table } = await store.openChunkTable(SPEC));
    // More rows than the hybrid pool (50), so a leg can miss a row; some share the query word.
    const files = Array.from({ length: 70 }, (_, i) => ({
      path: `${ROOT}/${i % 2 ? 'journal' : 'archive'}/n${i}.md`,
      texts: [i % 5 === 0 ? `heron sighted by the lake, note ${i}` : `ordinary note ${i}`],
    }));
    const flat = unitVectors(files.length, DIM, 11);
    query = flat.slice(4 * DIM, 5 * DIM);
    await table.replaceFiles(
      files.map((f) => f.path),
      batchFor(files, 0, flat).batch,
    );
    await table.optimize();
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  const ranks = (hits: SearchHit[]) => new Map(hits.map((h, i) => [h.id, { rank: i + 1, score: h.score }]));

  it("gives each hybrid hit its legs' ranks and raw scores, the fusion's inputs that sum to its score, and the filter", async () => {
    const filter = { pathGlob: 'journal/**' };
    const request = { query: 'heron lake', vector: query, k: 8, filter };
    const hits = await table.search({ ...request, mode: 'hybrid', explain: true });
    // The legs as the one-leg modes rank them, over the same filter and as deep as the pool.
    const byVector = ranks(await table.search({ ...request, k: 50, mode: 'vector' }));
    const byText = ranks(await table.search({ ...request, k: 50, mode: 'text' }));

    expect(hits.length).toBe(8);
    let textOnly = 0;
    for (const hit of hits) {
      const e = hit.explain!;
      expect(hit.path).toContain('/journal/');
      const v = byVector.get(hit.id);
      const t = byText.get(hit.id);
      expect(e.vector).toEqual(v ? { rank: v.rank, distance: expect.closeTo(1 - v.score, 9) } : null);
      expect(e.text).toEqual(t ? { rank: t.rank, bm25: t.score } : null);
      if (!e.vector) textOnly++;
      const f = e.fusion!;
      expect(f).toMatchObject({ method: 'relative-score', weights: { vector: 0.5, text: 0.5 }, pool: 50 });
      expect(f.normalized.vector === null).toBe(e.vector === null);
      expect(f.normalized.text === null).toBe(e.text === null);
      // Every file here has one row, so no hit has evidence from its file's other candidates.
      expect(f.file).toEqual({ weight: 0.01, evidence: 0 });
      const sum = f.weights.vector * (f.normalized.vector ?? 0) + f.weights.text * (f.normalized.text ?? 0);
      expect(hit.score).toBeCloseTo(sum + f.file.weight * f.file.evidence, 12);
      expect(e.score).toBe(hit.score);
      expect(e.where).toContain('journal');
    }
    // The filter holds 35 rows, fewer than the pool: the vector leg returns them all, so every
    // hit is in it; the text leg has only the journal's herons, and they are among the hits.
    expect(textOnly).toBe(0);
    expect(byText.size).toBe(7);
    expect(hits.filter((h) => h.explain!.text).length).toBeGreaterThan(0);
  });

  it('scores and orders the first hits alike whatever k, though a larger k reads deeper legs', async () => {
    // Every row holds "note": with k 5 each leg reads 50 candidates, with k 20 it reads 70.
    const request = { query: 'heron note', vector: query, mode: 'hybrid' as const, explain: true };
    const few = await table.search({ ...request, k: 5 });
    const many = await table.search({ ...request, k: 20 });
    expect(many[0]!.explain!.fusion).toMatchObject({ pool: 80, scale: 50 });
    expect(many.slice(0, 5).map((h) => h.id)).toEqual(few.map((h) => h.id));
    for (const [i, hit] of many.slice(0, 5).entries()) expect(hit.score).toBeCloseTo(few[i]!.score, 12);
    // A candidate past the first 50 of a leg counts as that leg's 0, as if it had been missed.
    const all = await table.search({ ...request, k: 70 });
    const deep = all.filter((h) => h.explain!.text && h.explain!.text.rank > 50);
    expect(deep.length).toBeGreaterThan(0);
    for (const hit of deep) expect(hit.explain!.fusion!.normalized.text).toBe(0);
  });

  it('one-leg modes explain their own leg only; without explain no hit carries one', async () => {
    const text = await table.search({ query: 'heron', k: 3, mode: 'text', explain: true });
    expect(text.map((h) => h.explain)).toEqual(
      text.map((h, i) => ({
        vector: null,
        text: { rank: i + 1, bm25: h.score },
        fusion: null,
        where: null,
        score: h.score,
      })),
    );
    const vector = await table.search({ query: 'heron', vector: query, k: 3, mode: 'vector', explain: true });
    expect(vector[0]!.explain).toMatchObject({ vector: { rank: 1 }, text: null, fusion: null, where: null });
    expect(vector[0]!.explain!.vector!.distance).toBeCloseTo(0, 6);
    const plain = await table.search({ query: 'heron', vector: query, k: 3, mode: 'hybrid' });
    expect(plain.every((h) => !('explain' in h))).toBe(true);
  });
});

describe('full-text index tokenizer', () => {
  it('rebuilds at open a full-text index that was built with other tokenizer options', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      let store = await openStore(dir);
      let { table } = await store.openChunkTable(SPEC);
      await table.replaceFiles(
        [`${ROOT}/pg.md`],
        batchFor([{ path: `${ROOT}/pg.md`, texts: ['The installation of Postgres'] }], 1).batch,
      );
      await store.close();

      // As an older ragctl (or other options) left it: no stemming, under the old default name.
      const db = await connect(dir);
      const raw = await db.openTable('chunks_md');
      const built = (await raw.listIndices()).find((i) => i.columns.includes('text'));
      await raw.dropIndex(built!.name);
      await raw.createIndex('text', { config: Index.fts({ ...FTS_OPTIONS, stem: false }), name: 'text_idx' });
      const unstemmed = await raw.query().fullTextSearch('installing').select(['path']).toArray();
      expect(unstemmed).toEqual([]);
      raw.close();
      db.close();

      store = await openStore(dir);
      ({ table } = await store.openChunkTable(SPEC));
      // Stemmed again: `installing` finds `installation`.
      const hits = await table.search({ query: 'installing', k: 5, mode: 'text' });
      expect(hits.map((h) => h.path)).toEqual([`${ROOT}/pg.md`]);
      const stats = await table.stats();
      expect(stats.indexes.filter((i) => i.type === 'FTS').map((i) => i.name)).toEqual([TEXT_INDEX_NAME]);
      await store.close();
    } finally {
      await cleanup();
    }
  });
});
