import { connect } from '@lancedb/lancedb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqlString } from '../../../src/store/where.js';
import { batchFor, DIM, openStore, ROOT, SPEC, tempDir, unitVectors } from './fixtures.js';

const PATH = `${ROOT}/busy file.md`;
const WRITES = 40;

describe('replaceFiles under concurrent readers', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  it('never shows a half-replaced file: every read sees the old rows or the new ones', async () => {
    const store = await openStore(dir);
    const { table } = await store.openChunkTable(SPEC);
    const small = batchFor([{ path: PATH, texts: ['s1', 's2', 's3'] }], 1).batch;
    const large = batchFor([{ path: PATH, texts: ['l1', 'l2', 'l3', 'l4', 'l5'] }], 2).batch;
    const neighbour = batchFor([{ path: `${ROOT}/other.md`, texts: ['o1', 'o2'] }], 3).batch;
    await table.replaceFiles([`${ROOT}/other.md`], neighbour);
    await table.replaceFiles([PATH], small);

    // An independent reader that re-reads the latest manifest on every query.
    const db = await connect(dir, { readConsistencyInterval: 0 });
    const raw = await db.openTable('chunks_md');
    const where = `path = ${sqlString(PATH)}`;

    let writing = true;
    const writer = (async () => {
      try {
        for (let i = 0; i < WRITES; i++) await table.replaceFiles([PATH], i % 2 === 0 ? large : small);
      } finally {
        writing = false;
      }
    })();

    const seenCounts = new Map<number, number>();
    const seenTexts = new Set<string>();
    const note = (n: number) => seenCounts.set(n, (seenCounts.get(n) ?? 0) + 1);
    const rawReader = (async () => {
      while (writing) {
        const rows = await raw.query().where(where).select(['text']).toArray();
        note(rows.length);
        // Rows of one read all come from one version of the file.
        seenTexts.add(
          rows
            .map((r) => (r.text as string)[0])
            .sort()
            .join(''),
        );
      }
    })();
    const searchReader = (async () => {
      const query = unitVectors(1, DIM, 5);
      while (writing) {
        const hits = await table.search({
          query: '',
          vector: query,
          k: 50,
          mode: 'vector',
          filter: { pathGlob: PATH },
        });
        note(hits.length);
      }
    })();

    await Promise.all([writer, rawReader, searchReader]);
    raw.close();
    db.close();

    expect([...seenCounts.keys()].sort()).toEqual([3, 5]);
    expect([...seenTexts].sort()).toEqual(['lllll', 'sss']);
    expect([...seenCounts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(WRITES / 2);
    expect(await table.countRows()).toBe(2 + 3);
    await store.close();
  });

  it('reads a search again when a commit lands between its legs: a renamed file never shows under both names', async () => {
    const store = await openStore(dir);
    const { table } = await store.openChunkTable(SPEC);
    const texts = ['the numbat eats termites', 'a second paragraph'];
    const before = batchFor([{ path: `${ROOT}/old name.md`, texts }], 1).batch;
    const after = batchFor([{ path: `${ROOT}/new name.md`, texts }], 1).batch;
    await table.replaceFiles(
      [`${ROOT}/other.md`],
      batchFor([{ path: `${ROOT}/other.md`, texts: ['o'] }], 2).batch,
    );
    await table.replaceFiles([`${ROOT}/old name.md`], before);

    // The full-text leg reads at once; the vector leg waits for the query's embedding, and the
    // rename (one commit: new rows in, old rows out) lands in between.
    let embedded!: (v: Float32Array) => void;
    const vector = new Promise<Float32Array>((resolve) => {
      embedded = resolve;
    });
    const search = table.search({ query: 'numbat', vector, k: 10, mode: 'hybrid' });
    await new Promise((r) => setTimeout(r, 300));
    await table.replaceFiles([`${ROOT}/old name.md`, `${ROOT}/new name.md`], after);
    embedded(unitVectors(1, DIM, 5));

    const paths = new Set((await search).map((h) => h.path));
    expect([...paths].sort()).toEqual([`${ROOT}/new name.md`, `${ROOT}/other.md`]);
    await store.close();
  });
});
