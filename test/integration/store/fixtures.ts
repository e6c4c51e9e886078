import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { documentMapper } from '../../../src/engines/document-mapper.js';
import type { Chunk, FileFacts, MappedFile } from '../../../src/engines/types.js';
import { silentLogger } from '../../../src/log.js';
import { type ChunkTableSpec, LanceStore, type LanceStoreOptions } from '../../../src/store/lance-store.js';
import type { LanceChunkTable } from '../../../src/store/lance-table.js';
import type { StoreTuning } from '../../../src/store/tuning.js';

export const DIM = 16;
export const MODEL = 'test/pseudo-random-16';
export const ROOT = '/notes';

/** A fresh temp folder; `cleanup` removes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ragctl-store-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Deterministic unit vectors: the store is under test, not the embedder. */
export function unitVectors(count: number, dimension: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const next = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(count * dimension);
  for (let r = 0; r < count; r++) {
    let norm = 0;
    for (let d = 0; d < dimension; d++) {
      const v = next() * 2 - 1;
      out[r * dimension + d] = v;
      norm += v * v;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let d = 0; d < dimension; d++) out[r * dimension + d] = (out[r * dimension + d] as number) * scale;
  }
  return out;
}

export function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

export interface FileSpec {
  path: string;
  texts: string[];
  mtimeMs?: number;
  headings?: string[][];
  root?: string;
}

/** Rows for the document mapper: chunk ids derived from path and position, as a chunker does. */
export function mapped(files: readonly FileSpec[]): MappedFile[] {
  return files.map((f) => {
    const facts: FileFacts = {
      path: f.path,
      root: f.root ?? ROOT,
      engine: 'md',
      fileHash: sha(f.texts.join('\n')),
      size: f.texts.join('\n').length,
      mtimeMs: f.mtimeMs ?? 1_700_000_000_000,
      indexedAt: 1_700_000_100_000,
      modelId: MODEL,
    };
    const chunks: Chunk[] = f.texts.map((text, i) => ({
      id: sha(`${f.path}#${i}#${text}`),
      text,
      contentHash: sha(text),
      startLine: i * 10 + 1,
      endLine: i * 10 + 9,
      headingPath: f.headings?.[i] ?? ['Title', `Section ${i}`],
      metadata: { index: i, tags: ['t'] },
    }));
    return { file: facts, chunks };
  });
}

export function chunkCount(rows: readonly MappedFile[]): number {
  return rows.reduce((n, r) => n + r.chunks.length, 0);
}

/** A batch for these files with vectors from `seed` (or the given vectors). */
export function batchFor(files: readonly FileSpec[], seed: number, vectors?: Float32Array) {
  const rows = mapped(files);
  const flat = vectors ?? unitVectors(chunkCount(rows), DIM, seed);
  return { rows, vectors: flat, batch: documentMapper.toRecordBatch(rows, flat, DIM) };
}

export const SPEC: ChunkTableSpec = { engine: 'md', mapper: documentMapper, modelId: MODEL, dimension: DIM };

export async function openStore(
  dir: string,
  tuning: Partial<StoreTuning> = {},
  extra: Partial<LanceStoreOptions> = {},
): Promise<LanceStore> {
  return LanceStore.open({ dir, logger: silentLogger(), tuning, ...extra });
}

/**
 * A real LanceDB table in a temp folder holding `files` (vectors from `seed`) for the tests of
 * the describe block that calls this: made before them, removed after. The getter gives it.
 */
export function useTableOf(files: readonly FileSpec[], seed: number): () => LanceChunkTable {
  let cleanup: () => Promise<void>;
  let store: LanceStore;
  let table: LanceChunkTable;
  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    store = await openStore(dir);
    ({ table } = await store.openChunkTable(SPEC));
    await table.replaceFiles(
      files.map((f) => f.path),
      batchFor(files, seed).batch,
    );
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });
  return () => table;
}
