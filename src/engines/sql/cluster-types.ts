/**
 * `ragctl sql clusters` and the socket method `sql_clusters`: the families of statements that
 * are the same logic, sorted by the time they cost (docs/PROTOCOL.md is the prose).
 */

/** Clusters returned when `top` is not given: a digest's first screen. */
export const DEFAULT_TOP = 20;
export const MAX_TOP = 1000;
/** Members listed per cluster when `members` is not given; the rest are counted, not listed. */
export const DEFAULT_MEMBERS = 20;
export const MAX_MEMBERS = 10_000;

/** The method's params; every filter is pushed into LanceDB's `where`. */
export interface SqlClustersParams {
  /** Only statements that took at least this long (ms). */
  min_time?: number;
  /** Only statements run at or after / before this time (a date, a date-time or an age, as in `search`). */
  after?: string;
  before?: string;
  /** Only statements that touch this table. */
  table?: string;
  /** Only statements run in this database / by this database user. */
  db?: string;
  user?: string;
  /**
   * Cosine similarity of two fingerprints' normalised texts at or above which they merge when
   * they touch the same tables with the same statement type; 1 merges by structure only.
   * Default: the engine's `clusterThreshold`.
   */
  threshold?: number;
  /** Clusters returned, largest total time first (default DEFAULT_TOP). */
  top?: number;
  /** Members listed per cluster, slowest first (default DEFAULT_MEMBERS). */
  members?: number;
}

/** One executed statement of a cluster. */
export interface ClusterMember {
  path: string;
  start_line: number;
  end_line: number;
  duration_ms: number | null;
  /** Epoch ms of the log line, null when it has no time. */
  at: number | null;
  statement: string;
}

export interface SqlCluster {
  /** 1 = the most total time. */
  rank: number;
  engine: string;
  count: number;
  /** Sums and statistics over the statements that have a duration; null when none has. */
  total_ms: number;
  mean_ms: number | null;
  p95_ms: number | null;
  /** Epoch ms, null when no statement has a time. */
  first_seen: number | null;
  last_seen: number | null;
  statement_type: string | null;
  tables: string[];
  /** The slowest statement of the cluster's most expensive fingerprint. */
  representative: string;
  /** Every fingerprint merged into the cluster, most total time first. */
  fingerprints: string[];
  /** The slowest `members` statements. */
  members: ClusterMember[];
  /** True when `members` lists fewer statements than `count`. */
  members_cut: boolean;
}

export interface SqlClustersResult {
  took_ms: number;
  /** Statements the filters kept (with a fingerprint). */
  statements: number;
  /** Clusters found; `clusters` holds the first `top` of them. */
  clusters_total: number;
  threshold: number;
  clusters: SqlCluster[];
}
