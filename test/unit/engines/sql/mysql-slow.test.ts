import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { readAll } from '../../../../src/engines/sql/lines.js';
import { createReader, detectKind } from '../../../../src/engines/sql/readers.js';

const MYSQL8 = [
  '/usr/sbin/mysqld, Version: 8.0.36 (MySQL Community Server - GPL). started with:',
  'Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock',
  'Time                 Id Command    Argument',
  '# Time: 2024-03-01T10:00:00.123456Z',
  '# User@Host: shop[shop] @ localhost []  Id:     8',
  '# Query_time: 0.001500  Lock_time: 0.000100 Rows_sent: 2  Rows_examined: 40',
  'use shop;',
  'SET timestamp=1709287200;',
  'SELECT *',
  '  FROM orders WHERE id IN (1, 2);',
  '# Time: 2024-03-01T10:00:01.000000Z',
  '# User@Host: shop[shop] @ localhost []  Id:     8',
  '# Query_time: 0.000200  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0',
  'SET timestamp=1709287201;',
  'UPDATE orders SET state = 2 WHERE id = 1',
].join('\n');

describe('MariaDB/MySQL slow query log', () => {
  test('MySQL 8 records: duration, lock time, rows, connection id, database from `use`, time from SET timestamp', () => {
    const entries = readAll(createReader('mysql-slow'), MYSQL8);
    expect(entries[0]).toMatchObject({ startLine: 1, endLine: 3, readStatus: 'not-sql' });
    expect(entries[1]).toMatchObject({
      startLine: 4,
      endLine: 10,
      statement: 'SELECT *\n  FROM orders WHERE id IN (1, 2)',
      durationMs: 1.5,
      at: 1709287200_000,
      user: 'shop',
      database: 'shop',
      session: '8',
      extra: { lockMs: 0.1, rowsSent: 2, rowsExamined: 40 },
    });
    // The database carries over to later records of the log until the next `use`.
    expect(entries[2]).toMatchObject({ startLine: 11, endLine: 15, database: 'shop', durationMs: 0.2 });
  });

  test('a record the log ends inside (no closing `;`) is truncated; without finish it stays pending', () => {
    const reader = createReader('mysql-slow');
    const early = readAll(reader, MYSQL8, false);
    expect(early).toHaveLength(2);
    expect(reader.pendingFrom()).toBe(11);
    const [last] = reader.finish();
    expect(last).toMatchObject({
      readStatus: 'truncated',
      statement: 'UPDATE orders SET state = 2 WHERE id = 1',
    });
  });

  test('detectKind tells the formats apart by name and first lines', () => {
    expect(detectKind('/x/slow.log', MYSQL8).kind).toBe('mysql-slow');
    expect(detectKind('/x/q.sql', 'SELECT 1;').kind).toBe('sql-file');
    expect(detectKind('/x/pg.log', '2024-03-01 10:00:00 UTC [1] LOG:  statement: SELECT 1').kind).toBe(
      'pg-stderr',
    );
    expect(
      detectKind('/x/pg.json', '{"timestamp":"2024-03-01 10:00:00 UTC","error_severity":"LOG"}').kind,
    ).toBe('pg-json');
    expect(detectKind('/x/pg.csv', '2024-03-01 10:00:00.000 UTC,"u","d",42,"[local]"').kind).toBe('pg-csv');
    expect(detectKind('/x/notes.txt', 'hello')).toEqual({ kind: 'pg-stderr', sure: false });
  });

  test('durations are the logged seconds in ms, as written: 0.000556 s is 0.556 ms, not 0.5559999999999999', () => {
    // A real MariaDB 10.11 slow log (test/fixtures/sql/live/README.md).
    const log = readFileSync(
      new URL('../../../fixtures/sql/live/mariadb-slap-slow.txt', import.meta.url),
      'utf8',
    );
    const logged = [...log.matchAll(/^# Query_time: (\d+)\.(\d{6}) {2}Lock_time: (\d+)\.(\d{6})/gm)];
    // Seconds to the microsecond, as ms: the decimal point moved three places, by text.
    const asMs = (whole: string, micros: string) =>
      Number(`${Number(whole) * 1000 + Number(micros.slice(0, 3))}.${micros.slice(3)}`);
    const entries = readAll(createReader('mysql-slow'), log).filter((e) => e.durationMs !== null);
    expect(entries).toHaveLength(logged.length);
    expect(entries.map((e) => e.durationMs)).toEqual(logged.map((m) => asMs(m[1]!, m[2]!)));
    expect(entries.map((e) => e.extra.lockMs)).toEqual(logged.map((m) => asMs(m[3]!, m[4]!)));
    expect(entries.map((e) => String(e.durationMs)).filter((d) => /\.\d{4,}/.test(d))).toEqual([]);
  });
});
