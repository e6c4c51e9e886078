import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchFor, DIM, openStore, ROOT, SPEC, tempDir } from './fixtures.js';

// IVF_PQ trains 256 centroids per sub-vector, so it needs at least 256 rows.
const ROWS = 600;
const THRESHOLD = 500;

describe('vector index', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  it('is built by optimize() only past the row threshold, and search stays exact at the top', async () => {
    const store = await openStore(dir, { vectorIndexMinRows: THRESHOLD });
    try {
      const { table } = await store.openChunkTable(SPEC);
      const files = Array.from({ length: ROWS / 2 }, (_, i) => ({
        path: `${ROOT}/${i % 2 ? 'odd' : 'even'}/f${i}.md`,
        texts: [`first ${i}`, `second ${i}`],
      }));
      const { batch, vectors } = batchFor(files, 11);
      const half = files.length / 2;
      const firstHalf = batchFor(files.slice(0, half), 0, vectors.slice(0, half * 2 * DIM)).batch;
      await table.replaceFiles(
        files.slice(0, half).map((f) => f.path),
        firstHalf,
      );
      await table.optimize();
      const hasVectorIndex = async () => (await table.stats()).indexes.some((i) => i.name === 'vector_idx');
      expect(await hasVectorIndex()).toBe(false);

      await table.replaceFiles(
        files.map((f) => f.path),
        batch,
      );
      await table.optimize();
      expect(await hasVectorIndex()).toBe(true);

      for (const row of [3, 250, 577]) {
        const query = vectors.slice(row * DIM, (row + 1) * DIM);
        const hits = await table.search({ query: '', vector: query, k: 3, mode: 'vector' });
        const file = files[Math.floor(row / 2)];
        expect(hits[0]?.path).toBe(file?.path);
        expect(hits[0]?.text).toBe(`${row % 2 ? 'second' : 'first'} ${Math.floor(row / 2)}`);
        expect(hits[0]?.score).toBeCloseTo(1, 5);

        const filtered = await table.search({
          query: '',
          vector: query,
          k: 5,
          mode: 'vector',
          filter: { pathGlob: Math.floor(row / 2) % 2 ? 'even/**' : 'odd/**' },
        });
        expect(filtered).toHaveLength(5);
        expect(filtered.some((h) => h.path === file?.path)).toBe(false);
      }
    } finally {
      await store.close();
    }
  });
});
