import { beforeAll, describe, expect, test } from 'vitest';
import { SqlAnalyzer } from '../../../../src/engines/sql/analyze.js';
import { logicKey } from '../../../../src/engines/sql/canonical.js';
import type { SqlDialect } from '../../../../src/engines/sql/types.js';
import { forMysql, loadClusterFamilies } from '../../../helpers/sql-families.js';

const { families } = loadClusterFamilies();
const tuned = families.filter((f) => f.split === 'tuned');

/**
 * The logic key over the analyzer's normalised text, as `ragctl sql clusters` computes it from
 * the stored column (PostgreSQL: libpg-query's `$n` text; MariaDB: node-sql-parser's `?` text).
 */
describe.each(['postgresql', 'mysql'] as const)('logicKey (%s)', (dialect: SqlDialect) => {
  let analyzer: SqlAnalyzer;
  beforeAll(async () => {
    analyzer = await SqlAnalyzer.create();
  });
  const keyOf = (sql: string) => {
    const a = analyzer.analyze(dialect === 'mysql' ? forMysql(sql) : sql, dialect);
    // `partial`: MariaDB's `status` column is quoted before node-sql-parser reads it.
    expect(['ok', 'partial'], sql).toContain(a.parseStatus);
    return logicKey(a.normalized!, dialect);
  };

  test.each(tuned.filter((f) => f.spellings.length > 1).map((f) => [f.name, f]))(
    'the spellings of %s share one key',
    (_name, family) => {
      const keys = family.spellings.map(keyOf);
      expect(keys[0]).not.toBeNull();
      expect(new Set(keys).size, family.spellings.join('\n')).toBe(1);
    },
  );

  test('different logic never shares a key (every family, held-out ones too)', () => {
    const owner = new Map<string, string>();
    for (const f of families) {
      for (const s of f.spellings) {
        const key = keyOf(s)!;
        expect(owner.get(key) ?? f.name, `${f.name}: ${s}`).toBe(f.name);
        owner.set(key, f.name);
      }
    }
  });

  test('a left join without the IS NULL test is an outer join, not an anti-join', () => {
    const anti = keyOf(
      'SELECT c.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.id IS NULL',
    );
    const outer = keyOf('SELECT c.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id');
    const notAnti = keyOf(
      'SELECT c.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.id IS NOT NULL',
    );
    expect(new Set([anti, outer, notAnti]).size).toBe(3);
    expect(
      keyOf(
        'SELECT c.id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)',
      ),
    ).toBe(anti);
    // EXISTS is the opposite question.
    expect(
      keyOf('SELECT c.id FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)'),
    ).not.toBe(anti);
  });

  test('operands keep their meaning: a < b is b > a, not a > b', () => {
    expect(keyOf('SELECT id FROM orders WHERE total > 5')).toBe(
      keyOf('SELECT id FROM orders WHERE 5 < total'),
    );
    expect(keyOf('SELECT id FROM orders WHERE total > 5')).not.toBe(
      keyOf('SELECT id FROM orders WHERE total < 5'),
    );
    expect(keyOf('SELECT id FROM orders ORDER BY total DESC')).not.toBe(
      keyOf('SELECT id FROM orders ORDER BY total'),
    );
  });
});

test('text no parser reads has no logic key (it clusters by fingerprint alone)', () => {
  expect(logicKey('SELEC nonsense FROM', 'postgresql')).toBeNull();
  expect(logicKey('SELECT 1; SELECT 2', 'postgresql')).toBeNull();
});
