import { readFileSync, writeFileSync } from 'node:fs';
import { appendFile, utimes } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { App } from '../../../../src/app.js';
import { inconsistencies, readChunks, recordsOf, type Workspace } from '../../../helpers/index-workspace.js';
import { usePipeline } from '../../../helpers/pipeline.js';

/**
 * Query logs as a real PostgreSQL 15 and MariaDB 10.11 wrote them (test/fixtures/sql/live,
 * captured from servers set up as the README's "Index your database's query logs" says), under
 * the real pipeline, LanceDB and model: what a user running `ragctl` on their own database saw
 * go wrong.
 */

const FIXTURES = new URL('../../../fixtures/sql/live/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

/** The daemon's view: a file written to within this long is live, its last entry held back. */
const LIVE = { tailSettleMs: 600_000 };
/** As `ragctl index`: every file taken as it stands. */
const SETTLED = { tailSettleMs: 0 };

/** Statement lines of a stderr log (`log_min_duration_statement = 0`): one per statement. */
const pgStatements = (log: Buffer) =>
  log
    .toString('utf8')
    .split('\n')
    .filter((l) => / LOG: {2}duration: [\d.]+ ms {2}statement: /.test(l));

describe('real database logs under the pipeline', () => {
  const pipeline = usePipeline();

  async function start(source: Record<string, unknown> = {}): Promise<{ ws: Workspace; app: App }> {
    const ws = await pipeline.workspace('sql-live');
    const app = await pipeline.open(
      ws.config({
        engines: { sql: { chunker: 'sql', mapper: 'sql' } },
        sources: [{ path: ws.notes, engine: 'sql', ...source }],
      }),
      pipeline.counter(),
    );
    return { ws, app };
  }

  it('a log still holding back its last entry is listed again until it settles, so the daemon comes back for it', async () => {
    // The end of a file the logging collector rotated away from (log_rotation_size): nothing
    // more will be written to it, and its last statement has no line after it.
    const { ws, app } = await start();
    const tail = fixture('pg-rotated-tail.txt');
    const log = await ws.write('postgresql-2026-12-05_120610.log', tail);
    const statements = pgStatements(tail).filter((l) => !/statement: (BEGIN|END);$/.test(l));

    const first = await app.indexer.reconcile(LIVE);
    expect(first.withheld).toEqual([log]);
    const held = (await readChunks(app.config, 'sql')).length;
    expect(held).toBe(statements.length - 1);

    // The daemon syncs it again after the settle time; when that sync comes a little early (its
    // timer was set by an earlier read) the file is unchanged and not settled yet. It must still
    // be listed, or nothing brings the daemon back and the statement waits for the periodic
    // reconcile (15 minutes).
    const early = await app.indexer.syncPaths([log], LIVE);
    expect(early).toMatchObject({ filesUnchanged: 1, withheld: [log] });
    const earlyAgain = await app.indexer.reconcile(LIVE);
    expect(earlyAgain).toMatchObject({ filesUnchanged: 1, withheld: [log] });
    // Touched, not grown (the same bytes, a new mtime): still held, still listed.
    const now = new Date();
    await utimes(log, now, now);
    expect(await app.indexer.syncPaths([log], LIVE)).toMatchObject({ withheld: [log] });

    const settled = await app.indexer.syncPaths([log], SETTLED);
    expect(settled.withheld).toEqual([]);
    const rows = await readChunks(app.config, 'sql');
    expect(rows.map((r) => r.text).sort()).toEqual(
      statements.map((l) => l.replace(/^.* statement: /, '')).sort(),
    );
    expect(await inconsistencies(app, 'sql')).toEqual([]);
  }, 120_000);

  it("MariaDB logs with mysqlslap's NUL-terminated statements are read, without the NULs", async () => {
    const { ws, app } = await start();
    const slowBytes = fixture('mariadb-slap-slow.txt');
    const generalBytes = fixture('mariadb-slap-general.txt');
    // The fixture is what makes the point: NULs where a binary sniff looks.
    expect(slowBytes.subarray(0, 8000).includes(0)).toBe(true);
    expect(generalBytes.subarray(0, 8000).includes(0)).toBe(true);
    const slow = await ws.write('mariadb-slow.log', slowBytes);
    const general = await ws.write('mariadb.log', generalBytes);
    // A compressed rotation is judged by what it decompresses to: NULs and all, a log.
    const gz = await ws.write('mariadb-slow.log.2.gz', gzipSync(slowBytes));

    const summary = await app.indexer.reconcile(SETTLED);
    const records = await recordsOf(app);
    expect(records.get(slow)).toMatchObject({ status: 'indexed' });
    expect(records.get(general)).toMatchObject({ status: 'indexed' });
    expect(records.get(gz)).toMatchObject({ status: 'indexed' });
    expect(summary.failures).toEqual([]);

    const rows = await readChunks(app.config, 'sql');
    const of = (path: string) => rows.filter((r) => r.path === path);
    // One statement per slow-log record (each has its `# Query_time:`), one per general-log
    // `Query` command.
    const slowRecords = slowBytes.toString('utf8').match(/^# Query_time: /gm)!.length;
    const generalQueries = generalBytes.toString('utf8').match(/^[^\t\n]*\t+ *\d+ Query\t/gm)!.length;
    expect(of(slow)).toHaveLength(slowRecords);
    expect(of(gz).map((r) => r.text)).toEqual(of(slow).map((r) => r.text));
    expect(of(general)).toHaveLength(generalQueries);
    expect(rows.filter((r) => r.text.includes('\0')).map((r) => r.text)).toEqual([]);
    const create = 'CREATE TABLE `t1` (intcol1 INT(32) ,charcol1 VARCHAR(128))';
    expect(of(general).map((r) => r.text)).toContain(create);
    // The slow log writes `…)\0;`: without the NUL, the statement ends as the others do.
    expect(of(slow).map((r) => r.text)).toContain(create);
    expect(await inconsistencies(app, 'sql')).toEqual([]);
  }, 120_000);

  it("logrotate's rotated names are part of a sql source by default, its .gz files read decompressed", async () => {
    // `copytruncate` keeps the statements before the rotation only in the copy: were the copy
    // not indexed, they would leave the index with the truncation.
    const { ws, app } = await start();
    const log = fixture('pg-rotated-tail.txt');
    const current = await ws.write('postgresql-15-main.log', log);
    const copy = await ws.write('postgresql-15-main.log.1', log);
    const dated = await ws.write('postgresql-15-main.log-20261205', log);
    const compressed = await ws.write('postgresql-15-main.log.2.gz', gzipSync(log));
    const datedCompressed = await ws.write('postgresql-15-main.log-20261128.gz', gzipSync(log));

    await app.indexer.reconcile(SETTLED);
    const records = await recordsOf(app);
    const all = [current, copy, dated, compressed, datedCompressed];
    expect([...records.keys()].sort()).toEqual(all.sort());
    const perFile = pgStatements(log).filter((l) => !/statement: (BEGIN|END);$/.test(l)).length;
    const rows = await readChunks(app.config, 'sql');
    const linesOf = (path: string) =>
      rows
        .filter((r) => r.path === path)
        .map((r) => `${r.startLine} ${r.text}`)
        .sort();
    for (const path of all) expect(linesOf(path)).toHaveLength(perFile);
    // Where each statement is in the file, as zless shows it.
    expect(linesOf(compressed)).toEqual(linesOf(current));
    expect(await inconsistencies(app, 'sql')).toEqual([]);
  }, 120_000);

  it('a .gz cut short (still being compressed) is skipped with the reason, and read once whole', async () => {
    const { ws, app } = await start();
    const log = fixture('pg-rotated-tail.txt');
    const whole = gzipSync(log);
    const path = await ws.write(
      'postgresql-15-main.log.3.gz',
      whole.subarray(0, Math.floor(whole.length / 2)),
    );
    const noise = await ws.write('archive.log.gz', gzipSync(Buffer.alloc(20_000, 0)));

    const first = await app.indexer.reconcile(SETTLED);
    const records = await recordsOf(app);
    expect(records.get(path)?.status).toBe('skipped');
    expect(records.get(path)?.reason).toMatch(/^not a whole gzip file \(unexpected end of file\)/);
    expect(records.get(noise)).toMatchObject({ status: 'skipped', reason: 'binary file' });
    expect(first.failures.map((f) => f.path).sort()).toEqual([noise, path].sort());
    expect((await readChunks(app.config, 'sql')).filter((r) => r.path === path)).toEqual([]);

    await ws.write('postgresql-15-main.log.3.gz', whole);
    await app.indexer.syncPaths([path], SETTLED);
    expect((await recordsOf(app)).get(path)?.status).toBe('indexed');
    const perFile = pgStatements(log).filter((l) => !/statement: (BEGIN|END);$/.test(l)).length;
    expect((await readChunks(app.config, 'sql')).filter((r) => r.path === path)).toHaveLength(perFile);
  }, 120_000);

  it('a log replaced between the scan and its read (logrotate copying a new x.log.1) is read as it is now', async () => {
    const { ws, app } = await start();
    const tail = fixture('pg-rotated-tail.txt');
    const lines = tail.toString('utf8').split('\n');
    // Last rotated an hour ago: the scan finds both files settled.
    const hourAgo = new Date(Date.now() - 3_600_000);
    const logs = [
      await ws.write('postgresql-15-main.log.1', tail, hourAgo),
      await ws.write('postgresql-15-main.log.2', tail, hourAgo),
    ];
    // Once the first file is committed (the second is scanned, not read yet), logrotate renames
    // them away and starts copying the live log in under the same names: cut mid-line, now.
    const copying = `${lines.slice(0, 5).join('\n')}\n${lines[5]!.slice(0, 6)}`;
    let swapped = false;
    const summary = await app.indexer.reconcile({
      tailSettleMs: 60_000,
      onProgress: (p) => {
        if (p.phase !== 'indexing' || swapped) return;
        swapped = true;
        for (const log of logs) writeFileSync(log, copying);
      },
    });
    expect(swapped).toBe(true);
    // The cut line ("2026-1") is the start of a line still being copied: held back, not indexed.
    const rows = await readChunks(app.config, 'sql');
    expect(rows.filter((r) => !r.text.includes(' ')).map((r) => r.text)).toEqual([]);
    expect(summary.withheld.length).toBeGreaterThan(0);
  }, 120_000);

  it('a log the server creates before it writes (a jsonlog at rotation, a general log with only its banner) is read in the format its lines show', async () => {
    const { ws, app } = await start();
    const json = fixture('pg-jsonlog.txt');
    const general = fixture('mariadb-slap-general.txt');
    const banner = general.subarray(0, general.indexOf('\nTime\t') + 1);
    const bannerEnd = general.indexOf('\n', banner.length) + 1;
    // The same logs written whole, read as `ragctl index` reads a finished file: the reference.
    const wholeJson = await ws.write('whole/postgresql.json', json);
    const wholeGeneral = await ws.write('whole/mariadb.log', general);
    const liveJson = await ws.write('live/postgresql.json', '');
    const liveGeneral = await ws.write('live/mariadb.log', general.subarray(0, bannerEnd));
    await app.indexer.reconcile(LIVE);

    await appendFile(liveJson, json);
    await appendFile(liveGeneral, general.subarray(bannerEnd));
    await app.indexer.syncPaths([liveJson, liveGeneral], LIVE);
    await app.indexer.syncPaths([liveJson, liveGeneral, wholeJson, wholeGeneral], SETTLED);

    const rows = await readChunks(app.config, 'sql');
    const texts = (path: string) =>
      rows
        .filter((r) => r.path === path)
        .map((r) => r.text)
        .sort();
    expect(texts(wholeJson).length).toBe(json.toString('utf8').match(/statement: /g)!.length);
    expect(texts(liveJson)).toEqual(texts(wholeJson));
    expect(texts(wholeGeneral).length).toBeGreaterThan(10);
    expect(texts(liveGeneral)).toEqual(texts(wholeGeneral));
    expect(await inconsistencies(app, 'sql')).toEqual([]);
  }, 120_000);

  it("MariaDB's error log, beside its query logs, is counted as server messages, not indexed", async () => {
    const { ws, app } = await start();
    const text = fixture('mariadb-error.txt');
    const path = await ws.write('error.log', text);
    const summary = await app.indexer.reconcile(SETTLED);
    expect((await recordsOf(app)).get(path)).toMatchObject({ status: 'indexed', chunkCount: 0 });
    expect(await readChunks(app.config, 'sql')).toEqual([]);
    const messages = text.toString('utf8').match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \d+ \[/gm)!.length;
    expect(summary.omitted).toEqual([{ path, counts: { 'server message': messages } }]);
  }, 120_000);
});
