import { copyFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqlAnalyzer } from '../../../../src/engines/sql/analyze.js';
import type { SqlCluster, SqlClustersResult } from '../../../../src/engines/sql/cluster-types.js';
import type { AnalyzedSqlEntry } from '../../../../src/engines/sql/types.js';
import { testEmbedderBlock, Workspace } from '../../../helpers/index-workspace.js';
import { findMariadb, type MariadbWorkload, runMariadbWorkload } from '../../../helpers/mariadb-server.js';
import { findPostgres, type PgWorkload, runPgWorkload } from '../../../helpers/pg-server.js';
import { oneJsonLine, runCli } from '../../../helpers/run-cli.js';
import { forMysql, loadClusterFamilies, withOtherLiterals } from '../../../helpers/sql-families.js';
import { bare, indexedOnly, readLogFile } from '../../../helpers/sql-read.js';

const pg = findPostgres();
if (pg.reason) console.warn(`clusters.test.ts (PostgreSQL) skipped: ${pg.reason}`);
const maria = findMariadb();
if (maria.reason) console.warn(`clusters.test.ts (MariaDB) skipped: ${maria.reason}`);

const fixture = loadClusterFamilies();
const tuned = fixture.families.filter((f) => f.split === 'tuned');
/** Each spelling run twice, the second time with other literals: the same logic, other values. */
const RUNS = 2;

/** The workload's statements as sent (a spelling without numbers is sent once), each with its family. */
function workload(dialect: 'postgresql' | 'mysql'): Map<string, string> {
  const family = new Map<string, string>();
  for (const f of tuned)
    for (const s of f.spellings)
      for (let k = 0; k < RUNS; k++)
        family.set(withOtherLiterals(dialect === 'mysql' ? forMysql(s) : s, k), f.name);
  return family;
}

/** A cluster's member statements that belong to a family of the fixture, by family. */
function familiesOf(c: SqlCluster, family: Map<string, string>): Set<string> {
  const names = new Set<string>();
  for (const m of c.members) {
    const name = family.get(bare(m.statement)!.trim());
    if (name) names.add(name);
  }
  return names;
}

/**
 * Checks the clusters against the families: every run of every spelling of a family is in one
 * cluster, and no cluster holds two families. Returns the families merged from more than one
 * fingerprint (fingerprints alone would have kept their spellings apart).
 */
function checkFamilies(result: SqlClustersResult, family: Map<string, string>): string[] {
  const clusterOf = new Map<string, number[]>();
  for (const c of result.clusters) {
    expect(c.members_cut, `cluster ${c.rank} lists every member`).toBe(false);
    const names = familiesOf(c, family);
    expect([...names], `cluster ${c.rank}: ${c.representative}`).toHaveLength(names.size > 0 ? 1 : 0);
    for (const n of names) clusterOf.set(n, [...(clusterOf.get(n) ?? []), c.rank]);
  }
  const merged: string[] = [];
  for (const f of tuned) {
    expect(clusterOf.get(f.name), `family ${f.name}`).toHaveLength(1);
    const c = result.clusters.find((x) => x.rank === clusterOf.get(f.name)![0])!;
    const runs = c.members.filter((m) => family.get(bare(m.statement)!.trim()) === f.name);
    const sent = [...family.values()].filter((n) => n === f.name).length;
    expect(runs, `family ${f.name}: every statement sent`).toHaveLength(sent);
    if (c.fingerprints.length > 1) merged.push(f.name);
  }
  return merged;
}

/** Everything listed: all clusters, all members. */
const ALL = ['--top', '1000', '--members', '10000'];

