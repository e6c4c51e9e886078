import { type Connection, connect, type Table } from '@lancedb/lancedb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { documentMapper } from '../../../src/engines/document-mapper.js';
import { RagError } from '../../../src/errors.js';
import type { LanceStore } from '../../../src/store/lance-store.js';
import type { LanceChunkTable } from '../../../src/store/lance-table.js';
import { sqlString } from '../../../src/store/where.js';
import { batchFor, DIM, mapped, openStore, ROOT, SPEC, tempDir, unitVectors } from './fixtures.js';

describe('LanceChunkTable', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: LanceStore;
  let table: LanceChunkTable;
  let rawDb: Connection;
  let raw: Table;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    store = await openStore(dir, { hashLookupBatch: 7 });
    ({ table } = await store.openChunkTable(SPEC));
    // A second, independent reader to look at what was committed.
    rawDb = await connect(dir, { readConsistencyInterval: 0 });
    raw = await rawDb.openTable('chunks_md');
  });
  afterEach(async () => {
    raw.close();
    rawDb.close();
    await store.close();
    await cleanup();
  });

  const rowsOf = async (path: string) =>
    (
      await raw
        .query()
        .where(`path = ${sqlString(path)}`)
        .select(['id', 'text'])
        .toArray()
    ).map((r) => r.text as string);

  it('replaces a file’s rows and deletes a file given a null batch', async () => {
    await table.replaceFiles(
      ['/notes/a.md'],
      batchFor([{ path: '/notes/a.md', texts: ['one', 'two', 'three'] }], 1).batch,
    );
    await table.replaceFiles(['/notes/b.md'], batchFor([{ path: '/notes/b.md', texts: ['bee'] }], 2).batch);
    expect((await rowsOf('/notes/a.md')).sort()).toEqual(['one', 'three', 'two']);

    const version = await raw.version();
    await table.replaceFiles(
      ['/notes/a.md'],
      batchFor([{ path: '/notes/a.md', texts: ['one', 'four'] }], 3).batch,
    );
    expect(await raw.version()).toBe(version + 1);
    expect((await rowsOf('/notes/a.md')).sort()).toEqual(['four', 'one']);
    expect(await rowsOf('/notes/b.md')).toEqual(['bee']);

    await table.replaceFiles(['/notes/a.md'], null);
    expect(await rowsOf('/notes/a.md')).toEqual([]);
    expect(await table.countRows()).toBe(1);
  });

  it('deletes exactly the named paths, whatever characters they hold', async () => {
    const paths = [
      "/notes/it's.md",
      "/notes/''.md",
      '/notes/100%_done.md',
      '/notes/100x_done.md',
      '/notes/100%Xdone.md',
      '/notes/ü ☃/naïve café.md',
      '/notes/back\\slash.md',
      '/notes/a b.md',
      '/notes/semi;colon -- x.md',
    ];
    for (const [i, path] of paths.entries()) {
      await table.replaceFiles([path], batchFor([{ path, texts: [`text ${i}`] }], i).batch);
    }
    expect(await table.countRows()).toBe(paths.length);
    const doomed = [
      "/notes/it's.md",
      '/notes/100%_done.md',
      '/notes/ü ☃/naïve café.md',
      '/notes/back\\slash.md',
    ];
    await table.replaceFiles(doomed, null);
    const left = (await raw.query().select(['path']).toArray()).map((r) => r.path as string).sort();
    expect(left).toEqual(paths.filter((p) => !doomed.includes(p)).sort());
  });

  it('replaces several files in one commit and refuses rows of unlisted paths', async () => {
    const { batch } = batchFor(
      [
        { path: '/notes/x.md', texts: ['x1', 'x2'] },
        { path: '/notes/y.md', texts: ['y1'] },
      ],
      4,
    );
    const before = await raw.version();
    await table.replaceFiles(['/notes/x.md', '/notes/y.md', '/notes/gone.md'], batch);
    expect(await raw.version()).toBe(before + 1);
    expect(await table.countRows()).toBe(3);

    await expect(table.replaceFiles(['/notes/x.md'], batch)).rejects.toMatchObject({
      code: 'E_SCHEMA',
      message: expect.stringMatching(/rows of \/notes\/y\.md, not listed/),
    });
    const dup = batchFor(
      [
        { path: '/notes/x.md', texts: ['same'] },
        { path: '/notes/x.md', texts: ['same'] },
      ],
      5,
    ).batch;
    await expect(table.replaceFiles(['/notes/x.md'], dup)).rejects.toMatchObject({ code: 'E_SCHEMA' });
    expect(await table.countRows()).toBe(3);
  });

  it('returns stored vectors by content hash from any path, bit for bit, across IN-list batches', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `chunk number ${i}`);
    const a = batchFor([{ path: '/notes/a.md', texts: texts.slice(0, 12) }], 10);
    const b = batchFor([{ path: '/notes/sub/b.md', texts: texts.slice(12) }], 11);
    await table.replaceFiles(['/notes/a.md'], a.batch);
    await table.replaceFiles(['/notes/sub/b.md'], b.batch);

    const hashes = [...a.rows[0]!.chunks, ...b.rows[0]!.chunks].map((c) => c.contentHash);
    const wanted = [...hashes, 'not-a-hash', hashes[0] as string];
    const found = await table.vectorsByContentHash(wanted);
    expect(found.size).toBe(20);
    const all = new Float32Array([...a.vectors, ...b.vectors]);
    hashes.forEach((hash, i) => {
      const stored = found.get(hash);
      expect(stored && Array.from(new Uint32Array(stored.buffer, stored.byteOffset, DIM))).toEqual(
        Array.from(new Uint32Array(all.buffer, i * DIM * 4, DIM)),
      );
    });

    // By path (read before a delete): the vectors of exactly those files, by content hash.
    const ofB = await table.vectorsForPaths(['/notes/sub/b.md', '/notes/none.md']);
    expect([...ofB.keys()].sort()).toEqual(hashes.slice(12).sort());
    expect(Array.from(ofB.get(hashes[12] as string) ?? [])).toEqual(Array.from(b.vectors.slice(0, DIM)));

    // A rename: the new path reuses the old vectors without embedding, the old path goes.
    const reused = new Float32Array(12 * DIM);
    for (const [i, c] of a.rows[0]!.chunks.entries())
      reused.set(found.get(c.contentHash) as Float32Array, i * DIM);
    const moved = batchFor([{ path: '/notes/renamed.md', texts: texts.slice(0, 12) }], 0, reused);
    await table.replaceFiles(['/notes/renamed.md'], moved.batch);
    await table.replaceFiles(['/notes/a.md'], null);
    const again = await table.vectorsByContentHash(hashes.slice(0, 12));
    expect(again.size).toBe(12);
    expect(await rowsOf('/notes/a.md')).toEqual([]);
  });

  it('finds rows by full text that were written after the index was last updated', async () => {
    await table.replaceFiles(
      ['/notes/old.md'],
      batchFor([{ path: '/notes/old.md', texts: ['installing postgres'] }], 1).batch,
    );
    await table.optimize();
    const textIndex = async () => (await table.stats()).indexes.find((i) => i.type === 'FTS');
    expect((await textIndex())?.unindexedRows).toBe(0);

    await table.replaceFiles(
      ['/notes/new.md'],
      batchFor([{ path: '/notes/new.md', texts: ['The installation of Postgres on a café server'] }], 2)
        .batch,
    );
    expect((await textIndex())?.unindexedRows).toBe(1);
    const hits = await table.search({ query: 'install postgres cafe', k: 5, mode: 'text' });
    expect(hits.map((h) => h.path).sort()).toEqual(['/notes/new.md', '/notes/old.md']);
    expect(hits.every((h) => h.score > 0)).toBe(true);

    // Replaced text in an indexed fragment must not be found any more.
    await table.replaceFiles(
      ['/notes/old.md'],
      batchFor([{ path: '/notes/old.md', texts: ['gardening'] }], 3).batch,
    );
    const after = await table.search({ query: 'postgres', k: 5, mode: 'text' });
    expect(after.map((h) => h.path)).toEqual(['/notes/new.md']);
  });

  it('rebuildTextIndex folds new rows into the full-text index without compacting the table', async () => {
    const words = 'ferry harbour timetable morning boat crossing island port ticket captain'.split(' ');
    const long = (seed: number) =>
      Array.from({ length: 120 }, (_, i) => words[(i * 7 + seed) % words.length]).join(' ');
    const files = Array.from({ length: 6 }, (_, i) => ({
      path: `/notes/n${i}.md`,
      texts: [`note ${i} ${long(i)}`],
    }));
    await table.replaceFiles(
      files.map((f) => f.path),
      batchFor(files, 1).batch,
    );
    await table.optimize();
    await table.replaceFiles(
      ['/notes/trip.md'],
      batchFor([{ path: '/notes/trip.md', texts: [long(3)] }], 2).batch,
    );
    const before = await table.stats();
    expect(before.indexes.find((i) => i.type === 'FTS')?.unindexedRows).toBe(1);

    await table.rebuildTextIndex();
    const after = await table.stats();
    expect(after.indexes.find((i) => i.type === 'FTS')?.unindexedRows).toBe(0);
    expect(after.fragments).toBe(before.fragments);
    const hits = await table.search({ query: 'ferry timetable', k: 10, mode: 'text' });
    expect(hits.map((h) => h.path)).toContain('/notes/trip.md');
  });

  it('treats query text as words, not query syntax', async () => {
    await table.replaceFiles(
      ['/notes/q.md'],
      batchFor([{ path: '/notes/q.md', texts: ['call foo(bar) AND baz'] }], 1).batch,
    );
    const hits = await table.search({ query: '"foo(bar": AND OR -baz*', k: 3, mode: 'text' });
    expect(hits.map((h) => h.path)).toEqual(['/notes/q.md']);
    expect(await table.search({ query: '   ', k: 3, mode: 'text' })).toEqual([]);
  });

  it('ranks an identical vector first with cosine score ≈ 1 and fills hits from the row', async () => {
    const files = Array.from({ length: 30 }, (_, i) => ({
      path: `${ROOT}/f${i}.md`,
      texts: [`text of ${i}`],
      headings: [[`H${i}`, 'Sub > part']],
      mtimeMs: 1_700_000_000_000 + i,
    }));
    const { batch, vectors } = batchFor(files, 42);
    await table.replaceFiles(
      files.map((f) => f.path),
      batch,
    );
    const query = vectors.slice(17 * DIM, 18 * DIM);
    const hits = await table.search({ query: '', vector: query, k: 5, mode: 'vector' });
    expect(hits).toHaveLength(5);
    expect(hits[0]).toMatchObject({
      path: `${ROOT}/f17.md`,
      root: ROOT,
      engine: 'md',
      text: 'text of 17',
      headingPath: ['H17', 'Sub > part'],
      startLine: 1,
      endLine: 9,
      mtimeMs: 1_700_000_000_017,
      metadata: { index: 0, tags: ['t'] },
    });
    expect(hits[0]?.score).toBeCloseTo(1, 5);
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
  });

  it('fuses text-only and vector-only matches in hybrid mode', async () => {
    // More rows than the candidate pool (50), so a leg really can miss a row.
    const files = Array.from({ length: 80 }, (_, i) => ({
      path: `${ROOT}/n${i}.md`,
      texts: [`ordinary note ${i}`],
    }));
    files.push({ path: `${ROOT}/zebra.md`, texts: ['the zebra crossing'] });
    const flat = unitVectors(81, DIM, 7);
    const query = flat.slice(3 * DIM, 4 * DIM);
    // zebra.md points away from the query: last by vector, first (and only) by text.
    flat.set(
      query.map((v) => -v),
      80 * DIM,
    );
    await table.replaceFiles(
      files.map((f) => f.path),
      batchFor(files, 0, flat).batch,
    );
    const hits = await table.search({ query: 'zebra', vector: query, k: 2, mode: 'hybrid' });
    expect(hits.map((h) => h.path).sort()).toEqual([`${ROOT}/n3.md`, `${ROOT}/zebra.md`]);
    // Each is first (normalised 1) in the only leg that found it, and the legs weigh the same.
    for (const hit of hits) expect(hit.score).toBeCloseTo(0.5, 12);

    const vectorOnly = await table.search({ query: 'zebra', vector: query, k: 50, mode: 'vector' });
    expect(vectorOnly.map((h) => h.path)).not.toContain(`${ROOT}/zebra.md`);
    const textOnly = await table.search({ query: 'zebra', k: 50, mode: 'text' });
    expect(textOnly.map((h) => h.path)).toEqual([`${ROOT}/zebra.md`]);
  });

  it('pushes the path glob and --after filters down, so excluded rows that rank higher do not crowd out k', async () => {
    const query = unitVectors(1, DIM, 99);
    const files = [];
    const vectors: Float32Array[] = [];
    const far = unitVectors(20, DIM, 5);
    for (let i = 0; i < 20; i++) {
      // Archive and old files carry the query vector itself and the query word many times.
      files.push({ path: `${ROOT}/archive/a${i}.md`, texts: ['kiwi kiwi kiwi'], mtimeMs: 1_000 });
      vectors.push(query);
      files.push({
        path: `${ROOT}/journal/j${i}.md`,
        texts: [`kiwi once and other words ${i}`],
        mtimeMs: 5_000 + i,
      });
      vectors.push(far.slice(i * DIM, (i + 1) * DIM));
    }
    const flat = new Float32Array(vectors.length * DIM);
    for (const [i, v] of vectors.entries()) flat.set(v, i * DIM);
    await table.replaceFiles(
      files.map((f) => f.path),
      batchFor(files, 0, flat).batch,
    );

    // Unindexed (flat) rows first, then the same rows behind the FTS and scalar indexes.
    for (const mode of ['vector', 'text', 'hybrid', 'optimize', 'vector', 'text', 'hybrid'] as const) {
      if (mode === 'optimize') {
        await table.optimize();
        continue;
      }
      const byGlob = await table.search({
        query: 'kiwi',
        vector: query,
        k: 10,
        mode,
        filter: { pathGlob: 'journal/**' },
      });
      expect(byGlob, mode).toHaveLength(10);
      expect(
        byGlob.every((h) => h.path.startsWith(`${ROOT}/journal/`)),
        mode,
      ).toBe(true);

      const byTime = await table.search({
        query: 'kiwi',
        vector: query,
        k: 10,
        mode,
        filter: { afterMs: 5_010 },
      });
      expect(byTime, mode).toHaveLength(10);
      expect(
        byTime.every((h) => h.mtimeMs >= 5_010),
        mode,
      ).toBe(true);

      const absolute = await table.search({
        query: 'kiwi',
        vector: query,
        k: 50,
        mode,
        filter: { pathGlob: `${ROOT}/journal/j1*.md`, afterMs: 5_015 },
      });
      expect(absolute.map((h) => h.path).sort(), mode).toEqual(
        [15, 16, 17, 18, 19].map((i) => `${ROOT}/journal/j${i}.md`),
      );
    }
  });

  it('matches globs in LanceDB exactly as documented', async () => {
    const rels = [
      'a.md',
      'docs/b.md',
      'docs/deep/c.md',
      'other/docs/d.md',
      'c++ (draft).md',
      '100%_done.md',
      '100x_done.md',
      'abc.txt',
      'naïve ☃/e.md',
      "it's.md",
      'Notes/README.md',
    ];
    const files = rels.map((r, i) => ({ path: `${ROOT}/${r}`, texts: [`t${i}`] }));
    await table.replaceFiles(
      files.map((f) => f.path),
      batchFor(files, 3).batch,
    );
    const glob = async (pathGlob: string) =>
      (
        await table.search({
          query: '',
          vector: unitVectors(1, DIM, 1),
          k: 100,
          mode: 'vector',
          filter: { pathGlob },
        })
      )
        .map((h) => h.path.slice(ROOT.length + 1))
        .sort();
    expect(await glob('*.md')).toEqual(rels.filter((r) => r.endsWith('.md')).sort());
    expect(await glob('docs')).toEqual(['docs/b.md', 'docs/deep/c.md', 'other/docs/d.md']);
    expect(await glob('docs/*.md')).toEqual(['docs/b.md']);
    expect(await glob('docs/**/*.md')).toEqual(['docs/b.md', 'docs/deep/c.md']);
    expect(await glob('c++ (draft).md')).toEqual(['c++ (draft).md']);
    expect(await glob('100%_*')).toEqual(['100%_done.md']);
    expect(await glob('a?c.*')).toEqual(['abc.txt']);
    expect(await glob('{a,abc}.{md,txt}')).toEqual(['a.md', 'abc.txt']);
    expect(await glob('naïve ☃/*')).toEqual(['naïve ☃/e.md']);
    expect(await glob("it's.md")).toEqual(["it's.md"]);
    expect(await glob(`${ROOT}/docs/**`)).toEqual(['docs/b.md', 'docs/deep/c.md']);
    // A segment without a capital letter: any case; one with a capital letter: case as typed.
    expect(await glob('notes/readme.md')).toEqual(['Notes/README.md']);
    expect(await glob('readme.*')).toEqual(['Notes/README.md']);
    expect(await glob('Notes/readme.md')).toEqual(['Notes/README.md']);
    expect(await glob('NOTES/readme.md')).toEqual([]);
    expect(await glob('notes/Readme.md')).toEqual([]);
    expect(await glob(`${ROOT}/notes/*.md`)).toEqual(['Notes/README.md']);
  });

  it('refuses malformed searches with stable codes', async () => {
    await expect(table.search({ query: 'x', k: 3, mode: 'hybrid' })).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    await expect(
      table.search({ query: 'x', vector: new Float32Array(3), k: 3, mode: 'vector' }),
    ).rejects.toMatchObject({ code: 'E_SCHEMA' });
    await expect(table.search({ query: 'x', k: 0, mode: 'text' })).rejects.toBeInstanceOf(RagError);
  });

  it('optimize compacts fragments, prunes old versions and keeps every row', async () => {
    const short = await openStore(dir, { keepVersionsMs: 0 });
    try {
      const { table: t } = await short.openChunkTable(SPEC);
      for (let i = 0; i < 12; i++) {
        const path = `${ROOT}/o${i}.md`;
        await t.replaceFiles([path], batchFor([{ path, texts: [`o ${i}`, `p ${i}`] }], i).batch);
      }
      const before = await t.stats();
      expect(before.fragments).toBeGreaterThanOrEqual(12);
      await t.optimize();
      const after = await t.stats();
      expect(after.rows).toBe(24);
      expect(after.fragments).toBeLessThan(before.fragments);
      expect(after.versions).toBeLessThan(before.versions);
      expect(after.indexes.every((i) => i.unindexedRows === 0)).toBe(true);
      expect((await t.search({ query: 'o', k: 30, mode: 'text' })).length).toBe(12);
    } finally {
      await short.close();
    }
  });

  it('stats stay readable while optimizes delete old versions (status under steady saves)', async () => {
    // LanceDB's listVersions() read every manifest it had listed and failed on one a concurrent
    // cleanup deleted: the daemon's `status` returned E_STORE during a soak of saves.
    // Versions live 300 ms: longer than a stats read, so a read's own version is never pruned
    // under it (in use, versions live a minute), short enough that many are pruned meanwhile.
    const short = await openStore(dir, { keepVersionsMs: 300 });
    try {
      const { table: t } = await short.openChunkTable(SPEC);
      let writing = true;
      const writer = (async () => {
        for (let i = 0; i < 90; i++) {
          const path = `${ROOT}/w${i % 5}.md`;
          await t.replaceFiles([path], batchFor([{ path, texts: [`w ${i}`, `x ${i}`] }], i + 1).batch);
          if (i % 3 === 2) await t.optimize();
        }
      })().finally(() => {
        writing = false;
      });
      const failures: string[] = [];
      let reads = 0;
      while (writing) {
        await t.stats().then(
          () => reads++,
          (err: Error) => failures.push(err.message),
        );
      }
      await writer;
      expect(failures.slice(0, 2)).toEqual([]);
      expect(reads).toBeGreaterThan(20);
      expect((await t.stats()).versions).toBeGreaterThan(0);
    } finally {
      await short.close();
    }
  });

  it('is unusable after close, and close is idempotent', async () => {
    await Promise.all([table.close(), table.close()]);
    await expect(table.countRows()).rejects.toMatchObject({ code: 'E_STORE' });
    expect(() => documentMapper.toRecordBatch(mapped([]), new Float32Array(0), DIM)).not.toThrow();
  });
});
