import { describe, expect, test } from 'vitest';
import { LineSplitter, MAX_LINE_CHARS, readAll } from '../../../../src/engines/sql/lines.js';
import { compilePrefix, matchConfigured } from '../../../../src/engines/sql/pg-prefix.js';
import { createReader } from '../../../../src/engines/sql/readers.js';
import type { SqlEntry } from '../../../../src/engines/sql/types.js';

const P = (pid: number, sev: string, msg: string) =>
  `2024-03-01 10:00:00.123 UTC [${pid}] app@shop ${sev}:  ${msg}`;

/** Two backends whose extended-protocol lines interleave, as a busy server writes them. */
const INTERLEAVED = [
  P(11, 'LOG', 'duration: 0.050 ms  parse S_1: SELECT * FROM orders WHERE id = $1'),
  P(22, 'LOG', 'duration: 0.040 ms  parse S_1: UPDATE stock SET n = n - $1 WHERE sku = $2'),
  P(11, 'LOG', 'duration: 0.010 ms  bind S_1: SELECT * FROM orders WHERE id = $1'),
  P(11, 'DETAIL', "parameters: $1 = '42'"),
  P(22, 'LOG', 'duration: 0.020 ms  bind S_1: UPDATE stock SET n = n - $1 WHERE sku = $2'),
  P(22, 'DETAIL', "parameters: $1 = '3', $2 = 'it''s'"),
  P(11, 'LOG', 'duration: 1.500 ms  execute S_1: SELECT * FROM orders WHERE id = $1'),
  P(11, 'DETAIL', "parameters: $1 = '42'"),
  P(22, 'LOG', 'duration: 2.500 ms  execute S_1: UPDATE stock SET n = n - $1 WHERE sku = $2'),
  P(22, 'DETAIL', "parameters: $1 = '3', $2 = 'it''s'"),
].join('\n');

function statements(entries: SqlEntry[]): SqlEntry[] {
  return entries.filter((e) => e.statement !== null);
}

