import { createReadStream, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { App } from '../../../../src/app.js';
import { formatSummary } from '../../../../src/cli/commands/index-cmd.js';
import type { Embedder } from '../../../../src/embed/types.js';
import { sqlChunker } from '../../../../src/engines/sql/chunker.js';
import type { AppendCheckpoint, Chunk, ChunkLimits } from '../../../../src/engines/types.js';
import { CountingEmbedder } from '../../../helpers/counting-embedder.js';
import { openApp, readChunks, realEmbedder, recordsOf, Workspace } from '../../../helpers/index-workspace.js';
import { findMariadb, type MariadbWorkload, runMariadbWorkload } from '../../../helpers/mariadb-server.js';
import { findPostgres, type PgWorkload, runPgWorkload } from '../../../helpers/pg-server.js';
import { loadFamilies } from '../../../helpers/sql-families.js';

/**
 * Real servers' own logs through the SQL chunker and the pipeline: the server's messages (start,
 * checkpoints, shutdown, the slow log's banner) and bare transaction control are not indexed but
 * counted per file; every statement is indexed, a failed one with its error.
 */

/** The SQL chunker reads no token limits; the pipeline passes the embedder's. */
const LIMITS: ChunkLimits = {
  maxTokens: 256,
  minTokens: 0,
  tokenizer: { countTokens: (t) => t.length, maxTokens: 256 },
};

/** Lines PostgreSQL writes about itself in every run of the harness (start, checkpoint, stop). */
const PG_SERVER_LINE =
  /database system is (?:ready to accept connections|shut down)|checkpoint (?:starting|complete)|received fast shutdown request|shutting down|starting PostgreSQL/;

const TRANSACTION_TEXT = /^\s*(?:BEGIN|END|COMMIT|ROLLBACK|START TRANSACTION)\b\s*;?\s*(?:\n|$)/i;

async function chunkLog(path: string): Promise<{ chunks: Chunk[]; checkpoint: AppendCheckpoint }> {
  const chunks: Chunk[] = [];
  let checkpoint: AppendCheckpoint | undefined;
  const pieces = sqlChunker.chunkAppend(
    { path, fromOffset: 0, previous: null, bytes: createReadStream(path), final: true },
    LIMITS,
  );
  for await (const piece of pieces) {
    chunks.push(...piece.chunks);
    checkpoint = piece.checkpoint;
  }
  return { chunks, checkpoint: checkpoint! };
}

/** Entries the chunker read from the file's start, indexed or not (its resume data says). */
function entriesRead(checkpoint: AppendCheckpoint): number {
  return (checkpoint.resume as { entries: number }).entries;
}

const sum = (counts: Readonly<Record<string, number>> | undefined) =>
  Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

const pg = findPostgres();
if (pg.reason) console.warn(`left-out.test.ts: the PostgreSQL part is skipped: ${pg.reason}`);

describe.skipIf(pg.reason !== null)(
  'a real PostgreSQL server log: what is indexed and what is counted',
  () => {
    let work: PgWorkload;
    let model: Embedder;
    let ws: Workspace;
    let app: App | undefined;
    const fixture = loadFamilies();

    beforeAll(async () => {
      work = await runPgWorkload(pg.bin!);
      model = realEmbedder();
      ws = await Workspace.create('sql-left-out');
    }, 180_000);
    afterAll(async () => {
      await app?.close();
      await model?.close();
      await work?.cleanup();
      await ws?.cleanup();
    });

    test('stderr, csvlog and jsonlog: statements are chunks; server messages and BEGIN/END are only counted, alike in the three formats', async () => {
      const stderr = readFileSync(work.stderrLog, 'utf8');
      // The harness's server did log these about itself: they must be there to be left out.
      expect(stderr).toMatch(/database system is ready to accept connections/);
      expect(stderr).toMatch(/checkpoint complete/);
      const counts: Readonly<Record<string, number>>[] = [];
      for (const path of [work.stderrLog, work.csvLog, work.jsonLog]) {
        const { chunks, checkpoint } = await chunkLog(path);
        for (const c of chunks) {
          expect(c.text, path).not.toMatch(PG_SERVER_LINE);
          expect(c.text, path).not.toMatch(TRANSACTION_TEXT);
          expect(c.metadata.parse_status, `${path}: ${c.text.slice(0, 200)}`).not.toBe('not-sql');
        }
        // pgbench's transactions: every statement indexed, their BEGIN and END counted instead.
        const updates = chunks.filter((c) => c.text.startsWith('UPDATE pgbench_accounts'));
        expect(updates).toHaveLength(work.pgbench.processed);
        const omitted = checkpoint.omitted ?? {};
        expect(omitted['transaction control']).toBeGreaterThanOrEqual(2 * work.pgbench.processed);
        expect(omitted['server message']).toBeGreaterThanOrEqual(4);
        // Nothing lost without a trace: every entry read is a chunk or counted.
        expect(chunks.length + sum(omitted)).toBe(entriesRead(checkpoint));
        // The failing statement: its ERROR and STATEMENT lines are one chunk, error appended.
        const failed = chunks.filter((c) => c.metadata.error !== null);
        expect(failed.map((c) => c.text.split('\n-- error: ')[0])).toContain(
          `${fixture.failing.postgresql};`,
        );
        counts.push(omitted);
      }
      expect(counts[1]).toEqual(counts[0]);
      expect(counts[2]).toEqual(counts[0]);
    }, 120_000);

    test('log_statement = all + log_duration: each statement once with its duration; its BEGIN/END counted', async () => {
      const { chunks, checkpoint } = await chunkLog(work.statementLog);
      for (const c of chunks) {
        expect(c.text).not.toMatch(PG_SERVER_LINE);
        expect(c.text).not.toMatch(TRANSACTION_TEXT);
        expect(c.metadata.parse_status).not.toBe('not-sql');
      }
      // The harness's second pgbench run: 1 client, 3 transactions.
      expect(chunks.filter((c) => c.text.startsWith('UPDATE pgbench_tellers'))).toHaveLength(3);
      expect(checkpoint.omitted?.['transaction control']).toBeGreaterThanOrEqual(6);
      expect(checkpoint.omitted?.['server message']).toBeGreaterThanOrEqual(4);
      expect(chunks.length + sum(checkpoint.omitted)).toBe(entriesRead(checkpoint));
    }, 60_000);

    test('the pipeline: no server message is searchable, the counts are in the summary, and an index of the previous chunker is read again once', async () => {
      const counter = new CountingEmbedder(model);
      app = await openApp(
        ws.config({
          engines: { sql: { chunker: 'sql', mapper: 'sql' } },
          sources: [{ path: ws.notes, engine: 'sql', include: ['**/*.log'] }],
        }),
        counter,
      );
      const log = await ws.write('postgresql.log', readFileSync(work.stderrLog));
      const expected = (await chunkLog(log)).checkpoint.omitted;
      const summary = await app.indexer.reconcile({ tailSettleMs: 0 });
      expect(summary).toMatchObject({ filesAdded: 1, filesSkipped: 0 });
      expect(summary.omitted).toEqual([{ path: log, counts: expected }]);
      expect(formatSummary(summary)).toMatch(
        /Left out \(not statements\): (?:server message \d+|transaction control \d+), .*in 1 file/,
      );
      await app.store.optimize();
      for (const phrase of ['ready to accept connections', 'checkpoint complete', 'shutdown request']) {
        // BM25 matches single words of the phrase in statements ("to", "complete"): the phrase is what must not be there.
        const hits = (await app.search.search({ query: phrase, engine: 'sql', mode: 'text' })).results;
        expect(
          hits.map((h) => h.text).filter((t) => t.includes(phrase)),
          phrase,
        ).toEqual([]);
      }
      const rows = await readChunks(app.config, 'sql');
      expect(rows.some((r) => PG_SERVER_LINE.test(r.text) || TRANSACTION_TEXT.test(r.text))).toBe(false);

      // An index written before server messages were left out has the chunker's old signature:
      // the log is read from its start again, and every statement keeps its vector.
      const record = (await recordsOf(app)).get(log)!;
      expect(record.modelId).toMatch(/\|sql@\d+\|/);
      await app.store.files.upsert([{ ...record, modelId: record.modelId.replace(/\|sql@\d+\|/, '|sql|') }]);
      counter.reset();
      const again = await app.indexer.reconcile({ tailSettleMs: 0 });
      expect(again).toMatchObject({ filesChanged: 1, chunksEmbedded: 0 });
      expect(again.omitted).toEqual([{ path: log, counts: expected }]);
      expect(counter.indexed).toEqual([]);
      expect((await readChunks(app.config, 'sql')).length).toBe(rows.length);
    }, 180_000);
  },
);

const maria = findMariadb();
if (maria.reason) console.warn(`left-out.test.ts: the MariaDB part is skipped: ${maria.reason}`);

describe.skipIf(maria.reason !== null)('a real MariaDB slow log: what is indexed and what is counted', () => {
  let work: MariadbWorkload;

  beforeAll(async () => {
    work = await runMariadbWorkload(maria.bins!, {
      lookups: 20,
      extra: {
        setup: [],
        queries: ['START TRANSACTION', 'UPDATE events SET kind = kind WHERE id = 1', 'COMMIT'],
      },
    });
  }, 180_000);
  afterAll(async () => {
    await work?.cleanup();
  });

  test('the start banner and the transaction around an UPDATE are counted, not chunks; the statements are chunks', async () => {
    expect(readFileSync(work.slowLog, 'utf8')).toMatch(/started with:/);
    const { chunks, checkpoint } = await chunkLog(work.slowLog);
    for (const c of chunks) {
      expect(c.text).not.toMatch(/started with:|^Tcp port:|Id Command\s+Argument/m);
      expect(c.text).not.toMatch(TRANSACTION_TEXT);
      expect(c.metadata.parse_status).not.toBe('not-sql');
    }
    expect(chunks.filter((c) => c.text.startsWith('UPDATE events SET kind'))).toHaveLength(1);
    expect(chunks.filter((c) => /^SELECT kind FROM events WHERE id = \d+$/.test(c.text))).toHaveLength(20);
    expect(checkpoint.omitted).toEqual({ 'server message': 1, 'transaction control': 2 });
    expect(chunks.length + sum(checkpoint.omitted)).toBe(entriesRead(checkpoint));
  }, 60_000);

  test('the general log of the same run: every Query but the transaction is a chunk; banner, Connect, Quit and Shutdown are counted', async () => {
    const text = readFileSync(work.generalLog, 'utf8');
    const records = (command: string) => text.split('\n').filter((l) => l.includes(` ${command}\t`)).length;
    expect(records('Connect')).toBeGreaterThan(3);
    const { chunks, checkpoint } = await chunkLog(work.generalLog);
    expect(checkpoint.resume).toMatchObject({ kind: 'mysql-general' });
    for (const c of chunks) {
      expect(c.text).not.toMatch(/started with:|^Tcp port:|Id Command\s+Argument|using Socket/m);
      expect(c.text).not.toMatch(TRANSACTION_TEXT);
      expect(c.metadata.parse_status).not.toBe('not-sql');
      expect(c.metadata.session).toMatch(/^\d+$/);
    }
    // Every Query record is a chunk but START TRANSACTION and COMMIT.
    expect(chunks).toHaveLength(records('Query') - 2);
    expect(chunks.filter((c) => /^SELECT kind FROM events WHERE id = \d+$/.test(c.text))).toHaveLength(20);
    expect(
      chunks.find((c) => c.text === 'UPDATE events SET kind = kind WHERE id = 1')?.metadata,
    ).toMatchObject({
      user: 'root',
      db: 'test',
      type: 'update',
    });
    const banners = (text.match(/started with:/g) ?? []).length;
    expect(checkpoint.omitted).toEqual({
      'server message':
        banners + records('Connect') + records('Quit') + records('Shutdown') + records('Init DB'),
      'transaction control': 2,
    });
    expect(chunks.length + sum(checkpoint.omitted)).toBe(entriesRead(checkpoint));
  }, 60_000);
});
