import { beforeAll, describe, expect, test } from 'vitest';
import { SqlAnalyzer } from '../../../../src/engines/sql/analyze.js';
import { lexicalShape } from '../../../../src/engines/sql/lexical.js';
import { NspReader } from '../../../../src/engines/sql/nsp.js';

let analyzer: SqlAnalyzer;
beforeAll(async () => {
  analyzer = await SqlAnalyzer.create();
});

function fingerprints(dialect: 'postgresql' | 'mysql', sqls: string[]): Set<string | null> {
  return new Set(sqls.map((s) => analyzer.analyze(s, dialect).fingerprint));
}

describe('fingerprints', () => {
  test('PostgreSQL: literals, IN-list and VALUES lengths, layout, comments, keyword case, quoting, $n', () => {
    const same = [
      'SELECT name FROM users WHERE id IN (1, 2, 3) AND kind = $1',
      "select name from users where id in (4) and kind = 'x'",
      'SELECT "name"\n  FROM "users" /* hot path */\n WHERE id IN (5, 6) -- note\n   AND kind = $2',
    ];
    expect(fingerprints('postgresql', same).size).toBe(1);
    expect(
      fingerprints('postgresql', [
        'INSERT INTO t (a, b) VALUES (1, 2)',
        'insert into t (a, b) values ($1, $2), ($3, $4)',
      ]).size,
    ).toBe(1);
    expect(
      fingerprints('postgresql', ['SELECT a FROM t WHERE id = 1', 'SELECT b FROM t WHERE id = 1']).size,
    ).toBe(2);
    const a = analyzer.analyze(same[0]!, 'postgresql');
    expect(a).toMatchObject({
      parseStatus: 'ok',
      fingerprintBy: 'libpg-query',
      statementType: 'select',
      tables: ['users'],
    });
    expect(a.normalized).toBe('SELECT name FROM users WHERE id IN ($2, $3, $4) AND kind = $1');
  });

  test('MariaDB: the same equivalences through node-sql-parser', () => {
    const same = [
      "SELECT name FROM users WHERE id IN (1, 2, 3) AND kind = 'a'",
      'select `name` from `users` where id in (9) and kind = "b" # note',
      'SELECT name\n  FROM users /* x */ WHERE id IN (4, 5) AND kind = ?',
    ];
    expect(fingerprints('mysql', same).size).toBe(1);
    expect(
      fingerprints('mysql', ['INSERT INTO t VALUES (1, 2)', "INSERT INTO t VALUES (3, 'x'), (4, NULL)"]).size,
    ).toBe(1);
    expect(analyzer.analyze(same[0]!, 'mysql')).toMatchObject({
      parseStatus: 'ok',
      tables: ['users'],
      statementType: 'select',
    });
  });

  test('statement types and tables from the PostgreSQL tree: DML targets, joins, CTE names left out', () => {
    expect(
      analyzer.analyze('UPDATE s.accounts SET x = 1 FROM other o WHERE o.id = 1', 'postgresql'),
    ).toMatchObject({
      statementType: 'update',
      tables: ['other', 's.accounts'],
    });
    expect(
      analyzer.analyze(
        'WITH recent AS (SELECT * FROM events) SELECT * FROM recent JOIN users ON true',
        'postgresql',
      ).tables,
    ).toEqual(['events', 'users']);
    expect(analyzer.analyze('BEGIN', 'postgresql').statementType).toBe('begin');
    expect(analyzer.analyze('CREATE TABLE x (a int)', 'postgresql').statementType).toBe('create table');
  });
});

describe("node-sql-parser's grammar gaps, bridged on purpose", () => {
  test('a column named `at` (a non-reserved keyword) is quoted and parsed again', () => {
    const reader = new NspReader('postgresql');
    const r = reader.read('SELECT id, at FROM events WHERE at > now() ORDER BY at');
    expect(r.tables).toEqual(['events']);
    expect(r.rewrites).toEqual(['quoted the name "at"']);
  });

  test('FETCH FIRST n ROWS ONLY is read as LIMIT n, and the entry says so', () => {
    const a = analyzer.analyze('SELECT id FROM events ORDER BY id FETCH FIRST 5 ROWS ONLY', 'mysql');
    expect(a).toMatchObject({ parseStatus: 'partial', tables: ['events'] });
    expect(a.parseNote).toMatch(/FETCH FIRST read as LIMIT/);
    expect(a.fingerprint).toBe(
      analyzer.analyze('SELECT id FROM events ORDER BY id LIMIT 7', 'mysql').fingerprint,
    );
  });
});

describe('what no parser reads', () => {
  test('a statement cut mid-way is truncated, still fingerprinted lexically', () => {
    const a = analyzer.analyze('SELECT a, b FROM t WHERE a = 1 AND', 'postgresql');
    expect(a).toMatchObject({ parseStatus: 'truncated', fingerprintBy: 'lexical' });
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  test('malformed SQL is unparsed with the parser message; only comments are not-sql', () => {
    const a = analyzer.analyze('SELEC a FROM t', 'postgresql');
    expect(a.parseStatus).toBe('unparsed');
    expect(a.parseNote).toMatch(/syntax error/);
    expect(analyzer.analyze('-- nothing here', 'postgresql').parseStatus).toBe('not-sql');
  });

  test('the lexical shape drops literals, comments and layout, and collapses lists', () => {
    expect(
      lexicalShape('SELECT  \'a\', 1.5e3 FROM "T" WHERE x IN (1,2,3) -- c\n AND y = $1', 'postgresql'),
    ).toBe('select ? , ? from T where x in (?+) and y = ?');
    expect(lexicalShape('INSERT INTO t VALUES (1, "a"), (2, "b")', 'mysql')).toBe(
      'insert into t values (?+)',
    );
  });
});

describe('rewrites never turn a cut statement into a different one', () => {
  test('`SELECT x FROM` is truncated, not `SELECT x AS "from"`', () => {
    expect(analyzer.analyze('SELECT x FROM', 'postgresql').parseStatus).toBe('truncated');
    expect(analyzer.analyze('SELECT x FROM', 'mysql').parseStatus).toBe('truncated');
    expect(() => new NspReader('postgresql').read('SELECT x FROM')).toThrow();
  });
});
