import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LanceStore } from '../../../src/store/lance-store.js';
import { batchFor, DIM, openStore, ROOT, SPEC, tempDir } from './fixtures.js';

/**
 * An always-on daemon optimizes again and again; each optimize writes a new full-text index and
 * a new manifest. LanceDB's caches (6 GB of index data and 1 GB of metadata by default) would
 * keep every old one: the store bounds them.
 */
describe('LanceStore caches', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: LanceStore | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await cleanup();
  });

  /** Rounds of edits, each optimized and then searched (which loads the new indexes). */
  async function churn(s: LanceStore, rounds: number): Promise<number[]> {
    const { table } = await s.openChunkTable(SPEC);
    const sizes: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const files = Array.from({ length: 20 }, (_, i) => ({
        path: `${ROOT}/note-${i}.md`,
        texts: Array.from(
          { length: 5 },
          (_, c) => `round ${round} note ${i} chunk ${c} words${(round * 7 + i) % 13}`,
        ),
      }));
      const { batch, vectors } = batchFor(files, round + 1);
      await table.replaceFiles(
        files.map((f) => f.path),
        batch,
      );
      await table.optimize();
      await table.search({
        query: `words${round % 13}`,
        vector: vectors.slice(0, DIM),
        k: 5,
        mode: 'hybrid',
      });
      sizes.push(s.cacheBytes());
    }
    return sizes;
  }

  it('stay flat at the configured sizes however many optimizes, where the defaults keep growing', async () => {
    const cap = 64 * 1024;
    store = await openStore(dir, { indexCacheBytes: cap, metadataCacheBytes: cap });
    const bounded = await churn(store, 12);
    await store.close();
    store = undefined;
    // Flat after the first rounds (LanceDB keeps a little beyond the sizes: entries in use).
    expect(Math.max(...bounded.slice(6))).toBeLessThanOrEqual(1.5 * Math.max(...bounded.slice(0, 6)));

    await cleanup();
    ({ dir, cleanup } = await tempDir());
    store = await openStore(dir, { indexCacheBytes: 6 * 2 ** 30, metadataCacheBytes: 2 ** 30 });
    const unbounded = await churn(store, 12);
    // The same work with LanceDB's defaults: the caches grow with every optimize.
    expect(unbounded.at(-1)!).toBeGreaterThan(4 * unbounded[1]!);
    expect(unbounded.at(-1)!).toBeGreaterThan(3 * bounded.at(-1)!);
  });

  it('renewCaches drops the stale entries; searches in flight finish, and the tables read and write as before', async () => {
    store = await openStore(dir, { indexCacheBytes: 6 * 2 ** 30, metadataCacheBytes: 2 ** 30 });
    const grown = await churn(store, 8);
    const { table } = await store.openChunkTable(SPEC);
    const ask = (vector: Float32Array) =>
      table.search({ query: 'words3', vector, k: 5, mode: 'hybrid' }).then((hits) => hits.map((h) => h.id));
    const { vectors } = batchFor([{ path: `${ROOT}/x.md`, texts: ['x'] }], 3);
    const expected = await ask(vectors.slice(0, DIM));

    // A search started before the renewal runs on the old handles, which stay open for it.
    const during = ask(vectors.slice(0, DIM));
    await store.renewCaches();
    expect(await during).toEqual(expected);
    expect(store.cacheBytes()).toBeLessThan(grown.at(-1)! / 4);

    // Same answers through the new handles; writes and the file records work too.
    expect(await ask(vectors.slice(0, DIM))).toEqual(expected);
    const files = [{ path: `${ROOT}/after.md`, texts: ['written after the renewal'] }];
    await table.replaceFiles(
      files.map((f) => f.path),
      batchFor(files, 99).batch,
    );
    expect(await table.countRows()).toBe(20 * 5 + 1);
    await store.files.upsert([
      {
        path: `${ROOT}/after.md`,
        root: ROOT,
        engine: 'md',
        size: 1,
        mtimeMs: 1,
        fileHash: 'h',
        chunkCount: 1,
        status: 'indexed',
        reason: '',
        indexedAt: 1,
        modelId: 'm',
      },
    ]);
    expect((await store.files.get([`${ROOT}/after.md`])).size).toBe(1);
    // Closing the store with handles still retired (their grace not over) closes them too.
    await store.close();
    store = undefined;
  });

  it('renewCachesIfStale renews once past the floor and past 3× what was in use after the last renewal', async () => {
    store = await openStore(dir, {
      indexCacheBytes: 6 * 2 ** 30,
      metadataCacheBytes: 2 ** 30,
      renewCachesAboveBytes: 1,
    });
    await churn(store, 2);
    // The first call measures what is in use; nothing to compare with yet.
    expect(await store.renewCachesIfStale()).toBe(false);
    expect(await store.renewCachesIfStale()).toBe(false);
    await churn(store, 10);
    expect(await store.renewCachesIfStale()).toBe(true);
  });

  it('renewCachesIfStale leaves caches under the floor alone however much they grew', async () => {
    store = await openStore(dir, { indexCacheBytes: 6 * 2 ** 30, metadataCacheBytes: 2 ** 30 });
    await churn(store, 1);
    expect(await store.renewCachesIfStale()).toBe(false);
    await churn(store, 10);
    // Below the 32 MiB floor (this table is tiny), however much it grew.
    expect(store.cacheBytes()).toBeLessThan(32 * 2 ** 20);
    expect(await store.renewCachesIfStale()).toBe(false);
  });
});