describe.skipIf(pg.reason !== null)('ragctl sql clusters over a real PostgreSQL log', () => {
  let work: PgWorkload;
  let ws: Workspace;
  let config: string;
  let truth: AnalyzedSqlEntry[];
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const clusters = async (...args: string[]): Promise<SqlClustersResult & { via: string }> => {
    const r = await ragctl('sql', 'clusters', '--json', ...args);
    expect(r.code, r.stderr).toBe(0);
    return oneJsonLine(r) as unknown as SqlClustersResult & { via: string };
  };

  beforeAll(async () => {
    work = await runPgWorkload(pg.bin!, {
      clients: 2,
      transactions: 10,
      extra: { setup: fixture.setup.postgresql, queries: [...workload('postgresql').keys()] },
    });
    ws = await Workspace.create('sql-clusters');
    copyFileSync(work.stderrLog, ws.path('postgresql.log'));
    truth = indexedOnly(
      await readLogFile(await SqlAnalyzer.create(), ws.path('postgresql.log'), 'pg-stderr'),
    );
    config = await ws.writeConfig({
      embedders: { default: testEmbedderBlock() },
      engines: { sql: { chunker: 'sql', mapper: 'sql' } },
      sources: [{ path: ws.notes, engine: 'sql', include: ['**/*.log'] }],
    });
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await ws?.cleanup();
    await work?.cleanup();
  });

  test('equivalent spellings share a cluster, different logic does not', async () => {
    const result = await clusters(...ALL);
    expect(result.via).toBe('index');
    const merged = checkFamilies(result, workload('postgresql'));
    // The anti-join written three ways has three fingerprints: only the logic key joins them.
    expect(merged).toContain('customers-without-orders');
    expect(merged).toContain('orders-with-customer-region');
    expect(merged).toContain('big-paid-orders');
    expect(result.statements).toBe(truth.filter((e) => e.fingerprint !== null).length);
    expect(result.clusters.reduce((n, c) => n + c.count, 0)).toBe(result.statements);
  });

  test('--db and --user keep the statements run in that database, by that user', async () => {
    const all = truth.filter((e) => e.fingerprint !== null);
    const theirs = all.filter((e) => e.database === 'postgres' && e.user === 'postgres');
    expect(theirs.length).toBeGreaterThan(0);
    const result = await clusters('--db', 'postgres', '--user', 'postgres', ...ALL);
    expect(result.statements).toBe(theirs.length);
    expect((await clusters('--db', 'analytics', ...ALL)).statements).toBe(0);
    expect((await clusters('--user', 'report', ...ALL)).statements).toBe(0);
  });

  test('--min-time keeps exactly the statements the log says took that long; clusters rank by total time', async () => {
    const durations = truth
      .filter((e) => e.fingerprint !== null && e.durationMs !== null)
      .map((e) => e.durationMs!)
      .sort((a, b) => a - b);
    const bound = durations[Math.floor(durations.length * 0.9)]!;
    const kept = truth.filter(
      (e) => e.fingerprint !== null && e.durationMs !== null && e.durationMs >= bound,
    );
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(durations.length);
    const result = await clusters('--min-time', String(bound), ...ALL);
    expect(result.statements).toBe(kept.length);
    const lines = result.clusters
      .flatMap((c) => c.members.map((m) => `${m.start_line}-${m.end_line}`))
      .sort();
    expect(lines).toEqual(kept.map((e) => `${e.startLine}-${e.endLine}`).sort());
    for (const c of result.clusters) {
      const ds = c.members.map((m) => m.duration_ms!);
      expect(Math.min(...ds)).toBeGreaterThanOrEqual(bound);
      expect(c.total_ms).toBeCloseTo(
        ds.reduce((a, b) => a + b, 0),
        2,
      );
      expect(c.mean_ms).toBeCloseTo(c.total_ms / c.count, 2);
      expect(c.p95_ms).toBeLessThanOrEqual(Math.max(...ds));
    }
    const totals = result.clusters.map((c) => c.total_ms);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    expect(result.clusters.map((c) => c.rank)).toEqual(result.clusters.map((_, i) => i + 1));
  });

  test('--table and --after are pushed down; --threshold 0 merges by embedding within one table set', async () => {
    const orders = await clusters('--table', 'orders', ...ALL);
    expect(orders.clusters.length).toBeGreaterThan(0);
    // `orders` as statements write it, and schema-qualified (`public.orders`) too.
    const touches = (tables: string[]) => tables.some((t) => t === 'orders' || t.endsWith('.orders'));
    for (const c of orders.clusters) expect(touches(c.tables)).toBe(true);
    expect(orders.statements).toBe(truth.filter((e) => touches(e.tables)).length);

    const times = truth
      .map((e) => e.at)
      .filter((t): t is number => t !== null)
      .sort((a, b) => a - b);
    const middle = times[Math.floor(times.length / 2)]!;
    const later = await clusters('--after', new Date(middle).toISOString(), ...ALL);
    expect(later.statements).toBe(
      truth.filter((e) => e.fingerprint !== null && e.at !== null && e.at >= middle).length,
    );

    const structural = await clusters(...ALL);
    const loose = await clusters('--threshold', '0', ...ALL);
    expect(loose.threshold).toBe(0);
    expect(loose.clusters_total).toBeLessThan(structural.clusters_total);
    // Lookups of customers by id and by region: other logic, one table set, similar text.
    const family = workload('postgresql');
    const byId = loose.clusters.find((c) => familiesOf(c, family).has('customer-by-id'))!;
    expect(familiesOf(byId, family)).toContain('customers-by-region');
  });

  test('--json shape: every member with its place, a cut list says so; human output is a digest', async () => {
    const result = await clusters('--top', '3', '--members', '1');
    expect(Object.keys(result).sort()).toEqual(
      ['clusters', 'clusters_total', 'statements', 'threshold', 'took_ms', 'via'].sort(),
    );
    expect(result.clusters).toHaveLength(3);
    const c = result.clusters[0]!;
    expect(Object.keys(c).sort()).toEqual(
      [
        'count',
        'engine',
        'fingerprints',
        'first_seen',
        'last_seen',
        'mean_ms',
        'members',
        'members_cut',
        'p95_ms',
        'rank',
        'representative',
        'statement_type',
        'tables',
        'total_ms',
      ].sort(),
    );
    expect(c.engine).toBe('sql');
    expect(c.members).toHaveLength(1);
    expect(c.members_cut).toBe(c.count > 1);
    const m = c.members[0]!;
    expect(Object.keys(m).sort()).toEqual([
      'at',
      'duration_ms',
      'end_line',
      'path',
      'start_line',
      'statement',
    ]);
    expect(m.path).toBe(ws.path('postgresql.log'));
    const entry = truth.find((e) => e.startLine === m.start_line)!;
    expect([entry.endLine, entry.durationMs, entry.at]).toEqual([m.end_line, m.duration_ms, m.at]);
    expect(c.first_seen).toBeLessThanOrEqual(c.last_seen!);

    const human = await ragctl('sql', 'clusters', '--top', '3');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Rank\s+Total ms\s+Count\s+Mean ms\s+P95 ms/);
    expect(human.stdout).toMatch(/^\s+1\s+\d/m);
    expect(human.stdout).toContain(c.fingerprints[0]!.slice(0, 8));

    const bad = await ragctl('sql', 'clusters', '--threshold', '1.5');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--threshold must be a number from 0 to 1');
  });
});

