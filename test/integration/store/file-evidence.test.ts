import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LanceStore } from '../../../src/store/lance-store.js';
import type { LanceChunkTable } from '../../../src/store/lance-table.js';
import { batchFor, DIM, type FileSpec, openStore, ROOT, SPEC, tempDir } from './fixtures.js';

/** A unit vector at cosine `sim` to the query (e0), turned towards its own axis. */
function at(sim: number, axis: number): Float32Array {
  const v = new Float32Array(DIM);
  v[0] = sim;
  v[axis] = Math.sqrt(1 - sim * sim);
  return v;
}

describe("hybrid search weighs the evidence of a hit's file", () => {
  let cleanup: () => Promise<void>;
  let store: LanceStore;
  let table: LanceChunkTable;
  const query = at(1, 1);
  const ROLLING = `${ROOT}/kayak/rolling.md`;
  const GLOSSARY = `${ROOT}/misc/glossary.md`;

  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    store = await openStore(dir);
    ({ table } = await store.openChunkTable(SPEC));
    // The page about the question: its first section is the closest in meaning of all (in
    // other words than the query's), and five more sections use the query's word once.
    // Elsewhere, a glossary line repeats the query's words but means something else: the
    // farthest in meaning but one. Fillers in other files match neither.
    const files: FileSpec[] = [
      {
        path: ROLLING,
        texts: [
          'Snap the hips and sweep the paddle to come back up after tipping over',
          ...[1, 2, 3, 4, 5].map((i) => `Practise the capsize drill in a pool, step ${i}`),
        ],
      },
      { path: GLOSSARY, texts: ['capsize recovery: capsize recovery capsize (a ledger term)'] },
      ...[0, 1, 2].map((i) => ({ path: `${ROOT}/other/n${i}.md`, texts: [`an unrelated note ${i}`] })),
    ];
    const vectors = [
      at(0.99, 2),
      ...[3, 4, 5, 6, 7].map((a) => at(0.8, a)),
      at(0.02, 8),
      ...[9, 10].map((a) => at(0.3, a)),
      at(0, 11),
    ];
    const flat = new Float32Array(vectors.length * DIM);
    for (const [i, v] of vectors.entries()) flat.set(v, i * DIM);
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

  it('ranks first the closest chunk of the file that matches in several places, not a lone keyword match', async () => {
    const request = { query: 'capsize recovery', vector: query, k: 5 };
    // The legs disagree on the best: each one's top is the other's near-bottom.
    const [byVector] = await table.search({ ...request, mode: 'vector' });
    const [byText] = await table.search({ ...request, mode: 'text' });
    expect(byVector!.path).toBe(ROLLING);
    expect(byText!.path).toBe(GLOSSARY);

    const hits = await table.search({ ...request, mode: 'hybrid', explain: true });
    expect(hits[0]!.path).toBe(ROLLING);
    expect(hits[0]!.text).toContain('Snap the hips');
    expect(hits[1]!.path).toBe(GLOSSARY);
    // Why, as --explain shows it: both are one leg's best alone; the page's other five
    // candidates are its evidence, the glossary's file has none.
    const [first, second] = hits.map((h) => h.explain!.fusion!);
    expect(first!.normalized).toEqual({ vector: 1, text: null });
    expect(second!.normalized.text).toBe(1);
    expect(second!.file.evidence).toBe(0);
    expect(first!.file.evidence).toBeGreaterThan(1);
    for (const h of hits) {
      const f = h.explain!.fusion!;
      const fused = f.weights.vector * (f.normalized.vector ?? 0) + f.weights.text * (f.normalized.text ?? 0);
      expect(h.score).toBeCloseTo(fused + f.file.weight * f.file.evidence, 12);
    }
  });
});
