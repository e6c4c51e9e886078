import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface QueryFamily {
  name: string;
  /** Equivalent spellings; `"` quotes a name (turned into backticks for MariaDB). */
  spellings: string[];
}

export interface FamiliesFixture {
  setup: { postgresql: string[]; mysql: string[] };
  families: QueryFamily[];
  failing: { postgresql: string; mysql: string };
}

export const FAMILIES_PATH = fileURLToPath(new URL('../fixtures/sql/families.json', import.meta.url));

export function loadFamilies(): FamiliesFixture {
  return JSON.parse(readFileSync(FAMILIES_PATH, 'utf8')) as FamiliesFixture;
}

export function forMysql(sql: string): string {
  return sql.replaceAll('"', '`');
}

/** A family of test/fixtures/sql/clusters.json: one logic, written in structurally different ways. */
export interface ClusterFamily {
  name: string;
  /** `tuned`: used while the canonical form was written; `heldout`: only measured. */
  split: 'tuned' | 'heldout';
  spellings: string[];
}

export interface ClustersFixture {
  setup: { postgresql: string[]; mysql: string[] };
  families: ClusterFamily[];
}

export const CLUSTERS_PATH = fileURLToPath(new URL('../fixtures/sql/clusters.json', import.meta.url));

export function loadClusterFamilies(): ClustersFixture {
  return JSON.parse(readFileSync(CLUSTERS_PATH, 'utf8')) as ClustersFixture;
}

/** The same statement with other literals: every number shifted by `k` (run `k` of a spelling). */
export function withOtherLiterals(sql: string, k: number): string {
  return k === 0 ? sql : sql.replace(/\b\d+\b/g, (n) => String(Number(n) + k));
}