describe.skipIf(maria.reason !== null)('ragctl sql clusters over a real MariaDB slow log', () => {
  let work: MariadbWorkload;
  let ws: Workspace;
  let config: string;

  beforeAll(async () => {
    work = await runMariadbWorkload(maria.bins!, {
      lookups: 20,
      extra: { setup: fixture.setup.mysql, queries: [...workload('mysql').keys()] },
    });
    ws = await Workspace.create('sql-clusters-maria');
    copyFileSync(work.slowLog, ws.path('mariadb-slow.log'));
    config = await ws.writeConfig({
      embedders: { default: testEmbedderBlock() },
      engines: { sql: { chunker: 'sql', mapper: 'sql' } },
      sources: [{ path: ws.notes, engine: 'sql', include: ['**/*.log'] }],
    });
    const indexed = await runCli(['index', '--json', '--config', config], { cwd: ws.root });
    expect(indexed.code, indexed.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await ws?.cleanup();
    await work?.cleanup();
  });

  test('equivalent spellings share a cluster, different logic does not', async () => {
    const r = await runCli(['sql', 'clusters', '--json', ...ALL, '--config', config], { cwd: ws.root });
    expect(r.code, r.stderr).toBe(0);
    const merged = checkFamilies(oneJsonLine(r) as unknown as SqlClustersResult, workload('mysql'));
    expect(merged).toContain('customers-without-orders');
    expect(merged).toContain('products-never-ordered');
  });
});
