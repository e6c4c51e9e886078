import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { CountingEmbedder } from '../../helpers/counting-embedder.js';
import {
  countByPath,
  inconsistencies,
  paragraph,
  readChunks,
  recordsOf,
  type Workspace,
} from '../../helpers/index-workspace.js';
import { usePipeline } from '../../helpers/pipeline.js';

const DOC = `# Trip\n\n## Packing\n\n${paragraph('packing')}\n\n## Route\n\n${paragraph('route')}\n`;

describe('Indexer: renames cost no embedding, deletes leave nothing behind', () => {
  const pipeline = usePipeline();
  let ws: Workspace;
  let counter: CountingEmbedder;

  /** A fresh index holding `trip.md` (two chunks) and `other.md` (one). */
  async function indexed(): Promise<{ a: App; old: string; other: string }> {
    let a: App;
    ({ ws, counter, app: a } = await pipeline.start('rename'));
    const old = await ws.write('trips/trip.md', DOC);
    const other = await ws.write('other.md', `# Other\n\n${paragraph('other')}\n`);
    const first = await a.indexer.reconcile();
    expect(first).toMatchObject({ filesAdded: 2, chunksEmbedded: 3 });
    counter.reset();
    return { a, old, other };
  }

  async function move(from: string, to: string): Promise<void> {
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
  }

  /** After a rename: the new path holds the old path's chunks, once; the old path is gone everywhere. */
  async function expectMoved(a: App, from: string, to: string, hashes: Set<string>): Promise<void> {
    const rows = await readChunks(a.config);
    const counts = countByPath(rows);
    expect(counts.get(from)).toBeUndefined();
    expect(counts.get(to)).toBe(2);
    expect(new Set(rows.filter((r) => r.path === to).map((r) => r.contentHash))).toEqual(hashes);
    const records = await recordsOf(a);
    expect(records.has(from)).toBe(false);
    expect(records.get(to)).toMatchObject({ status: 'indexed', chunkCount: 2 });
    expect(counter.indexed).toEqual([]);
    expect(await inconsistencies(a)).toEqual([]);
  }

  async function hashesOf(a: App, path: string): Promise<Set<string>> {
    return new Set((await readChunks(a.config)).filter((r) => r.path === path).map((r) => r.contentHash));
  }

  it('a rename found by reconcile embeds nothing: the new path reuses the old rows, then the old path goes', async () => {
    const { a, old } = await indexed();
    const hashes = await hashesOf(a, old);
    const to = ws.path('archive/2024/trip-renamed.md');
    await move(old, to);
    const summary = await a.indexer.reconcile();
    expect(summary).toMatchObject({
      filesAdded: 1,
      filesDeleted: 1,
      filesUnchanged: 1,
      chunksEmbedded: 0,
      chunksReused: 2,
    });
    await expectMoved(a, old, to, hashes);
  });

  for (const order of ['old first', 'new first'] as const) {
    it(`a rename handed to syncPaths as one batch (${order}) embeds nothing`, async () => {
      const { a, old } = await indexed();
      const hashes = await hashesOf(a, old);
      const to = ws.path('renamed.md');
      await move(old, to);
      const summary = await a.indexer.syncPaths(order === 'old first' ? [old, to] : [to, old]);
      expect(summary).toMatchObject({ filesAdded: 1, filesDeleted: 1, chunksEmbedded: 0, chunksReused: 2 });
      await expectMoved(a, old, to, hashes);
    });
  }

  it('a rename seen as two events, delete first, reuses the deleted vectors from memory', async () => {
    const { a, old } = await indexed();
    const hashes = await hashesOf(a, old);
    const before = new Map((await readChunks(a.config)).map((r) => [r.contentHash, r.vector]));
    const to = ws.path('renamed.md');
    await move(old, to);

    const deleted = await a.indexer.syncPaths([old]);
    expect(deleted).toMatchObject({ filesDeleted: 1, chunksEmbedded: 0 });
    // The table no longer holds these chunks anywhere: only the recently-deleted cache does.
    const between = await readChunks(a.config);
    expect(between.filter((r) => hashes.has(r.contentHash))).toEqual([]);

    const added = await a.indexer.syncPaths([to]);
    expect(added).toMatchObject({ filesAdded: 1, chunksEmbedded: 0, chunksReused: 2 });
    await expectMoved(a, old, to, hashes);
    for (const r of await readChunks(a.config))
      if (r.path === to) expect(r.vector).toEqual(before.get(r.contentHash));
  });

  it('a rename seen as two events, add first, reuses the rows still stored under the old path', async () => {
    const { a, old } = await indexed();
    const hashes = await hashesOf(a, old);
    const to = ws.path('renamed.md');
    await move(old, to);
    expect(await a.indexer.syncPaths([to])).toMatchObject({ filesAdded: 1, chunksEmbedded: 0 });
    expect(await a.indexer.syncPaths([old])).toMatchObject({ filesDeleted: 1, chunksEmbedded: 0 });
    await expectMoved(a, old, to, hashes);
  });

  it('a renamed folder, handed to syncPaths as the old file paths and the new folder, moves without embedding', async () => {
    // What a watcher reports for `mv trips journeys`: an unlink per known file, and the new folder.
    const { a, old } = await indexed();
    const hashes = await hashesOf(a, old);
    const toDir = ws.path('journeys');
    await move(ws.path('trips'), toDir);
    const summary = await a.indexer.syncPaths([old, toDir]);
    expect(summary).toMatchObject({ filesAdded: 1, filesDeleted: 1, chunksEmbedded: 0, chunksReused: 2 });
    await expectMoved(a, old, ws.path('journeys/trip.md'), hashes);
  });

  it('a folder named to syncPaths is reconciled as a whole: new, changed and deleted files inside it', async () => {
    const { a, old, other } = await indexed();
    const added = await ws.write('trips/new.md', `# New\n\n${paragraph('new trip')}\n`);
    const deleted = await ws.write('trips/gone.md', `# Gone\n\n${paragraph('gone trip')}\n`);
    await a.indexer.syncPaths([deleted]);
    await rm(deleted);
    await ws.write('trips/trip.md', DOC.replace('## Route', '## The route'));
    await ws.write('other.md', `# Other\n\n${paragraph('changed, but outside the folder')}\n`);
    counter.reset();

    const summary = await a.indexer.syncPaths([ws.path('trips')]);
    expect(summary).toMatchObject({ filesSeen: 2, filesAdded: 1, filesChanged: 1, filesDeleted: 1 });
    const counts = countByPath(await readChunks(a.config));
    expect(counts.get(added)).toBe(1);
    expect(counts.has(deleted)).toBe(false);
    expect(counts.get(old)).toBe(2);
    // Outside the folder nothing was looked at: other.md still has its old text.
    expect((await readChunks(a.config)).find((r) => r.path === other)?.text).toContain('other note');
    expect(await inconsistencies(a)).toEqual([]);
  });

  it('a deleted file loses its rows and its record, found by reconcile or named to syncPaths', async () => {
    const { a, old, other } = await indexed();
    await rm(old);
    expect(await a.indexer.reconcile()).toMatchObject({
      filesDeleted: 1,
      filesUnchanged: 1,
      chunksEmbedded: 0,
    });
    let counts = countByPath(await readChunks(a.config));
    expect(counts.has(old)).toBe(false);
    expect(counts.get(other)).toBe(1);
    expect((await recordsOf(a)).has(old)).toBe(false);

    await rm(other);
    expect(await a.indexer.syncPaths([other])).toMatchObject({ filesDeleted: 1 });
    counts = countByPath(await readChunks(a.config));
    expect(counts.size).toBe(0);
    expect((await recordsOf(a)).size).toBe(0);
    // Naming a path that was never indexed and does not exist is not an error.
    expect(await a.indexer.syncPaths([ws.path('never.md')])).toMatchObject({ filesDeleted: 0, filesSeen: 0 });
  });

  it('rows of a file the index holds no record of (a stop between commit and record) go with the next full walk', async () => {
    const { a, old, other } = await indexed();
    // The state a hard stop leaves when it falls between a file's chunk commit and its record,
    // the file then deleted while nothing ran: rows in the table, no record to find them by.
    await a.store.files.delete([old]);
    await rm(old);
    expect(countByPath(await readChunks(a.config)).get(old)).toBe(2);

    const run = await a.indexer.reconcile();
    expect(run).toMatchObject({ filesDeleted: 1, filesUnchanged: 1, chunksEmbedded: 0 });
    const counts = countByPath(await readChunks(a.config));
    expect(counts.has(old)).toBe(false);
    expect(counts.get(other)).toBe(1);
    expect(await inconsistencies(a)).toEqual([]);
    // Counts agree now: the next walk does not report deletions again.
    expect(await a.indexer.reconcile()).toMatchObject({ filesDeleted: 0, filesUnchanged: 1 });
  });

  it('search no longer finds a deleted file', async () => {
    const { a, old } = await indexed();
    const hit = async () => (await a.search.search({ query: 'what to pack', mode: 'vector', k: 10 })).results;
    expect((await hit()).map((h) => h.path)).toContain(old);
    await rm(old);
    await a.indexer.syncPaths([old]);
    expect((await hit()).map((h) => h.path)).not.toContain(old);
  });
});
