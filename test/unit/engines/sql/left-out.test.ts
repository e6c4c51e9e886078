import { describe, expect, test } from 'vitest';
import { sqlChunker } from '../../../../src/engines/sql/chunker.js';
import { isTransactionControl } from '../../../../src/engines/sql/left-out.js';
import { detectKind } from '../../../../src/engines/sql/readers.js';
import type { AppendCheckpoint, Chunk, ChunkLimits } from '../../../../src/engines/types.js';

/** The SQL chunker reads no token limits. */
const LIMITS: ChunkLimits = {
  maxTokens: 256,
  minTokens: 0,
  tokenizer: { countTokens: (t) => t.length, maxTokens: 256 },
};

/** A PostgreSQL stderr log (prefix '%m [%p] %q%u@%d ') with the server's usual messages around a session. */
const PG = [
  '2026-12-04 18:00:00.000 UTC [100] LOG:  starting PostgreSQL 16.4 on x86_64-pc-linux-gnu',
  '2026-12-04 18:00:00.001 UTC [100] LOG:  listening on Unix socket "/tmp/.s.PGSQL.5432"',
  '2026-12-04 18:00:00.010 UTC [101] LOG:  database system was shut down at 2026-12-04 17:59:00 UTC',
  '2026-12-04 18:00:00.020 UTC [100] LOG:  database system is ready to accept connections',
  '2026-12-04 18:00:01.000 UTC [200] LOG:  connection received: host=[local]',
  '2026-12-04 18:00:01.001 UTC [200] LOG:  connection authorized: user=app database=shop application_name=psql',
  '2026-12-04 18:00:01.100 UTC [200] app@shop LOG:  duration: 0.050 ms  statement: BEGIN',
  '2026-12-04 18:00:01.200 UTC [200] app@shop LOG:  duration: 12.500 ms  statement: UPDATE orders SET paid = true WHERE id = 7',
  '2026-12-04 18:00:01.300 UTC [200] app@shop LOG:  duration: 3.100 ms  statement: END',
  '2026-12-04 18:00:01.400 UTC [200] app@shop ERROR:  relation "ordrs" does not exist at character 15',
  '2026-12-04 18:00:01.400 UTC [200] app@shop STATEMENT:  SELECT * FROM ordrs',
  '2026-12-04 18:00:01.500 UTC [200] app@shop ERROR:  could not serialize access due to read/write dependencies among transactions',
  '2026-12-04 18:00:01.500 UTC [200] app@shop STATEMENT:  COMMIT',
  '2026-12-04 18:00:02.000 UTC [200] app@shop LOG:  disconnection: session time: 0:00:01.000 user=app database=shop host=[local]',
  '2026-12-04 18:00:05.000 UTC [102] LOG:  checkpoint starting: time',
  '2026-12-04 18:00:06.000 UTC [102] LOG:  checkpoint complete: wrote 3 buffers (0.0%); 0 WAL file(s) added',
  '2026-12-04 18:00:07.000 UTC [300] LOG:  automatic vacuum of table "shop.public.orders": index scans: 0',
  '\tpages: 0 removed, 10 remain, 10 scanned (100.00% of total)',
  '2026-12-04 18:00:08.000 UTC [301] FATAL:  password authentication failed for user "app"',
  '2026-12-04 18:00:08.000 UTC [301] DETAIL:  Connection matched pg_hba.conf line 99',
  'a stray line about zebrafish',
  '',
].join('\n');

