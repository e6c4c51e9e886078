import { readFileSync } from 'node:fs';
import { appendFile, copyFile, mkdir, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { Embedder } from '../../../src/embed/types.js';
import type { IndexProgress } from '../../../src/pipeline/types.js';
import { CountingEmbedder } from '../../helpers/counting-embedder.js';
import {
  countByPath,
  inconsistencies,
  openApp,
  readChunks,
  realEmbedder,
  recordsOf,
  rowWriteTimes,
  Workspace,
} from '../../helpers/index-workspace.js';
import { findPostgres, type PgWorkload, runPgWorkload } from '../../helpers/pg-server.js';
import { usePipeline } from '../../helpers/pipeline.js';

/**
 * A live PostgreSQL log (prefix '%m [%p] %q%u@%d ', log_min_duration_statement = 0) under the
 * real pipeline, LanceDB and model: a grown log costs its new entries only, the entry still
 * being written waits until it is complete, and rotation or truncation start the file over.
 */

/** While a test writes, a file counts as live for this long: its last entry is held back. */
const LIVE = { tailSettleMs: 600_000 };
/** As `ragctl index`: every file is taken as it stands. */
const SETTLED = { tailSettleMs: 0 };

/** Entry `i`: one line, a statement of its own (own table), so each is embedded once. */
function entry(i: number, pid = 100 + (i % 3)): string {
  const s = String(i % 60).padStart(2, '0');
  return `2026-12-04 18:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${s}.123 UTC [${pid}] app@shop LOG:  duration: ${(i % 40) + 0.5} ms  statement: SELECT amount FROM ledger_${i} WHERE id = ${i}\n`;
}
const entries = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => entry(from + k)).join('');
/** What the chunker embeds for entry `i`: its normalised statement. */
const embedded = (i: number) => `SELECT amount FROM ledger_${i} WHERE id = $1`;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => embedded(from + k));

