import type { FieldSpec } from '../config/schema.js';
import type { Collapse } from '../store/types.js';
import type { FilterField } from './types.js';

/** The sql mapper's name: `ragctl sql clusters` reads the tables of engines that use it. */
export const SQL_MAPPER_NAME = 'sql';

/**
 * The SQL mapper's columns beyond those every table has. Not `type`, `user` or `database`:
 * those are SQL keywords (`user` is a function in DataFusion), and the one `where` writer
 * (src/store/where.ts) leaves identifiers unquoted. Units are in the names, as elsewhere.
 */
export const SQL_COLUMNS = {
  /** float64 milliseconds, null when the source logged no duration. */
  durationMs: 'duration_ms',
  /** float64 epoch ms of the entry's log time, null when the line has none. */
  atMs: 'at_ms',
  /** `List<utf8>`: tables touched, as the analyzer names them. */
  tables: 'tables',
  statementType: 'statement_type',
  dbName: 'db_name',
  userName: 'user_name',
  fingerprint: 'fingerprint',
  normalized: 'normalized',
  parseStatus: 'parse_status',
} as const;

const S = SQL_COLUMNS;

/**
 * The SQL mapper's own filter fields. Plain data apart from the mapper, so that the CLI builds
 * its flags without loading Arrow (src/registry/builtin-filters.ts).
 */
export const SQL_FILTERS: readonly FilterField[] = Object.freeze([
  {
    name: 'min_time',
    kind: 'number-min',
    column: S.durationMs,
    placeholder: 'ms',
    description: 'only statements that took at least this long, in ms (sql engine)',
  },
  {
    name: 'table',
    kind: 'list-contains',
    column: S.tables,
    placeholder: 'name',
    description:
      'only statements that touch this table, in any case: orders also matches shop.orders, and public.orders matches orders as statements on the search path write it (sql engine)',
  },
  {
    name: 'type',
    kind: 'string-in',
    column: S.statementType,
    placeholder: 'type',
    description: 'only statements of this type: select, insert, update, delete, create table, … (sql engine)',
  },
  {
    name: 'db',
    kind: 'string-eq',
    column: S.dbName,
    placeholder: 'name',
    description: 'only statements run in this database (sql engine)',
  },
  {
    name: 'user',
    kind: 'string-eq',
    column: S.userName,
    placeholder: 'name',
    description: 'only statements run by this database user (sql engine)',
  },
  {
    name: 'fingerprint',
    kind: 'string-prefix',
    column: S.fingerprint,
    placeholder: 'hex',
    description:
      'only runs of the statement shape with this fingerprint, or the first hex digits of it as printed (`fp 2ed35f09`), each as its own hit (sql engine)',
  },
]);

/** A log's runs of one statement shape are one hit, with the count of the others. */
export const SQL_COLLAPSE: Collapse = Object.freeze({
  column: S.fingerprint,
  key: 'fingerprint',
  filter: 'fingerprint',
});

/**
 * The sql engine's own YAML keys (`engines.<name>.clusterThreshold`). The threshold is the
 * cosine similarity of two fingerprints' normalised texts (same tables, same statement type) at
 * or above which `ragctl sql clusters` merges them even though their parse trees differ; 1
 * merges by structure only. Default 1: on the labelled workload of bench/sql/clusters.mjs
 * every similarity that merged a missed pair also merged two families of different logic
 * (docs/BENCHMARKS.md), so embeddings are opt-in.
 */
export const SQL_OPTIONS: Readonly<Record<string, FieldSpec>> = Object.freeze({
  clusterThreshold: { kind: 'number', default: 1, min: 0, max: 1 },
});