/** A MariaDB slow log: banner, a transaction, an administrator command, a compound block. */
const MARIADB = [
  '/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-0+deb12u1-log (Debian 12). started with:',
  'Tcp port: 0  Unix socket: /run/mysqld/mysqld.sock',
  'Time\t\t    Id Command\tArgument',
  '# Time: 241204 17:45:01',
  '# User@Host: root[root] @ localhost []',
  '# Thread_id: 5  Schema: test  QC_hit: No',
  '# Query_time: 0.000100  Lock_time: 0.000000  Rows_sent: 0  Rows_examined: 0',
  'SET timestamp=1733334301;',
  'START TRANSACTION;',
  '# User@Host: root[root] @ localhost []',
  '# Thread_id: 5  Schema: test  QC_hit: No',
  '# Query_time: 0.000300  Lock_time: 0.000010  Rows_sent: 0  Rows_examined: 1',
  'SET timestamp=1733334301;',
  "UPDATE events SET kind = 'x' WHERE id = 1;",
  '# User@Host: root[root] @ localhost []',
  '# Thread_id: 5  Schema: test  QC_hit: No',
  '# Query_time: 0.002000  Lock_time: 0.000000  Rows_sent: 0  Rows_examined: 0',
  'SET timestamp=1733334301;',
  'COMMIT;',
  '# User@Host: root[root] @ localhost []',
  '# Thread_id: 5  Schema: test  QC_hit: No',
  '# Query_time: 0.000050  Lock_time: 0.000000  Rows_sent: 1  Rows_examined: 0',
  'SET timestamp=1733334302;',
  'BEGIN NOT ATOMIC SELECT 1; END;',
  '# User@Host: root[root] @ localhost []',
  '# Thread_id: 5  Schema: test  QC_hit: No',
  '# Query_time: 0.000010  Lock_time: 0.000000  Rows_sent: 0  Rows_examined: 0',
  'SET timestamp=1733334302;',
  '# administrator command: Quit;',
  '',
].join('\n');

/** A MariaDB general log (as 10.11 writes it): banner, connections, a multi-line query, a transaction. */
const GENERAL = [
  '/usr/sbin/mariadbd, Version: 10.11.19-MariaDB-0+deb12u1-log (Debian 12). started with:',
  'Tcp port: 0  Unix socket: /tmp/mysqld.sock',
  'Time\t\t    Id Command\tArgument',
  '261205  5:49:40\t     3 Connect\troot@localhost on  using Socket',
  '\t\t     3 Quit\t',
  '\t\t     6 Connect\tshop@localhost on test using Socket',
  '\t\t     6 Query\tSELECT id,',
  '       at, -- when it happened',
  '       kind',
  '  FROM events',
  ' WHERE id = 99',
  '261205  5:49:41\t     6 Init DB\tshop',
  '\t\t     6 Query\tSTART TRANSACTION',
  '\t\t     6 Query\tUPDATE events SET kind = kind WHERE id = 1',
  '\t\t     6 Query\tCOMMIT',
  '\t\t     6 Quit\t',
  '\t\t     9 Shutdown\t',
  '',
].join('\n');

async function chunkText(
  path: string,
  text: string,
): Promise<{ chunks: Chunk[]; omitted: AppendCheckpoint['omitted'] }> {
  const chunks: Chunk[] = [];
  let omitted: AppendCheckpoint['omitted'];
  const bytes = (async function* () {
    yield Buffer.from(text);
  })();
  for await (const piece of sqlChunker.chunkAppend(
    { path, fromOffset: 0, previous: null, bytes, final: true },
    LIMITS,
  )) {
    chunks.push(...piece.chunks);
    omitted = piece.checkpoint.omitted;
  }
  return { chunks, omitted };
}