describe('appending to a live SQL log', () => {
  const pipeline = usePipeline();
  let ws: Workspace;
  let counter: CountingEmbedder;

  /** Opens the app on a new workspace (`ws`), or on the one a test made for its config. */
  async function start(
    raw: Record<string, unknown> = {},
    fresh = Object.keys(raw).length === 0,
  ): Promise<App> {
    if (fresh) ws = await pipeline.workspace('log-append');
    counter = pipeline.counter();
    return pipeline.open(
      ws.config({
        engines: { sql: { chunker: 'sql', mapper: 'sql' } },
        sources: [{ path: ws.notes, engine: 'sql', include: ['**/*.log'] }],
        ...raw,
      }),
      counter,
    );
  }

  const rowsOf = async (a: App, rel: string) =>
    (await readChunks(a.config, 'sql')).filter((r) => r.path === ws.path(rel));
  const lines = (rows: { startLine: number }[]) => rows.map((r) => r.startLine).sort((x, y) => x - y);
  const upTo = (n: number) => Array.from({ length: n }, (_, k) => k + 1);

  it('indexes only the appended entries: nothing old is read again, embedded again or deleted', async () => {
    const a = await start();
    const log = await ws.write('postgresql.log', entries(0, 40));
    const first = await a.indexer.reconcile(LIVE);
    // The last entry is held back: the next line could still continue it.
    expect(first).toMatchObject({ filesAdded: 1, chunksEmbedded: 39, withheld: [log] });
    expect(lines(await rowsOf(a, 'postgresql.log'))).toEqual(upTo(39));
    const writtenBefore = await rowWriteTimes(a.config, 'sql');
    const record = (await recordsOf(a)).get(log)!;
    expect(record.append).toMatchObject({ withheld: true, appendable: true });
    // Every whole line is read; the held-back entry travels in the record, not as bytes to re-read.
    expect(record.append!.offset).toBe(Buffer.byteLength(entries(0, 40)));

    counter.reset();
    await appendFile(log, entries(40, 50));
    const second = await a.indexer.reconcile(LIVE);
    expect(second).toMatchObject({ filesChanged: 1, chunksEmbedded: 10, chunksReused: 0 });
    // Entry 39 (held back before, complete now) and the new ones but the last: nothing older.
    expect(counter.indexed).toEqual(range(39, 49));
    const rows = await rowsOf(a, 'postgresql.log');
    expect(lines(rows)).toEqual(upTo(49));
    // The old rows are the same rows, not rewritten ones.
    const writtenAfter = await rowWriteTimes(a.config, 'sql');
    for (const [id, at] of writtenBefore) expect(writtenAfter.get(id)).toBe(at);
    expect(await inconsistencies(a, 'sql')).toEqual([]);

    // Once the log is quiet (here: taken as it stands) its last entry is indexed too.
    counter.reset();
    const settled = await a.indexer.reconcile(SETTLED);
    expect(settled).toMatchObject({ filesChanged: 1, chunksEmbedded: 1, withheld: [] });
    expect(counter.indexed).toEqual([embedded(49)]);
    expect(lines(await rowsOf(a, 'postgresql.log'))).toEqual(upTo(50));

    counter.reset();
    const quiet = await a.indexer.reconcile(SETTLED);
    expect(quiet).toMatchObject({ filesUnchanged: 1, filesChanged: 0, chunksEmbedded: 0 });
    await appendFile(log, entries(50, 53));
    const more = await a.indexer.syncPaths([log], SETTLED);
    expect(more).toMatchObject({ filesChanged: 1, chunksEmbedded: 3 });
    expect(counter.indexed).toEqual(range(50, 53));
    expect(lines(await rowsOf(a, 'postgresql.log'))).toEqual(upTo(53));
    expect(await inconsistencies(a, 'sql')).toEqual([]);
  }, 120_000);

  it('an entry still being written is indexed once it is complete, whole', async () => {
    const a = await start();
    // A multi-line statement cut in the middle of its second line: the server is writing it.
    const log = await ws.write(
      'postgresql.log',
      `${entries(0, 3)}2026-12-04 18:01:00.000 UTC [7] app@shop LOG:  duration: 88.5 ms  statement: SELECT o.total,\n\tc.name FROM orders o JOIN custo`,
    );
    await a.indexer.reconcile(LIVE);
    // Entries 0-2 are complete (each followed by a line of another entry); the cut one is not.
    expect(lines(await rowsOf(a, 'postgresql.log'))).toEqual([1, 2, 3]);
    counter.reset();
    await appendFile(log, `mers c ON c.id = o.customer_id\n${entry(3)}`);
    await a.indexer.reconcile(LIVE);
    const rows = await rowsOf(a, 'postgresql.log');
    expect(lines(rows)).toEqual([1, 2, 3, 4]);
    expect(rows.find((r) => r.startLine === 4)!.text).toBe(
      'SELECT o.total,\nc.name FROM orders o JOIN customers c ON c.id = o.customer_id',
    );
    expect(counter.indexed).toHaveLength(1);
    const hits = await a.search.search({ query: 'orders', engine: 'sql', mode: 'vector', min_time: 80 });
    expect(
      hits.results.map((h) => [h.startLine, h.endLine, h.metadata.duration_ms, h.metadata.parse_status]),
    ).toEqual([[4, 5, 88.5, 'ok']]);
  }, 120_000);

  it('rotation (rename, new file) starts the path over: no duplicates, nothing lost', async () => {
    const a = await start();
    const log = await ws.write('postgresql.log', entries(0, 30));
    await a.indexer.reconcile(SETTLED);
    expect(lines(await rowsOf(a, 'postgresql.log'))).toEqual(upTo(30));

    counter.reset();
    // logrotate's default: the old file is renamed, the server opens a new one. The new one is
    // larger than the old, so only its head tells it is another file.
    await rename(log, ws.path('postgresql.1.log'));
    await writeFile(log, entries(100, 140));
    const after = await a.indexer.reconcile(SETTLED);
    expect(after).toMatchObject({ filesAdded: 1, filesChanged: 1 });
    expect(lines(await rowsOf(a, 'postgresql.log'))).toEqual(upTo(40));
    expect((await rowsOf(a, 'postgresql.log')).every((r) => /ledger_1[0-3]\d /.test(r.text))).toBe(true);
    expect(lines(await rowsOf(a, 'postgresql.1.log'))).toEqual(upTo(30));
    // The renamed file's entries are the old vectors, reused: only the new file is embedded.
    expect([...counter.indexed].sort()).toEqual(range(100, 140).sort());
    expect(await inconsistencies(a, 'sql')).toEqual([]);
  }, 120_000);

  it('truncation (copytruncate) starts the path over, also when it grew past the old size again', async () => {
    const a = await start();
    const log = await ws.write('postgresql.log', entries(0, 20));
    await a.indexer.reconcile(SETTLED);

    // copytruncate: copied aside, emptied in place, written on by the same server.
    await copyFile(log, ws.path('postgresql.1.log'));
    await truncate(log, 0);
    await appendFile(log, entries(200, 205));
    counter.reset();
    const smaller = await a.indexer.reconcile(SETTLED);
    expect(smaller).toMatchObject({ filesAdded: 1, filesChanged: 1 });
    expect(lines(await rowsOf(a, 'postgresql.log'))).toEqual(upTo(5));
    expect(counter.indexed).toEqual(range(200, 205));
    expect(lines(await rowsOf(a, 'postgresql.1.log'))).toEqual(upTo(20));

    // Emptied again and regrown past the old size before the index looked: the head differs.
    await truncate(log, 0);
    await appendFile(log, entries(300, 340));
    counter.reset();
    await a.indexer.reconcile(SETTLED);
    const rows = await rowsOf(a, 'postgresql.log');
    expect(lines(rows)).toEqual(upTo(40));
    expect(rows.every((r) => /ledger_3\d\d /.test(r.text))).toBe(true);
    expect(counter.indexed).toEqual(range(300, 340));
    expect(countByPath(await readChunks(a.config, 'sql')).get(log)).toBe(40);
    expect(await inconsistencies(a, 'sql')).toEqual([]);
  }, 120_000);

  it('a read stopped part-way resumes from its last commit: nothing embedded twice, no duplicates', async () => {
    const a = await start();
    const log = await ws.write('postgresql.log', entries(0, 700));
    // The first embed call of the second group fails (a group is embedded in several calls).
    const stopInSecondGroup = (p: IndexProgress) => {
      if (p.phase === 'indexing' && counter.failOnCall === undefined)
        counter.failOnCall = counter.indexCalls + 1;
    };
    await expect(a.indexer.reconcile({ ...SETTLED, onProgress: stopInSecondGroup })).rejects.toThrow(
      /failing indexing call/,
    );
    const committed = await rowsOf(a, 'postgresql.log');
    // The first group landed and was recorded; the file is not recorded as read to its end.
    expect(committed.length).toBeGreaterThan(0);
    expect(committed.length).toBeLessThan(700);
    const record = (await recordsOf(a)).get(log)!;
    expect(record.chunkCount).toBe(committed.length);
    expect(record.size).toBeLessThan(Buffer.byteLength(entries(0, 700)));
    expect(await inconsistencies(a, 'sql')).toEqual([]);

    counter.failOnCall = undefined;
    counter.reset();
    const resumed = await a.indexer.reconcile(SETTLED);
    expect(resumed).toMatchObject({ filesChanged: 1, chunksEmbedded: 700 - committed.length });
    expect([...counter.indexed].sort()).toEqual(range(committed.length, 700).sort());
    expect(lines(await rowsOf(a, 'postgresql.log'))).toEqual(upTo(700));
    expect(await inconsistencies(a, 'sql')).toEqual([]);
  }, 120_000);

  it('the file size limit does not apply to logs, which are streamed; it still applies to other engines', async () => {
    const limit = 4096;
    ws = await pipeline.workspace('log-append');
    await mkdir(ws.path('logs'));
    await mkdir(ws.path('docs'));
    const a = await start({
      indexing: { maxFileBytes: limit },
      engines: { sql: { chunker: 'sql', mapper: 'sql' }, md: { chunker: 'markdown' } },
      sources: [
        { path: ws.path('logs'), engine: 'sql', include: ['**/*.log'] },
        { path: ws.path('docs'), engine: 'md' },
      ],
    });
    const log = await ws.write('logs/postgresql.log', entries(0, 100));
    const note = await ws.write('docs/big.md', `# Big\n\n${'A long note about nothing. '.repeat(400)}\n`);
    expect((await stat(log)).size > limit && (await stat(note)).size > limit).toBe(true);
    const summary = await a.indexer.reconcile(SETTLED);
    expect(summary).toMatchObject({ filesAdded: 1, filesSkipped: 1 });
    expect(summary.failures).toEqual([
      { path: note, reason: expect.stringMatching(/^larger than indexing.maxFileBytes/) },
    ]);
    expect(lines(await rowsOf(a, 'logs/postgresql.log'))).toEqual(upTo(100));
  }, 120_000);

  it('malformed logs never stop the run: garbage, cut lines and a cut statement are searchable text', async () => {
    const a = await start();
    // Binary garbage (no NUL, past the binary sniff of the head), a statement cut mid-way by a
    // crash (the next line starts a new entry), and a line of a truncated write.
    const garbage = Buffer.from(
      Array.from({ length: 3000 }, (_, k) => [0xff, 0xfe, 0x80 + (k % 60), 0x41][k % 4]!),
    );
    const head = entries(0, 60);
    await ws.write(
      'postgresql.log',
      Buffer.concat([
        Buffer.from(head),
        garbage,
        Buffer.from(' zebrafish\n'),
        Buffer.from(
          '2026-12-04 18:05:00.000 UTC [9] app@shop LOG:  duration: 3.5 ms  statement: SELECT quokka FROM\n',
        ),
        Buffer.from('2026-12-04 18:05:0'),
        Buffer.from(`\n${entries(60, 62)}`),
      ]),
    );
    const summary = await a.indexer.reconcile(SETTLED);
    expect(summary).toMatchObject({ filesAdded: 1, filesSkipped: 0, failures: [] });
    await a.store.optimize();
    const find = async (query: string) =>
      (await a.search.search({ query, engine: 'sql', mode: 'text' })).results.map(
        (h) => h.metadata.parse_status,
      );
    expect(await find('zebrafish')).toEqual(['not-sql']);
    expect(await find('quokka')).toEqual(['truncated']);
    expect(lines(await rowsOf(a, 'postgresql.log')).slice(-2)).toEqual([64, 65]);
    expect(await inconsistencies(a, 'sql')).toEqual([]);
  }, 120_000);
});

