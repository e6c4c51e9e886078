import { appendAll } from '../../arrays.js';
import { logicKey } from './canonical.js';
import type { ClusterMember, SqlCluster } from './cluster-types.js';
import type { SqlDialect } from './types.js';

/**
 * Fingerprints compared pairwise by embedding within one bucket (same statement type and
 * tables) at most; past it a bucket merges by structure only. Quadratic work: 2,000 is
 * two million dot products, well under a second, and logs hold a few hundred shapes.
 */
const MAX_BUCKET_FOR_EMBEDDING = 2000;

/** The share of statements at or under the reported percentile. */
const PERCENTILE = 0.95;

/** One stored statement, as the scan reads it. */
export interface ClusterRow {
  fingerprint: string;
  normalized: string | null;
  dialect: SqlDialect;
  statementType: string | null;
  tables: string[];
  durationMs: number | null;
  at: number | null;
  path: string;
  startLine: number;
  endLine: number;
  text: string;
  /** The normalised text's embedding (L2-normalised), when the table has it. */
  vector: Float32Array | null;
}

/** Every statement of one fingerprint, reduced as it streams by: bounded by `maxMembers`. */
export class FingerprintGroup {
  readonly fingerprint: string;
  readonly normalized: string | null;
  readonly dialect: SqlDialect;
  readonly statementType: string | null;
  readonly tables: readonly string[];
  readonly vector: Float32Array | null;
  count = 0;
  totalMs = 0;
  durations: number[] = [];
  first: number | null = null;
  last: number | null = null;
  #members: ClusterMember[] = [];
  readonly #maxMembers: number;

  constructor(row: ClusterRow, maxMembers: number) {
    this.fingerprint = row.fingerprint;
    this.normalized = row.normalized;
    this.dialect = row.dialect;
    this.statementType = row.statementType;
    this.tables = [...row.tables].sort();
    this.vector = row.vector;
    this.#maxMembers = maxMembers;
  }

  add(row: ClusterRow): void {
    this.count++;
    if (row.durationMs !== null) {
      this.totalMs += row.durationMs;
      this.durations.push(row.durationMs);
    }
    if (row.at !== null) {
      this.first = this.first === null ? row.at : Math.min(this.first, row.at);
      this.last = this.last === null ? row.at : Math.max(this.last, row.at);
    }
    this.#members.push({
      path: row.path,
      start_line: row.startLine,
      end_line: row.endLine,
      duration_ms: row.durationMs,
      at: row.at,
      statement: row.text,
    });
    // Trimmed in steps, not per row: a sort every `maxMembers` rows keeps it linear.
    if (this.#members.length >= 2 * this.#maxMembers + 1)
      this.#members = slowest(this.#members, this.#maxMembers);
  }

  members(): ClusterMember[] {
    return slowest(this.#members, this.#maxMembers);
  }
}

function slowest(members: ClusterMember[], n: number): ClusterMember[] {
  return members
    .sort(
      (a, b) =>
        (b.duration_ms ?? -1) - (a.duration_ms ?? -1) ||
        a.path.localeCompare(b.path) ||
        a.start_line - b.start_line,
    )
    .slice(0, n);
}

/**
 * Merges fingerprints into clusters: first those whose statements have the same logic
 * (`logicKey`: the parse tree with aliases resolved, joins flattened, conjuncts as a set,
 * anti- and semi-joins in one form), then, when `threshold` < 1, those whose normalised texts'
 * embeddings are at least that similar and that touch the same tables with the same statement
 * type. Clusters come sorted by total time, then count; `engine` is set by the caller.
 */
export function mergeFingerprints(
  groups: readonly FingerprintGroup[],
  threshold: number,
  maxMembers: number,
): Omit<SqlCluster, 'rank' | 'engine'>[] {
  const parent = groups.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };

  const byLogic = new Map<string, number>();
  groups.forEach((g, i) => {
    const key = g.normalized === null ? null : logicKey(g.normalized, g.dialect);
    if (key === null) return;
    const seen = byLogic.get(key);
    if (seen === undefined) byLogic.set(key, i);
    else union(seen, i);
  });

  if (threshold < 1) {
    const buckets = new Map<string, number[]>();
    groups.forEach((g, i) => {
      if (!g.vector) return;
      const key = `${g.statementType ?? ''}\u0000${g.tables.join(',')}`;
      const bucket = buckets.get(key);
      if (bucket) bucket.push(i);
      else buckets.set(key, [i]);
    });
    for (const bucket of buckets.values()) {
      if (bucket.length > MAX_BUCKET_FOR_EMBEDDING) continue;
      for (let x = 0; x < bucket.length; x++) {
        for (let y = x + 1; y < bucket.length; y++) {
          const a = groups[bucket[x]!]!.vector!;
          const b = groups[bucket[y]!]!.vector!;
          if (a.length === b.length && dot(a, b) >= threshold) union(bucket[x]!, bucket[y]!);
        }
      }
    }
  }

  const clusters = new Map<number, FingerprintGroup[]>();
  groups.forEach((g, i) => {
    const root = find(i);
    const list = clusters.get(root);
    if (list) list.push(g);
    else clusters.set(root, [g]);
  });
  return [...clusters.values()]
    .map((members) => summarize(members, maxMembers))
    .sort(
      (a, b) =>
        b.total_ms - a.total_ms || b.count - a.count || a.representative.localeCompare(b.representative),
    );
}

function summarize(groups: FingerprintGroup[], maxMembers: number): Omit<SqlCluster, 'rank' | 'engine'> {
  groups.sort(
    (a, b) => b.totalMs - a.totalMs || b.count - a.count || a.fingerprint.localeCompare(b.fingerprint),
  );
  const top = groups[0]!;
  let count = 0;
  let total = 0;
  let first: number | null = null;
  let last: number | null = null;
  const durations: number[] = [];
  const tables = new Set<string>();
  const members: ClusterMember[] = [];
  for (const g of groups) {
    count += g.count;
    total += g.totalMs;
    for (const d of g.durations) durations.push(d);
    if (g.first !== null) first = first === null ? g.first : Math.min(first, g.first);
    if (g.last !== null) last = last === null ? g.last : Math.max(last, g.last);
    for (const t of g.tables) tables.add(t);
    appendAll(members, g.members());
  }
  durations.sort((a, b) => a - b);
  const listed = slowest(members, maxMembers);
  return {
    count,
    total_ms: round(total),
    mean_ms: durations.length ? round(total / durations.length) : null,
    // Nearest rank: the smallest duration that at least 95% of the statements do not exceed.
    p95_ms: durations.length ? durations[Math.max(0, Math.ceil(PERCENTILE * durations.length) - 1)]! : null,
    first_seen: first,
    last_seen: last,
    statement_type: top.statementType,
    tables: [...tables].sort(),
    representative: top.members()[0]?.statement ?? top.normalized ?? '',
    fingerprints: groups.map((g) => g.fingerprint),
    members: listed,
    members_cut: listed.length < count,
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Microsecond precision: sums of float milliseconds otherwise print as 12.300000000000001. */
function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