describe('what the SQL index holds of a log', () => {
  test('PostgreSQL: statements (a failed COMMIT with its error) and unrecognised lines; the server and BEGIN/END are counted', async () => {
    const { chunks, omitted } = await chunkText('/logs/postgresql.log', PG);
    expect(chunks.map((c) => [c.startLine, c.text])).toEqual([
      [8, 'UPDATE orders SET paid = true WHERE id = 7'],
      [10, 'SELECT * FROM ordrs\n-- error: relation "ordrs" does not exist at character 15'],
      [12, 'COMMIT\n-- error: could not serialize access due to read/write dependencies among transactions'],
      [21, 'a stray line about zebrafish'],
    ]);
    expect(omitted).toEqual({ 'server message': 11, 'transaction control': 2 });
    // The whole-text path (tools, tests) holds the same chunks, ids included.
    const whole = await sqlChunker.chunk({ path: '/logs/postgresql.log', text: PG }, LIMITS);
    expect(whole.map((c) => c.id)).toEqual(chunks.map((c) => c.id));
  });

  test('MariaDB slow log: the banner, START TRANSACTION/COMMIT and an administrator command are counted; a compound block is a statement', async () => {
    const { chunks, omitted } = await chunkText('/logs/slow.log', MARIADB);
    expect(chunks.map((c) => c.text)).toEqual([
      "UPDATE events SET kind = 'x' WHERE id = 1",
      'BEGIN NOT ATOMIC SELECT 1; END',
    ]);
    expect(omitted).toEqual({ 'server message': 2, 'transaction control': 2 });
  });

  test('MariaDB general log: Query records are chunks with their connection and time; Connect, Quit, Init DB, Shutdown, the banner and the transaction are counted', async () => {
    expect(detectKind('/logs/general.log', GENERAL).kind).toBe('mysql-general');
    expect(detectKind('/logs/slow.log', MARIADB).kind).toBe('mysql-slow');
    const { chunks, omitted } = await chunkText('/logs/general.log', GENERAL);
    expect(
      chunks.map((c) => [c.startLine, c.endLine, c.text, c.metadata.user, c.metadata.db, c.metadata.session]),
    ).toEqual([
      [
        7,
        11,
        'SELECT id,\n       at, -- when it happened\n       kind\n  FROM events\n WHERE id = 99',
        'shop',
        'test',
        '6',
      ],
      [14, 14, 'UPDATE events SET kind = kind WHERE id = 1', 'shop', 'shop', '6'],
    ]);
    expect(chunks.map((c) => c.metadata.at)).toEqual([
      Date.UTC(2026, 11, 5, 5, 49, 40),
      Date.UTC(2026, 11, 5, 5, 49, 41),
    ]);
    expect(chunks.map((c) => c.metadata.type)).toEqual(['select', 'update']);
    expect(omitted).toEqual({ 'server message': 7, 'transaction control': 2 });
  });

  test('a .sql file keeps its statements and its comments, a BEGIN after one too; a bare COMMIT is counted', async () => {
    const text = '-- add the paid flag\nBEGIN;\nALTER TABLE orders ADD paid boolean;\nCOMMIT;\n';
    const { chunks, omitted } = await chunkText('/db/migrate.sql', text);
    expect(chunks.map((c) => c.text)).toEqual([
      '-- add the paid flag\nBEGIN',
      'ALTER TABLE orders ADD paid boolean',
    ]);
    expect(omitted).toEqual({ 'transaction control': 1 });
  });

  test("a statement with nothing to run is counted, not indexed: an empty one, a dump's version comments", async () => {
    const log = [
      '2026-12-07 03:51:33.362 UTC [15176] postgres@template1 LOG:  duration: 0.058 ms  statement: ',
      '2026-12-07 03:51:33.400 UTC [15176] postgres@template1 LOG:  duration: 0.058 ms  statement: ;',
      '2026-12-07 03:51:33.500 UTC [15176] app@shop LOG:  duration: 0.040 ms  statement: /*!40101 SET NAMES utf8mb4 */',
      '2026-12-07 03:51:33.600 UTC [15176] app@shop LOG:  duration: 0.040 ms  statement: /* app: cart */ SELECT 1',
      '2026-12-07 03:52:02.000 UTC [15200] app@shop LOG:  duration: 0.3 ms  statement: -- only a note',
      '',
    ].join('\n');
    const { chunks, omitted } = await chunkText('/logs/postgresql.log', log);
    expect(chunks.map((c) => c.text)).toEqual(['/* app: cart */ SELECT 1']);
    expect(omitted).toEqual({ 'empty statement': 4 });
  });

  test('transaction control by its leading keywords, in both dialects', () => {
    for (const s of [
      'BEGIN',
      'begin work',
      'BEGIN ISOLATION LEVEL SERIALIZABLE',
      'START TRANSACTION READ ONLY',
      'COMMIT',
      'END;',
      'ROLLBACK TO SAVEPOINT a',
      'ABORT',
      'SAVEPOINT a',
      'RELEASE SAVEPOINT a',
      "PREPARE TRANSACTION 'x'",
      "COMMIT PREPARED 'x'",
      "XA START 'x'",
      '/* app */ COMMIT',
      '-- pool\nBEGIN',
    ])
      expect(isTransactionControl(s), s).toBe(true);
    for (const s of [
      'BEGIN NOT ATOMIC SELECT 1; END',
      'COMMENT ON TABLE t IS $$x$$',
      'SELECT begin FROM t',
      'ENDPOINT',
      'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
      'CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql',
    ])
      expect(isTransactionControl(s), s).toBe(false);
    // A long run of blanks and comments before another statement: a pattern that backtracks
    // exponentially over it would never return (the test's timeout fails it).
    const padded = `${' \n'.repeat(50_000)}/* a */ -- b\n${' '.repeat(50_000)}SELECT 1`;
    expect(isTransactionControl(padded)).toBe(false);
  });
});
