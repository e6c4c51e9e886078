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

  test('DELIMITER lines set what ends a statement, so a procedure or trigger is one statement', () => {
    const dump = [
      '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
      '/*!40101 SET NAMES utf8mb4 */;',
      'CREATE TABLE orders (id int, customer_id int, total numeric);',
      'DELIMITER ;;',
      'CREATE DEFINER=`root`@`localhost` PROCEDURE `pay_order`(IN p_order INT)',
      'BEGIN',
      '  UPDATE orders SET total = 0 WHERE id = p_order;',
      '  SELECT total FROM orders WHERE id = p_order;',
      'END ;;',
      'DELIMITER ;',
      'delimiter //',
      'CREATE TRIGGER audit_orders AFTER INSERT ON orders FOR EACH ROW',
      'BEGIN',
      '  INSERT INTO audit VALUES (NEW.customer_id);',
      'END//',
      'DELIMITER ;',
      ';',
      'SELECT 1;',
      '/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;',
    ].join('\n');
    const entries = readAll(createReader('sql-file'), dump);
    expect(entries.map((e) => [e.startLine, e.endLine, e.statement])).toEqual([
      [3, 3, 'CREATE TABLE orders (id int, customer_id int, total numeric)'],
      [5, 9, expect.stringMatching(/^CREATE DEFINER[\s\S]*WHERE id = p_order;\nEND$/)],
      [12, 15, expect.stringMatching(/^CREATE TRIGGER[\s\S]*NEW\.customer_id\);\nEND$/)],
      [18, 18, 'SELECT 1'],
    ]);
    expect(entries.every((e) => e.readStatus === null)).toBe(true);
  });
});
