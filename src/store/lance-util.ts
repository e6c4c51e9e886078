import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from '@lancedb/lancedb';
import type { Schema } from 'apache-arrow';
import { sameType } from '../engines/arrow.js';
import { errnoCode, errorMessage, isRagError, RagError } from '../errors.js';
import type { TableStats } from './types.js';

/**
 * Runs one LanceDB call; anything LanceDB throws becomes `E_STORE` naming the table and
 * its folder (`what`), with the original as `cause`. Our own RagErrors pass through.
 */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isRagError(err)) throw err;
    throw new RagError('E_STORE', `${what}: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * Serialises the writes of one table handle. LanceDB resolves concurrent commits by retrying
 * (and gives up after a timeout); queueing them here makes a compaction never race a
 * replace, and keeps the commit order the order the pipeline asked for.
 */
export class WriteLock {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(() => fn());
    // The queue goes on after a failed write; the caller still gets the rejection.
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every write queued so far has settled. */
  async drain(): Promise<void> {
    await this.#tail;
  }
}

export async function readStats(table: Table, name: string, dir: string): Promise<TableStats> {
  const [stats, version, versions, indexes] = await Promise.all([
    table.stats(),
    table.version(),
    countVersions(dir, name),
    table.listIndices(),
  ]);
  return {
    name,
    rows: stats.numRows,
    version,
    versions,
    fragments: stats.fragmentStats.numFragments,
    smallFragments: stats.fragmentStats.numSmallFragments,
    dataBytes: stats.totalBytes,
    // listIndices carries the counts; indexStats would also load a vector index's centroids.
    indexes: indexes.map((index) => ({
      name: index.name,
      type: index.indexType,
      unindexedRows: index.numUnindexedRows ?? 0,
    })),
  };
}

/**
 * Versions kept on disk: the manifests in `<table>.lance/_versions`. Not `listVersions()`: it
 * lists the folder and then reads every manifest, so a cleanup running meanwhile (an optimize
 * of the same table) makes it fail on one it just deleted — `status` did, under steady saves —
 * and it costs a read per version.
 */
async function countVersions(dir: string, name: string): Promise<number> {
  try {
    return (await readdir(join(dir, `${name}.lance`, '_versions'))).filter((f) => f.endsWith('.manifest'))
      .length;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return 0;
    throw err;
  }
}

/**
 * Why `actual` (read from disk) cannot hold batches of `expected`, or undefined when it
 * can: same field names, in the same order, of the same types.
 */
export function schemaDifference(expected: Schema, actual: Schema): string | undefined {
  const want = expected.fields.map((f) => `${f.name}: ${f.type}`);
  const have = actual.fields.map((f) => `${f.name}: ${f.type}`);
  if (want.length !== have.length) {
    return `columns differ: expected [${want.join(', ')}], found [${have.join(', ')}]`;
  }
  for (let i = 0; i < expected.fields.length; i++) {
    const w = expected.fields[i];
    const h = actual.fields[i];
    if (!w || !h || w.name !== h.name || !sameType(w.type, h.type)) {
      return `column ${i + 1} differs: expected ${want[i]}, found ${have[i]}`;
    }
  }
  return undefined;
}

/**
 * Calls `each` with every value of one column, batch by batch as LanceDB streams them: scans
 * that need one column of many rows (paths, counts) never hold whole records.
 */
export async function forEachValue(
  batches: AsyncIterable<{ numRows: number; getChild(name: string): { get(i: number): unknown } | null }>,
  column: string,
  each: (value: unknown) => void,
): Promise<void> {
  for await (const batch of batches) {
    const values = batch.getChild(column);
    for (let i = 0; i < batch.numRows; i++) each(values?.get(i));
  }
}