describe('PostgreSQL stderr log', () => {
  test('parse/bind/execute of interleaved sessions are joined by pid, with their parameters and lines', () => {
    const entries = readAll(createReader('pg-stderr'), INTERLEAVED);
    expect(entries).toHaveLength(2);
    const [a, b] = entries;
    expect(a).toMatchObject({
      statement: 'SELECT * FROM orders WHERE id = $1',
      params: ['42'],
      durationMs: 1.5,
      session: '11',
      user: 'app',
      database: 'shop',
      startLine: 1,
      endLine: 8,
      at: Date.UTC(2024, 2, 1, 10, 0, 0, 123),
      extra: { prepared: 'S_1', protocol: 'execute', parseMs: 0.05, bindMs: 0.01 },
    });
    expect(b).toMatchObject({
      params: ['3', "it's"],
      durationMs: 2.5,
      session: '22',
      startLine: 2,
      endLine: 10,
    });
  });

  test('a multi-line statement (tab-indented continuation lines) is one entry', () => {
    const log = [
      P(5, 'LOG', 'duration: 3.000 ms  statement: SELECT a,'),
      '\t       b',
      '\t  FROM t',
      P(5, 'LOG', 'duration: 1.000 ms  statement: SELECT 1'),
    ].join('\n');
    const [first, second] = readAll(createReader('pg-stderr'), log);
    expect(first).toMatchObject({
      statement: 'SELECT a,\n       b\n  FROM t',
      startLine: 1,
      endLine: 3,
      durationMs: 3,
    });
    expect(second).toMatchObject({ startLine: 4, endLine: 4 });
  });

  test('ERROR/STATEMENT pairs, joined to the same statement logged before by log_statement', () => {
    const log = [
      P(7, 'LOG', 'statement: SELECT * FROM nope'),
      P(8, 'LOG', 'statement: SELECT 2'),
      P(7, 'ERROR', 'relation "nope" does not exist at character 15'),
      P(7, 'STATEMENT', 'SELECT * FROM nope'),
      P(8, 'LOG', 'duration: 0.250 ms'),
      P(9, 'ERROR', 'syntax error at or near "FORM"'),
      P(9, 'STATEMENT', 'SELECT 1 FORM t'),
    ].join('\n');
    const entries = readAll(createReader('pg-stderr'), log);
    expect(entries).toHaveLength(3);
    expect(entries.find((e) => e.session === '7')).toMatchObject({
      statement: 'SELECT * FROM nope',
      error: 'relation "nope" does not exist at character 15',
      startLine: 1,
      endLine: 4,
      durationMs: null,
    });
    expect(entries.find((e) => e.session === '8')).toMatchObject({
      durationMs: 0.25,
      startLine: 2,
      endLine: 5,
    });
    expect(entries.find((e) => e.session === '9')).toMatchObject({
      statement: 'SELECT 1 FORM t',
      startLine: 6,
      endLine: 7,
    });
  });

  test('non-SQL lines and binary garbage are kept as not-sql entries, never dropped', () => {
    const garbage = '\u0000\u0001\ufffd\ufffdPK\u0003\u0004 garbage';
    const log = [
      P(1, 'LOG', 'checkpoint starting: time'),
      garbage,
      garbage,
      P(2, 'LOG', 'duration: 1.0 ms  statement: SELECT 1'),
    ].join('\n');
    const entries = readAll(createReader('pg-stderr'), log);
    expect(entries.map((e) => [e.startLine, e.endLine, e.readStatus])).toEqual([
      [1, 1, 'not-sql'],
      [2, 3, 'not-sql'],
      [4, 4, null],
    ]);
  });

  test('a line over the length cap is cut and its statement recorded as truncated', () => {
    const huge = P(3, 'LOG', `duration: 1.0 ms  statement: SELECT '${'x'.repeat(MAX_LINE_CHARS + 10)}'`);
    const [entry] = readAll(
      createReader('pg-stderr'),
      `${huge}\n${P(3, 'LOG', 'duration: 1.0 ms  statement: SELECT 1')}`,
    );
    expect(entry!.readStatus).toBe('truncated');
    expect(entry!.text.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
  });

  test('an unfinished last entry is pending, not emitted, until the input is final', () => {
    const log = [
      P(1, 'LOG', 'statement: SELECT 1'),
      P(2, 'LOG', 'duration: 1.0 ms  statement: SELECT a,'),
      '\tb',
    ].join('\n');
    const reader = createReader('pg-stderr');
    const early = readAll(reader, log, false);
    expect(early).toEqual([]);
    expect(reader.pendingFrom()).toBe(1);
    const late = reader.finish();
    expect(late.map((e) => e.statement)).toEqual(['SELECT a,\nb', 'SELECT 1']);
    expect(reader.pendingFrom()).toBeNull();
  });

  test('fed in arbitrary byte chunks (split inside lines and UTF-8 characters) it reads the same', () => {
    const text = `${INTERLEAVED}\n${P(4, 'LOG', "duration: 1.0 ms  statement: SELECT 'żółw ✓'")}\n`;
    const whole = readAll(createReader('pg-stderr'), text);
    const bytes = Buffer.from(text);
    const reader = createReader('pg-stderr');
    const splitter = new LineSplitter();
    const got: SqlEntry[] = [];
    for (let i = 0; i < bytes.length; i += 7) {
      for (const [line, no] of splitter.push(bytes.subarray(i, i + 7))) got.push(...reader.push(line, no));
    }
    for (const [line, no] of splitter.end()) got.push(...reader.push(line, no));
    got.push(...reader.finish());
    expect(got).toEqual(whole);
    expect(statements(got).at(-1)!.statement).toBe("SELECT 'żółw ✓'");
  });

  test('log_line_prefix: configured escapes are compiled, %q ends the prefix for non-session lines', () => {
    const prefix = '%t [%p-%l] %q%u@%d ';
    const pattern = compilePrefix(prefix);
    expect(
      matchConfigured(pattern, '2024-03-01 10:00:00 CET [99-3] bob@crm LOG:  statement: SELECT 1'),
    ).toMatchObject({
      pid: '99',
      user: 'bob',
      database: 'crm',
      at: Date.UTC(2024, 2, 1, 9, 0, 0),
      message: 'statement: SELECT 1',
    });
    expect(
      matchConfigured(pattern, '2024-03-01 10:00:00 UTC [1-1] LOG:  checkpoint starting: time'),
    ).toMatchObject({
      pid: '1',
      user: null,
    });
    const log = ['2024-03-01 10:00:00 UTC [99-3] bob@crm LOG:  duration: 2.0 ms  statement: SELECT 1'].join(
      '\n',
    );
    const [entry] = readAll(createReader('pg-stderr', { logLinePrefix: prefix }), log);
    expect(entry).toMatchObject({ user: 'bob', database: 'crm', session: '99', durationMs: 2 });
  });

  test("user and database between colons: Amazon RDS's default prefix '%t:%r:%u@%d:[%p]:'", () => {
    // Lines a real server wrote with that prefix: `%r` is host(port) over TCP, [local] on a
    // socket, and a background process has neither user nor database.
    const log = [
      '2026-12-07 06:27:19 UTC:127.0.0.1(58800):report@analytics:[21112]:LOG:  duration: 0.776 ms  statement: SELECT day FROM daily_sales WHERE amount > 500',
      '2026-12-07 01:27:19 EST:::1(33924):app@shop:[21113]:LOG:  duration: 1.5 ms  statement: SELECT 2',
      '2026-12-07 06:27:20 UTC:[local]:report@analytics:[21114]:LOG:  duration: 2.0 ms  statement: SELECT 3',
      '2026-12-07 06:27:21 UTC::@:[20001]:LOG:  checkpoint starting: time',
    ].join('\n');
    const entries = readAll(createReader('pg-stderr'), log);
    expect(entries.map((e) => [e.user, e.database, e.session, e.at])).toEqual([
      ['report', 'analytics', '21112', Date.UTC(2026, 11, 7, 6, 27, 19)],
      ['app', 'shop', '21113', Date.UTC(2026, 11, 7, 6, 27, 19)],
      ['report', 'analytics', '21114', Date.UTC(2026, 11, 7, 6, 27, 20)],
      [null, null, '20001', Date.UTC(2026, 11, 7, 6, 27, 21)],
    ]);
  });

  test('a prefix without the pid still reads (sessions cannot be told apart then)', () => {
    const log = [
      '2024-03-01 10:00:00 UTC LOG:  duration: 2.0 ms  statement: SELECT 1',
      'LOG:  statement: SELECT 2',
    ].join('\n');
    const entries = readAll(createReader('pg-stderr'), log);
    expect(entries.map((e) => [e.statement, e.session])).toEqual([
      ['SELECT 1', null],
      ['SELECT 2', null],
    ]);
  });
});

describe('PostgreSQL csvlog and jsonlog', () => {
  test('a csv record whose quoted fields hold line breaks is one entry; a cut record is truncated', () => {
    const csv = [
      '2024-03-01 10:00:00.000 UTC,"u","d",42,"[local]",s.1,1,"SELECT",2024-03-01 10:00:00 UTC,3/0,0,LOG,00000,"duration: 1.000 ms  statement: SELECT a,',
      'b FROM ""T""",,,,,,,,,"psql","client backend",,0',
      '2024-03-01 10:00:01.000 UTC,"u","d",42,"[local]",s.1,2,"SELECT",2024-03-01 10:00:00 UTC,3/0,0,LOG,00000,"duration: 1.000 ms  statement: SELECT \'cut',
    ].join('\n');
    const reader = createReader('pg-csv');
    const entries = readAll(reader, csv);
    expect(entries[0]).toMatchObject({
      statement: 'SELECT a,\nb FROM "T"',
      startLine: 1,
      endLine: 2,
      user: 'u',
      session: '42',
    });
    expect(entries[1]).toMatchObject({ startLine: 3, readStatus: 'truncated' });
  });

  test('jsonlog lines that are not JSON are kept as not-sql', () => {
    const json = [
      '{"timestamp":"2024-03-01 10:00:00.000 UTC","user":"u","dbname":"d","pid":5,"error_severity":"LOG","message":"duration: 2.5 ms  statement: SELECT 1"}',
      '{"timestamp":"2024-03-01 10:00:00.000 UTC","user":"u","dbname":"d","pid":5,"error_severity":"LOG","mess',
    ].join('\n');
    const entries = readAll(createReader('pg-json'), json);
    expect(entries[0]).toMatchObject({ statement: 'SELECT 1', durationMs: 2.5, database: 'd', session: '5' });
    expect(entries[1]).toMatchObject({ readStatus: 'not-sql', statement: null });
  });
});
