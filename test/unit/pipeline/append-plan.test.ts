import { describe, expect, it } from 'vitest';
import { planAppend } from '../../../src/pipeline/append.js';
import type { AppendState, FileRecord } from '../../../src/store/types.js';

const SIGNATURE = 'model|sql 3';

const record = (over: Partial<FileRecord>): FileRecord => ({
  path: '/logs/pg.log.2.gz',
  root: '/logs',
  engine: 'sql',
  size: 100,
  mtimeMs: 1,
  fileHash: 'h',
  chunkCount: 3,
  status: 'indexed',
  reason: '',
  indexedAt: 1,
  modelId: SIGNATURE,
  ...over,
});

const state = (over: Partial<AppendState>): AppendState => ({
  offset: 100,
  end: 100,
  headBytes: 10,
  headHash: 'x',
  lastFrom: 0,
  lastTo: 0,
  lastHash: '',
  withheld: false,
  appendable: true,
  resume: null,
  ...over,
});

/** Why a file is read from its start, as the daemon's log says it: these plans read nothing from disk. */
describe('planAppend: a fresh read says why', () => {
  const plan = (r: FileRecord | undefined) => planAppend('/logs/pg.log.2.gz', r, 100, SIGNATURE, true);

  it('names a new file, one skipped before and why, and one of another model or chunker', async () => {
    expect(await plan(undefined)).toEqual({ kind: 'fresh', reason: 'new file' });
    const cut = 'not a whole gzip file (unexpected end of file): cut short';
    expect(await plan(record({ status: 'skipped', reason: cut }))).toEqual({
      kind: 'fresh',
      reason: `skipped before (${cut})`,
    });
    expect(await plan(record({ modelId: 'model|sql 2', append: state({}) }))).toEqual({
      kind: 'fresh',
      reason: 'indexed by another model or chunker version',
    });
  });

  it('reads a file that is not appended to (a compressed log, a .sql file) whole, and says so', async () => {
    expect(await plan(record({ append: state({ appendable: false }) }))).toEqual({
      kind: 'fresh',
      reason: 'read whole each time it changes',
    });
  });
});
