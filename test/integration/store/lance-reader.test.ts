import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { LanceReader } from '../../../src/store/lance-reader.js';
import { snapshotTree } from '../../helpers/tree-snapshot.js';
import { batchFor, DIM, openStore, ROOT, SPEC, tempDir, unitVectors } from './fixtures.js';

const openReader = (dir: string) => LanceReader.open({ dir, logger: silentLogger() });

/** The index at `dir` with a.md committed, then b.md in a second commit (records likewise). */
async function twoCommits(dir: string): Promise<void> {
  const store = await openStore(dir);
  try {
    const { table } = await store.openChunkTable(SPEC);
    for (const [name, seed] of [
      ['a.md', 1],
      ['b.md', 2],
    ] as const) {
      const path = `${ROOT}/${name}`;
      await table.replaceFiles([path], batchFor([{ path, texts: [`text of ${name}`] }], seed).batch);
      await store.files.upsert([
        {
          path,
          root: ROOT,
          engine: 'md',
          size: 1,
          mtimeMs: 1,
          fileHash: name,
          chunkCount: 1,
          status: 'indexed',
          reason: '',
          indexedAt: 1,
          modelId: SPEC.modelId,
        },
      ]);
    }
  } finally {
    await store.close();
  }
}

async function emptyNewestManifest(dir: string, table: string): Promise<string> {
  const versions = join(dir, `${table}.lance`, '_versions');
  const newest = (await readdir(versions)).filter((f) => f.endsWith('.manifest')).sort()[0] as string;
  await truncate(join(versions, newest), 0);
  return newest;
}

describe('LanceReader', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  it('finds no index in a folder that does not exist, and does not create it', async () => {
    const missing = join(dir, 'never-indexed');
    expect(await openReader(missing)).toBeUndefined();
    expect(existsSync(missing)).toBe(false);
  });

  it('another model: text search answers, vector search says what is wrong and the fix', async () => {
    await twoCommits(dir);
    const before = await snapshotTree(dir);
    const reader = (await openReader(dir))!;
    try {
      const read = (await reader.openChunkTable({ ...SPEC, modelId: 'other/model' }))!;
      expect(read.mismatch).toMatchObject({ kind: 'model', fix: expect.stringContaining('ragctl index') });
      const hits = await read.table.search({ query: 'text', k: 5, mode: 'text' });
      expect(hits.map((h) => h.path).sort()).toEqual([`${ROOT}/a.md`, `${ROOT}/b.md`]);
      await expect(
        read.table.search({ query: 'text', vector: unitVectors(1, DIM, 1), k: 5, mode: 'hybrid' }),
      ).rejects.toMatchObject({ code: 'E_SCHEMA', message: expect.stringContaining('other/model') });
    } finally {
      await reader.close();
    }
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it('another dimension changes the vector column only: still a model mismatch, text still searchable', async () => {
    await twoCommits(dir);
    const reader = (await openReader(dir))!;
    try {
      const read = (await reader.openChunkTable({ ...SPEC, modelId: 'other/model', dimension: 8 }))!;
      expect(read.mismatch?.kind).toBe('model');
      expect(await read.table.search({ query: 'text', k: 5, mode: 'text' })).toHaveLength(2);
    } finally {
      await reader.close();
    }
  });

  it('another mapper: every search throws E_SCHEMA', async () => {
    await twoCommits(dir);
    const reader = (await openReader(dir))!;
    try {
      const mapper = { ...SPEC.mapper, name: 'other-mapper' };
      const read = (await reader.openChunkTable({ ...SPEC, mapper }))!;
      expect(read.mismatch?.kind).toBe('schema');
      await expect(read.table.search({ query: 'text', k: 5, mode: 'text' })).rejects.toMatchObject({
        code: 'E_SCHEMA',
      });
    } finally {
      await reader.close();
    }
  });

  it('an engine never indexed has no table; nothing is created for it', async () => {
    await twoCommits(dir);
    const before = await snapshotTree(dir);
    const reader = (await openReader(dir))!;
    try {
      expect(await reader.openChunkTable({ ...SPEC, engine: 'sql' })).toBeUndefined();
    } finally {
      await reader.close();
    }
    expect(await snapshotTree(dir)).toEqual(before);
  });

  describe('an unreadable newest version', () => {
    let temp: string;
    let savedTmp: string | undefined;

    beforeEach(async () => {
      // The stand-in folders go to the OS temp dir: point it at a folder of our own to watch.
      temp = await mkdtemp(join(tmpdir(), 'ragctl-reader-tmp-'));
      savedTmp = process.env.TMPDIR;
      process.env.TMPDIR = temp;
    });
    afterEach(async () => {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
      await rm(temp, { recursive: true, force: true });
    });

    it('reads the last readable version of both tables, moves nothing, and removes its stand-ins on close', async () => {
      await twoCommits(dir);
      const skippedChunks = await emptyNewestManifest(dir, 'chunks_md');
      const skippedFiles = await emptyNewestManifest(dir, 'files');
      const before = await snapshotTree(dir);
      const reader = (await openReader(dir))!;
      try {
        const read = (await reader.openChunkTable(SPEC))!;
        expect(read.mismatch).toBeUndefined();
        // b.md's commits were the unreadable ones.
        expect(await read.table.countRows()).toBe(1);
        expect((await read.table.search({ query: 'text', k: 5, mode: 'text' })).map((h) => h.path)).toEqual([
          `${ROOT}/a.md`,
        ]);
        expect((await reader.files.all()).map((r) => r.path)).toEqual([`${ROOT}/a.md`]);
        expect(reader.olderVersions).toMatchObject([
          { table: 'files', skipped: [skippedFiles] },
          { table: 'chunks_md', skipped: [skippedChunks] },
        ]);
        expect((await readdir(temp)).filter((f) => f.startsWith('ragctl-read-'))).toHaveLength(2);
      } finally {
        await reader.close();
      }
      expect(await readdir(temp)).toEqual([]);
      expect(await snapshotTree(dir)).toEqual(before);
    });

    it('with no readable version at all fails with E_STORE, leaving everything as it was', async () => {
      const store = await openStore(dir);
      await store.close();
      const versions = join(dir, 'files.lance', '_versions');
      for (const m of await readdir(versions))
        if (m.endsWith('.manifest')) await truncate(join(versions, m), 0);
      const before = await snapshotTree(dir);
      await expect(openReader(dir)).rejects.toMatchObject({ code: 'E_STORE' });
      expect(await snapshotTree(dir)).toEqual(before);
      expect(await readdir(temp)).toEqual([]);
    });
  });
});
