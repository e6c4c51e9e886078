import { readdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { documentMapper } from '../../../src/engines/document-mapper.js';
import type { FileRecord } from '../../../src/store/types.js';
import { batchFor, DIM, MODEL, openStore, ROOT, SPEC, tempDir, unitVectors } from './fixtures.js';

function record(path: string, engine = 'md', extra: Partial<FileRecord> = {}): FileRecord {
  return {
    path,
    root: ROOT,
    engine,
    size: 1234,
    mtimeMs: 1_700_000_000_000.25,
    fileHash: `hash-${path}`,
    chunkCount: 3,
    status: 'indexed',
    reason: '',
    indexedAt: 1_700_000_500_000,
    modelId: MODEL,
    ...extra,
  };
}

describe('LanceStore', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  it('keeps chunks and records across close and reopen, and says whether it created the table', async () => {
    const first = await openStore(dir);
    const opened = await first.openChunkTable(SPEC);
    expect(opened.state).toBe('created');
    const { batch, vectors } = batchFor([{ path: `${ROOT}/a.md`, texts: ['persist me', 'and me'] }], 1);
    await opened.table.replaceFiles([`${ROOT}/a.md`], batch);
    await first.files.upsert([record(`${ROOT}/a.md`)]);
    await opened.table.optimize();
    await first.close();
    await first.close();
    await expect(first.openChunkTable(SPEC)).rejects.toMatchObject({ code: 'E_STORE' });

    const second = await openStore(dir);
    try {
      const again = await second.openChunkTable(SPEC);
      expect(again.state).toBe('opened');
      expect(await again.table.countRows()).toBe(2);
      const hits = await again.table.search({
        query: 'persist',
        vector: vectors.slice(0, DIM),
        k: 1,
        mode: 'hybrid',
      });
      expect(hits[0]?.text).toBe('persist me');
      expect((await second.files.get([`${ROOT}/a.md`])).get(`${ROOT}/a.md`)).toEqual(record(`${ROOT}/a.md`));
      // One handle per engine.
      expect((await second.openChunkTable(SPEC)).table).toBe(again.table);
    } finally {
      await second.close();
    }
  });

  it('detects a table made for another model or dimension and says how to rebuild', async () => {
    const first = await openStore(dir);
    await first.openChunkTable(SPEC);
    await first.close();

    const store = await openStore(dir);
    try {
      await expect(store.openChunkTable({ ...SPEC, modelId: 'other/model' })).rejects.toMatchObject({
        code: 'E_SCHEMA',
        message: expect.stringMatching(
          /holds vectors of test\/pseudo-random-16 \(16 dims\), the embedder is other\/model/,
        ),
        fix: expect.stringMatching(/rebuild the index of engine "md"/),
      });
      await expect(store.openChunkTable({ ...SPEC, dimension: 32 })).rejects.toMatchObject({
        code: 'E_SCHEMA',
      });
      // The refused table is untouched and still opens for its own model.
      expect((await store.openChunkTable(SPEC)).state).toBe('opened');
    } finally {
      await store.close();
    }
  });

  it('rebuilds on request: drops the old vectors and forgets only that engine’s files', async () => {
    const first = await openStore(dir);
    const { table } = await first.openChunkTable(SPEC);
    await table.replaceFiles(
      [`${ROOT}/a.md`],
      batchFor([{ path: `${ROOT}/a.md`, texts: ['old model'] }], 1).batch,
    );
    await first.files.upsert([record(`${ROOT}/a.md`), record(`${ROOT}/q.sql`, 'sql')]);
    await first.close();

    const store = await openStore(dir);
    try {
      const rebuilt = await store.openChunkTable({
        ...SPEC,
        modelId: 'new/model',
        dimension: 8,
        onMismatch: 'rebuild',
      });
      expect(rebuilt.state).toBe('rebuilt');
      expect(rebuilt.reason).toMatch(/test\/pseudo-random-16/);
      expect(await rebuilt.table.countRows()).toBe(0);
      expect(rebuilt.table.dimension).toBe(8);
      expect((await store.files.all()).map((r) => r.path)).toEqual([`${ROOT}/q.sql`]);

      const rows = batchFor([{ path: `${ROOT}/a.md`, texts: ['new model'] }], 2).rows;
      const batch = documentMapper.toRecordBatch(rows, unitVectors(1, 8, 3), 8);
      await rebuilt.table.replaceFiles([`${ROOT}/a.md`], batch);
      expect(await rebuilt.table.countRows()).toBe(1);
    } finally {
      await store.close();
    }
    const reopened = await openStore(dir);
    try {
      expect((await reopened.openChunkTable({ ...SPEC, modelId: 'new/model', dimension: 8 })).state).toBe(
        'opened',
      );
    } finally {
      await reopened.close();
    }
  });

  it('refuses a batch whose schema does not match the table', async () => {
    const store = await openStore(dir);
    try {
      const { table } = await store.openChunkTable(SPEC);
      const rows = batchFor([{ path: `${ROOT}/a.md`, texts: ['x'] }], 1).rows;
      const wrong = documentMapper.toRecordBatch(rows, unitVectors(1, 8, 1), 8);
      await expect(table.replaceFiles([`${ROOT}/a.md`], wrong)).rejects.toMatchObject({
        code: 'E_SCHEMA',
        message: expect.stringMatching(
          /FixedSizeList\[16\]<Float32>, found vector: FixedSizeList\[8\]<Float32>/,
        ),
      });
    } finally {
      await store.close();
    }
  });

  it('opens the last readable version when the newest manifest was emptied (a power cut), and says so', async () => {
    const first = await openStore(dir);
    const { table } = await first.openChunkTable(SPEC);
    await table.replaceFiles([`${ROOT}/a.md`], batchFor([{ path: `${ROOT}/a.md`, texts: ['x'] }], 1).batch);
    await first.files.upsert([record(`${ROOT}/a.md`)]);
    await table.replaceFiles([`${ROOT}/b.md`], batchFor([{ path: `${ROOT}/b.md`, texts: ['y'] }], 1).batch);
    await first.close();
    const versions = join(dir, 'chunks_md.lance', '_versions');
    // V2 manifest names count down, so the newest version sorts first.
    const newest = (await readdir(versions)).filter((f) => f.endsWith('.manifest')).sort()[0] as string;
    await truncate(join(versions, newest), 0);

    const store = await openStore(dir);
    try {
      const { table: reopened } = await store.openChunkTable(SPEC);
      // b.md's commit was the unreadable one: the table is back to holding a.md only.
      expect(await reopened.countRows()).toBe(1);
      expect(store.recoveries).toMatchObject([{ table: 'chunks_md', setAside: [newest] }]);
      expect(await readdir(join(dir, 'chunks_md.lance', '_versions_unreadable'))).toEqual([newest]);
      // The records may describe chunks newer than the table now holds: they are dropped, so
      // the next reconcile re-checks every file of the engine.
      expect(await store.files.all({ engine: 'md' })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('wraps LanceDB failures in E_STORE naming the table and folder when no version is readable', async () => {
    const first = await openStore(dir);
    const { table } = await first.openChunkTable(SPEC);
    await table.replaceFiles([`${ROOT}/a.md`], batchFor([{ path: `${ROOT}/a.md`, texts: ['x'] }], 1).batch);
    await first.close();
    const versions = join(dir, 'chunks_md.lance', '_versions');
    const manifests = (await readdir(versions)).filter((f) => f.endsWith('.manifest'));
    for (const m of manifests) await truncate(join(versions, m), 0);

    const store = await openStore(dir);
    try {
      const failure = store.openChunkTable(SPEC);
      await expect(failure).rejects.toMatchObject({
        code: 'E_STORE',
        message: expect.stringContaining(`table chunks_md in ${dir}: opening`),
      });
      await expect(failure).rejects.toHaveProperty('cause');
      // Nothing helped, so nothing stays set aside: the folder is as it was.
      expect((await readdir(versions)).filter((f) => f.endsWith('.manifest')).sort()).toEqual(
        manifests.sort(),
      );
    } finally {
      await store.close();
    }
  });

  it('refuses engine names that cannot name a table', async () => {
    const store = await openStore(dir);
    try {
      await expect(store.openChunkTable({ ...SPEC, engine: '../x' })).rejects.toMatchObject({
        code: 'E_CONFIG',
      });
    } finally {
      await store.close();
    }
  });

  describe('file records', () => {
    it('upserts, gets, lists by engine and deletes, including awkward paths', async () => {
      const store = await openStore(dir);
      try {
        const paths = [`${ROOT}/a.md`, `${ROOT}/it's 100%_x.md`, `${ROOT}/ü/☃.md`];
        await store.files.upsert(paths.map((p) => record(p)));
        await store.files.upsert([record(`${ROOT}/q.sql`, 'sql')]);
        expect((await store.files.all()).length).toBe(4);
        expect((await store.files.all({ engine: 'sql' })).map((r) => r.path)).toEqual([`${ROOT}/q.sql`]);

        // Upsert replaces by path, in one commit.
        const changed = record(paths[1] as string, 'md', {
          size: 99,
          status: 'skipped',
          reason: 'binary',
          chunkCount: 0,
        });
        await store.files.upsert([changed, record(`${ROOT}/new.md`)]);
        const got = await store.files.get([paths[1] as string, `${ROOT}/new.md`, `${ROOT}/missing.md`]);
        expect(got.size).toBe(2);
        expect(got.get(paths[1] as string)).toEqual(changed);
        expect((await store.files.all()).length).toBe(5);
        // What status reads: a count of indexed files and the skipped files' records.
        expect(await store.files.countIndexed()).toBe(4);
        expect(await store.files.all({ status: 'skipped' })).toEqual([changed]);
        expect(await store.files.indexedChunks('md')).toBe(3 * 3);

        await store.files.delete([paths[1] as string, `${ROOT}/it's 100%Yx.md`]);
        expect((await store.files.all()).map((r) => r.path).sort()).toEqual(
          [`${ROOT}/a.md`, `${ROOT}/new.md`, `${ROOT}/q.sql`, `${ROOT}/ü/☃.md`].sort(),
        );
        await expect(
          store.files.upsert([record(`${ROOT}/a.md`), record(`${ROOT}/a.md`)]),
        ).rejects.toMatchObject({
          code: 'E_STORE',
        });
      } finally {
        await store.close();
      }
    });

    it('gets many paths across IN-list batches', async () => {
      const store = await openStore(dir);
      try {
        const paths = Array.from({ length: 1200 }, (_, i) => `${ROOT}/many/${i}.md`);
        await store.files.upsert(paths.map((p) => record(p)));
        const got = await store.files.get(paths);
        expect(got.size).toBe(1200);
        await store.files.delete(paths.slice(0, 700));
        expect((await store.files.all()).length).toBe(500);
        await store.optimize();
        expect((await store.files.stats()).rows).toBe(500);
      } finally {
        await store.close();
      }
    });
  });
});
