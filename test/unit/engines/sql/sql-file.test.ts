import { describe, expect, test } from 'vitest';
import { readAll } from '../../../../src/engines/sql/lines.js';
import { createReader } from '../../../../src/engines/sql/readers.js';

const FILE = String.raw`-- schema for the shop
CREATE TABLE t (a int, b text); -- why: b is free text
/* a block /* nested */ comment; with a semicolon */
INSERT INTO t VALUES (1, 'semi; colon'), (2, E'it\'s; fine');
CREATE FUNCTION f() RETURNS int AS $body$
BEGIN
  RETURN 1; -- inside the body
END;
$body$ LANGUAGE plpgsql;
\connect other
COPY t (a, b) FROM stdin;
1	x;y
2	z
\.
SELECT "odd;name" FROM t;
SELECT 1`;

describe('.sql files', () => {
  test('statements split at top-level semicolons only: comments, strings, dollar quoting, COPY data', () => {
    const entries = readAll(createReader('sql-file'), FILE);
    expect(entries.map((e) => [e.startLine, e.endLine, e.readStatus])).toEqual([
      [1, 2, null],
      [3, 4, null],
      [5, 9, null],
      [10, 10, 'not-sql'],
      [11, 14, null],
      [15, 15, null],
      [16, 16, null],
    ]);
    expect(entries[0]!.text).toBe(
      '-- schema for the shop\nCREATE TABLE t (a int, b text); -- why: b is free text',
    );
    expect(entries[2]!.statement).toMatch(
      /^CREATE FUNCTION[\s\S]*RETURN 1; -- inside the body[\s\S]*plpgsql$/,
    );
    expect(entries[4]).toMatchObject({ statement: 'COPY t (a, b) FROM stdin', extra: { copyRows: 2 } });
    expect(entries[4]!.text.split('\n')).toHaveLength(4);
    expect(entries[5]!.statement).toBe('SELECT "odd;name" FROM t');
  });

  test('a file ending inside a dollar-quoted body is truncated; without finish it is pending', () => {
    const text = 'SELECT 1;\nCREATE FUNCTION g() RETURNS int AS $$\nBEGIN';
    const reader = createReader('sql-file');
    expect(readAll(reader, text, false)).toHaveLength(1);
    expect(reader.pendingFrom()).toBe(2);
    const [cut] = reader.finish();
    expect(cut).toMatchObject({ startLine: 2, endLine: 3, readStatus: 'truncated' });
    expect(cut!.readNote).toMatch(/dollar-quoted/);
  });
});
