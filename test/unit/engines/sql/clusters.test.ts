import { loadModule } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterWhere } from '../../../../src/engines/sql/cluster-service.js';
import {
  type ClusterRow,
  FingerprintGroup,
  mergeFingerprints,
} from '../../../../src/engines/sql/clusters.js';

function row(
  fingerprint: string,
  normalized: string,
  durationMs: number | null,
  line: number,
  vector?: number[],
): ClusterRow {
  return {
    fingerprint,
    normalized,
    dialect: 'postgresql',
    statementType: 'select',
    tables: ['orders'],
    durationMs,
    at: durationMs === null ? null : 1_000 + line,
    path: '/logs/pg.log',
    startLine: line,
    endLine: line,
    text: `${normalized} -- ${line}`,
    vector: vector ? Float32Array.from(vector) : null,
  };
}

function group(rows: ClusterRow[], maxMembers: number): FingerprintGroup {
  const g = new FingerprintGroup(rows[0]!, maxMembers);
  for (const r of rows) g.add(r);
  return g;
}

beforeAll(async () => {
  await loadModule();
});

describe('mergeFingerprints', () => {
  const a = 'SELECT id FROM orders WHERE status = $1 AND total > $2';
  const b = 'SELECT id FROM orders WHERE $1 < total AND status = $2';
  const c = 'SELECT id FROM orders WHERE total > $1';

  it('merges fingerprints of one logic, sums them, and keeps the slowest members only', () => {
    const durations = Array.from({ length: 50 }, (_, i) => i + 1);
    const ga = group(
      durations.map((d, i) => row('fa', a, d, i + 1)),
      5,
    );
    const gb = group([row('fb', b, 100, 100), row('fb', b, null, 101)], 5);
    const gc = group([row('fc', c, 2000, 200)], 5);
    const [first, second] = mergeFingerprints([ga, gb, gc], 1, 5);
    // The lone slow statement outranks the larger family: ranked by total time.
    expect(first!.fingerprints).toEqual(['fc']);
    expect(second!.fingerprints).toEqual(['fa', 'fb']);
    expect(second!.count).toBe(52);
    expect(second!.total_ms).toBe(1275 + 100);
    // The mean and the percentile are over the 51 statements that have a duration.
    expect(second!.mean_ms).toBeCloseTo(1375 / 51, 3);
    expect(second!.p95_ms).toBe(49);
    expect(second!.members.map((m) => m.duration_ms)).toEqual([100, 50, 49, 48, 47]);
    expect(second!.members_cut).toBe(true);
    expect([second!.first_seen, second!.last_seen]).toEqual([1_001, 1_100]);
    expect(second!.representative).toBe(`${a} -- 50`);
  });

  it('below threshold 1, similar embeddings of one table set merge too; at 1 they do not', () => {
    const ga = group([row('fa', a, 1, 1, [1, 0])], 5);
    const gc = group([row('fc', c, 1, 2, [0.96, 0.28])], 5);
    expect(mergeFingerprints([ga, gc], 1, 5)).toHaveLength(2);
    expect(mergeFingerprints([ga, gc], 0.97, 5)).toHaveLength(2);
    expect(mergeFingerprints([ga, gc], 0.95, 5)).toHaveLength(1);
  });
});

describe('clusterWhere', () => {
  it('pushes every filter into one where, and refuses a date it cannot read', () => {
    expect(clusterWhere({ min_time: 20, table: "o'rders", after: '2026-12-04' })).toBe(
      `(fingerprint IS NOT NULL) AND (duration_ms >= 20) AND (at_ms >= ${Date.UTC(2026, 11, 4)}) AND (regexp_like(array_to_string(tables, '\n'), '(?im)^(?:[^\n]+\\.)?o''rders$'))`,
    );
    expect(() => clusterWhere({ before: 'yesterday' })).toThrow('before "yesterday" is not a date');
  });
});