const pg = findPostgres();
if (pg.reason) console.warn(`log-append.test.ts: the PostgreSQL part is skipped: ${pg.reason}`);

describe.skipIf(pg.reason !== null)('a real PostgreSQL log, appended in pieces under the pipeline', () => {
  let model: Embedder;
  let work: PgWorkload;
  let ws: Workspace;
  let app: App | undefined;

  beforeAll(async () => {
    model = realEmbedder();
    work = await runPgWorkload(pg.bin!);
    ws = await Workspace.create('log-append-pg');
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await model.close();
    await work?.cleanup();
    await ws?.cleanup();
  });

  it('log_statement = all + log_duration, cut mid-line and mid-entry: the rows of one whole read, each written once', async () => {
    const counter = new CountingEmbedder(model);
    app = await openApp(
      ws.config({
        engines: { sql: { chunker: 'sql', mapper: 'sql' } },
        sources: [{ path: ws.notes, engine: 'sql', include: ['**/*.log'] }],
      }),
      counter,
    );
    const bytes = readFileSync(work.statementLog);
    const whole = await ws.write('whole.log', bytes);
    await app.indexer.reconcile(SETTLED);
    const shape = (rows: { startLine: number; text: string }[]) =>
      rows.map((r) => `${r.startLine}\t${r.text}`).sort();
    const all = async () => await readChunks(app!.config, 'sql');
    const wholeRows = (await all()).filter((r) => r.path === whole);
    expect(wholeRows.length).toBeGreaterThan(30);

    counter.reset();
    const live = ws.path('live.log');
    const cuts = [0, Math.floor(bytes.length * 0.31), Math.floor(bytes.length * 0.67), bytes.length];
    const written = new Map<string, number>();
    for (let i = 1; i < cuts.length; i++) {
      await appendFile(live, bytes.subarray(cuts[i - 1], cuts[i]));
      await app.indexer.reconcile(i === cuts.length - 1 ? SETTLED : LIVE);
      // Rows written by an earlier piece are never written again.
      const times = await rowWriteTimes(app.config, 'sql');
      for (const [id, at] of written) expect(times.get(id)).toBe(at);
      for (const [id, at] of times) written.set(id, at);
    }
    const liveRows = (await all()).filter((r) => r.path === live);
    expect(shape(liveRows)).toEqual(shape(wholeRows));
    // Every statement's vector was there already (the whole copy): reused, none embedded again.
    expect(counter.indexed).toEqual([]);
    expect(await inconsistencies(app, 'sql')).toEqual([]);
  }, 180_000);
});
