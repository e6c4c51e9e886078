import { connect, type Table } from '@lancedb/lancedb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { documentMapper } from '../../../src/engines/document-mapper.js';
import { silentLogger } from '../../../src/log.js';
import { MAX_REMEMBERED, VectorReuse } from '../../../src/pipeline/vector-reuse.js';
import type { LanceStore } from '../../../src/store/lance-store.js';
import { LanceChunkTable, PATHS_PER_STATEMENT } from '../../../src/store/lance-table.js';
import { DEFAULT_TUNING, FTS_OPTIONS } from '../../../src/store/tuning.js';
import type { ChunkTable } from '../../../src/store/types.js';
import { sqlString } from '../../../src/store/where.js';
import { batchFor, DIM, type FileSpec, MODEL, openStore, SPEC, tempDir } from './fixtures.js';

/** Builder methods whose result is another builder (recorded too); anything else is returned as is. */
const BUILDERS = new Set([
  'mergeInsert',
  'query',
  'where',
  'select',
  'limit',
  'whenMatchedUpdateAll',
  'whenNotMatchedInsertAll',
  'whenNotMatchedBySourceDelete',
]);

/**
 * A real LanceDB table (or builder) whose `where` strings are written down as they pass: the
 * delete predicate, a merge-insert's "delete by source" predicate, a query's filter. Everything
 * runs on the real table; this only watches.
 */
function recording<T extends object>(target: T, wheres: string[]): T {
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop === 'delete' || prop === 'where') wheres.push(String(args[0]));
        if (prop === 'whenNotMatchedBySourceDelete')
          wheres.push(String((args[0] as { where?: string }).where));
        const result = (value as (...a: unknown[]) => unknown).apply(t, args);
        return typeof prop === 'string' && BUILDERS.has(prop) ? recording(result as object, wheres) : result;
      };
    },
  });
}

const pathOf = (i: number) => `/notes/mass/folder-${Math.floor(i / 1000)}/note-${i}.md`;
/** The longest a `path IN (…)` of PATHS_PER_STATEMENT of our paths can be. */
const LONGEST_WHERE = `path IN ()`.length + PATHS_PER_STATEMENT * (sqlString(pathOf(99_999)).length + 2);

