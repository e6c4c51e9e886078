import { describe, expect, test } from 'vitest';
import { readAll } from '../../../../src/engines/sql/lines.js';
import { createReader, detectKind } from '../../../../src/engines/sql/readers.js';

/** MySQL 8's general log: a time on every line, prepared statements logged twice. */
const MYSQL8 = [
  '/usr/sbin/mysqld, Version: 8.0.36 (MySQL Community Server - GPL). started with:',
  'Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock',
  'Time                 Id Command    Argument',
  '2024-03-01T10:00:00.100000Z\t    8 Connect\tshop@localhost on  using Socket',
  '2024-03-01T10:00:00.200000Z\t    8 Init DB\tshop',
  '2024-03-01T10:00:00.300000Z\t    8 Prepare\tSELECT * FROM orders WHERE id = ?',
  '2024-03-01T10:00:00.400000Z\t    8 Execute\tSELECT * FROM orders WHERE id = 5',
  '2024-03-01T10:00:00.500000Z\t    8 Close stmt\t',
  '2024-03-01T10:00:01.000000Z\t    9 Query\tUPDATE orders',
  '   SET state = 2',
  ' WHERE id = 5',
  '2024-03-01T10:00:01.100000Z\t    8 Quit\t',
].join('\n');

describe('MariaDB/MySQL general query log', () => {
  test('MySQL 8: one entry per command; Execute and Query are statements, with their connection, user, database and time', () => {
    expect(detectKind('/var/log/mysql/mysql.log', MYSQL8).kind).toBe('mysql-general');
    const entries = readAll(createReader('mysql-general'), MYSQL8);
    expect(entries.map((e) => [e.startLine, e.endLine, e.extra.command ?? null, e.isServerMessage])).toEqual([
      [1, 3, null, true],
      [4, 4, 'Connect', true],
      [5, 5, 'Init DB', true],
      [6, 6, 'Prepare', true],
      [7, 7, 'Execute', false],
      [8, 8, 'Close stmt', true],
      [9, 11, 'Query', false],
      [12, 12, 'Quit', true],
    ]);
    expect(entries[4]).toMatchObject({
      statement: 'SELECT * FROM orders WHERE id = 5',
      session: '8',
      user: 'shop',
      database: 'shop',
      at: Date.parse('2024-03-01T10:00:00.400Z'),
      durationMs: null,
    });
    // Connection 9 never logged its Connect (it opened before the log did): no user, no database.
    expect(entries[6]).toMatchObject({
      statement: 'UPDATE orders\n   SET state = 2\n WHERE id = 5',
      session: '9',
      user: null,
      database: null,
    });
  });

  test('a reader restored from a snapshot taken inside a multi-line query goes on as the first would have', () => {
    const lines = MYSQL8.split('\n');
    const whole = readAll(createReader('mysql-general'), MYSQL8);
    const first = createReader('mysql-general');
    const out = lines.slice(0, 9).flatMap((l, i) => first.push(l, i + 1));
    expect(first.pendingFrom()).toBe(9);
    const second = createReader('mysql-general');
    second.restore!(JSON.parse(JSON.stringify(first.snapshot!())));
    out.push(...lines.slice(9).flatMap((l, i) => second.push(l, i + 10)), ...second.finish());
    expect(out).toEqual(whole);
  });
});
