import { describe, expect, it } from 'vitest';
import { formatClusters } from '../../../src/cli/commands/sql.js';
import type { SqlCluster, SqlClustersResult } from '../../../src/engines/sql/cluster-types.js';

const cluster = (rank: number): SqlCluster => ({
  rank,
  engine: 'sql',
  count: 3,
  total_ms: 30,
  mean_ms: 10,
  p95_ms: 12,
  first_seen: null,
  last_seen: null,
  statement_type: 'select',
  tables: ['orders'],
  representative: 'SELECT * FROM orders WHERE id = 1',
  fingerprints: ['abc'],
  members: [],
  members_cut: true,
});

const result = (statements: number, clusters: SqlCluster[], total = clusters.length): SqlClustersResult => ({
  took_ms: 1,
  statements,
  clusters_total: total,
  threshold: 1,
  clusters,
});

describe('formatClusters', () => {
  it('counts statements and clusters in words that agree with the numbers', () => {
    expect(formatClusters(result(1, [cluster(1)])).split('\n')[0]).toBe(
      '1 statement in 1 cluster; the one with the most total time:',
    );
    expect(formatClusters(result(7, [cluster(1), cluster(2)], 4)).split('\n')[0]).toBe(
      '7 statements in 4 clusters; the 2 with the most total time:',
    );
    expect(formatClusters(result(0, []))).toBe('No SQL statements match.\n');
  });

  it('a cluster logged without durations (statements that failed) shows no time, not a total of 0', () => {
    const failed = { ...cluster(1), total_ms: 0, mean_ms: null, p95_ms: null, statement_type: 'select' };
    const row = formatClusters(result(3, [failed])).split('\n')[3]!;
    expect(row.split(/ +/)).toEqual(['', '1', '-', '3', '-', '-', 'select', 'orders']);
  });
});