describe('mass deletes: statements and memory do not grow with the number of files', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: LanceStore;
  let raw: Table;
  let closeRaw: () => void;
  let table: LanceChunkTable;
  let wheres: string[];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    store = await openStore(dir);
    await store.openChunkTable(SPEC); // Creates the table and its indexes.
    const db = await connect(dir, { readConsistencyInterval: 0 });
    raw = await db.openTable('chunks_md');
    closeRaw = () => {
      raw.close();
      db.close();
    };
    wheres = [];
    table = new LanceChunkTable({
      table: recording(raw, wheres),
      dir,
      modelId: MODEL,
      dimension: DIM,
      schema: documentMapper.schema(DIM),
      textIndex: FTS_OPTIONS,
      tuning: DEFAULT_TUNING,
      logger: silentLogger(),
    });
  });
  afterEach(async () => {
    await table.close();
    closeRaw();
    await store.close();
    await cleanup();
  });

  /** Writes `count` files of `chunks` distinct chunks each, starting at file `from`. */
  async function write(from: number, count: number, chunks: number): Promise<void> {
    const files: FileSpec[] = Array.from({ length: count }, (_, k) => ({
      path: pathOf(from + k),
      texts: Array.from({ length: chunks }, (_, c) => `file ${from + k} chunk ${c}`),
    }));
    await table.replaceFiles(
      files.map((f) => f.path),
      batchFor(files, from + 1).batch,
    );
  }

  const pathsInTable = async () =>
    new Set((await raw.query().select(['path']).toArray()).map((r) => r.path as string));

  it('deleting 50,000 files: no statement names more than PATHS_PER_STATEMENT of them, and exactly they go', async () => {
    await write(0, 1_200, 1);
    await write(60_000, 3, 2); // Not deleted.
    wheres.length = 0;

    const paths = Array.from({ length: 50_000 }, (_, i) => pathOf(i));
    await table.replaceFiles(paths, null);

    expect(wheres.length).toBe(Math.ceil(50_000 / PATHS_PER_STATEMENT));
    for (const where of wheres) {
      expect(where.startsWith('path IN (')).toBe(true);
      expect(where.length).toBeLessThanOrEqual(LONGEST_WHERE);
    }
    expect(await pathsInTable()).toEqual(new Set([pathOf(60_000), pathOf(60_001), pathOf(60_002)]));
    expect(await table.countRows()).toBe(6);
  });

  it('a replace of more files than one statement takes is split between files; each file is replaced whole', async () => {
    await write(0, 1_500, 2);
    wheres.length = 0;
    // 1,200 files get new rows (3 each), 300 have none any more: 1,500 paths in one call.
    const files: FileSpec[] = Array.from({ length: 1_200 }, (_, i) => ({
      path: pathOf(i),
      texts: ['new a', 'new b', `new ${i}`],
    }));
    const paths = Array.from({ length: 1_500 }, (_, i) => pathOf(i));
    await table.replaceFiles(paths, batchFor(files, 7).batch);

    expect(wheres.length).toBe(Math.ceil(1_200 / PATHS_PER_STATEMENT) + Math.ceil(300 / PATHS_PER_STATEMENT));
    for (const where of wheres) expect(where.length).toBeLessThanOrEqual(LONGEST_WHERE);
    const rows = await raw.query().select(['path', 'text']).toArray();
    expect(rows.length).toBe(1_200 * 3);
    const byPath = new Map<string, string[]>();
    for (const r of rows)
      byPath.set(r.path as string, [...(byPath.get(r.path as string) ?? []), r.text as string]);
    expect(byPath.size).toBe(1_200);
    expect(byPath.get(pathOf(777))?.sort()).toEqual(['new 777', 'new a', 'new b']);
    expect(byPath.has(pathOf(1_300))).toBe(false);
  });

  it('refuses a split batch whose rows of one file are not adjacent (the file would span two commits)', async () => {
    const files: FileSpec[] = Array.from({ length: PATHS_PER_STATEMENT + 1 }, (_, i) => ({
      path: pathOf(i),
      texts: [`t ${i}`],
    }));
    files.push({ path: pathOf(0), texts: ['again'] }); // pathOf(0)'s rows: first and last.
    const err = await table
      .replaceFiles(
        files.map((f) => f.path),
        batchFor(files, 3).batch,
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_SCHEMA' });
    expect(await table.countRows()).toBe(0);
  });

  it('remembering a mass delete reads at most MAX_REMEMBERED vectors, however many the files hold', async () => {
    const files = 3_000;
    const perFile = 10; // 30,000 distinct vectors, more than the cap.
    for (let from = 0; from < files; from += 1_000) await write(from, 1_000, perFile);
    let read = 0;
    // The seam the indexer passes: the real table, with what it hands over counted.
    const counted: ChunkTable = Object.assign(Object.create(table) as ChunkTable, {
      name: table.name,
      vectorsForPaths: async (paths: readonly string[], max?: number) => {
        const found = await table.vectorsForPaths(paths, max);
        read += found.size;
        return found;
      },
    });
    const reuse = new VectorReuse();
    const paths = Array.from({ length: files }, (_, i) => pathOf(i));
    await reuse.rememberDeleted(counted, paths);
    await table.replaceFiles(paths, null);

    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThanOrEqual(MAX_REMEMBERED);
    // What it kept serves a rename of the first files after their rows are gone.
    const first = Array.from({ length: perFile }, (_, c) => `file 0 chunk ${c}`);
    const hashes = batchFor([{ path: '/x.md', texts: first }], 1).rows[0]!.chunks.map((c) => c.contentHash);
    expect((await reuse.lookup(table, hashes)).size).toBe(perFile);
  });
});
