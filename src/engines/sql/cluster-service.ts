import type { RecordBatch } from 'apache-arrow';
import { loadModule } from 'libpg-query';
import { RagError } from '../../errors.js';
import type { Engine } from '../../registry/registry.js';
import { parseDate } from '../../search/dates.js';
import { CHUNK_COLUMNS as C, type ChunkTableReader } from '../../store/types.js';
import { and, fieldWhere } from '../../store/where.js';
import { SQL_COLUMNS as S, SQL_MAPPER_NAME } from '../sql-filters.js';
import {
  DEFAULT_MEMBERS,
  DEFAULT_TOP,
  type SqlCluster,
  type SqlClustersParams,
  type SqlClustersResult,
} from './cluster-types.js';
import { type ClusterRow, FingerprintGroup, mergeFingerprints } from './clusters.js';
import { dialectOf } from './readers.js';
import type { SqlSourceKind } from './types.js';

/** One engine whose table the sql mapper wrote, with its `clusterThreshold`. */
export interface ClusterSource {
  engine: string;
  table: ChunkTableReader;
  threshold: number;
}

/** The engines whose tables the sql mapper wrote, each with its table and threshold. */
export function sqlClusterSources(
  engines: Iterable<Engine>,
  tableOf: (engine: string) => ChunkTableReader,
): ClusterSource[] {
  return [...engines]
    .filter((e) => e.mapper.name === SQL_MAPPER_NAME)
    .map((e) => ({
      engine: e.name,
      table: tableOf(e.name),
      threshold: e.options.clusterThreshold as number,
    }));
}

const COLUMNS = [
  C.path,
  C.startLine,
  C.endLine,
  C.text,
  C.metadata,
  C.vector,
  S.durationMs,
  S.atMs,
  S.tables,
  S.statementType,
  S.fingerprint,
  S.normalized,
];

/**
 * `sql_clusters`: every sql engine's statements that pass the filters, grouped by fingerprint
 * while the table streams by (memory grows with the number of fingerprints, not of rows),
 * then merged into clusters of the same logic (`mergeFingerprints`) and ranked by total time.
 * The filters go into LanceDB's `where`; nothing is filtered afterwards.
 */
export class SqlClusterService {
  readonly #sources: readonly ClusterSource[];

  constructor(sources: readonly ClusterSource[]) {
    this.#sources = sources;
  }

  async clusters(params: SqlClustersParams, signal?: AbortSignal): Promise<SqlClustersResult> {
    const started = performance.now();
    if (this.#sources.length === 0) {
      throw new RagError('E_USAGE', 'no engine of the config stores SQL statements (mapper: sql)', {
        fix: 'add an engine with `chunker: sql` and `mapper: sql` to config.yaml, and a source that uses it',
      });
    }
    const where = clusterWhere(params);
    const maxMembers = params.members ?? DEFAULT_MEMBERS;
    // The logic keys come from libpg-query's parser: its wasm loads once per process.
    await loadModule();
    const all: SqlCluster[] = [];
    let statements = 0;
    for (const source of this.#sources) {
      const groups = new Map<string, FingerprintGroup>();
      for await (const batch of source.table.scan(COLUMNS, where)) {
        signal?.throwIfAborted();
        statements += collect(batch, groups, maxMembers);
      }
      const threshold = params.threshold ?? source.threshold;
      for (const c of mergeFingerprints([...groups.values()], threshold, maxMembers))
        all.push({ rank: 0, engine: source.engine, ...c });
    }
    all.sort((a, b) => b.total_ms - a.total_ms || b.count - a.count);
    const top = all.slice(0, params.top ?? DEFAULT_TOP).map((c, i) => ({ ...c, rank: i + 1 }));
    return {
      took_ms: Math.round(performance.now() - started),
      statements,
      clusters_total: all.length,
      threshold: params.threshold ?? this.#sources[0]!.threshold,
      clusters: top,
    };
  }
}

/** The `where` of a clusters request: statements with a fingerprint that pass every filter. */
export function clusterWhere(params: SqlClustersParams): string {
  const date = (name: 'after' | 'before', text: string | undefined) => {
    if (text === undefined) return undefined;
    const ms = parseDate(text);
    if (Number.isNaN(ms)) throw new RagError('E_USAGE', `${name} ${JSON.stringify(text)} is not a date`);
    return fieldWhere({ kind: name === 'after' ? 'date-after' : 'date-before', column: S.atMs, value: ms });
  };
  return and(
    // Entries without a statement (server chatter, garbage) have no fingerprint and no family.
    `${S.fingerprint} IS NOT NULL`,
    params.min_time === undefined
      ? undefined
      : fieldWhere({ kind: 'number-min', column: S.durationMs, value: params.min_time }),
    date('after', params.after),
    date('before', params.before),
    params.table === undefined
      ? undefined
      : fieldWhere({ kind: 'list-contains', column: S.tables, value: params.table }),
    params.db === undefined
      ? undefined
      : fieldWhere({ kind: 'string-eq', column: S.dbName, value: params.db }),
    params.user === undefined
      ? undefined
      : fieldWhere({ kind: 'string-eq', column: S.userName, value: params.user }),
  )!;
}

/** Adds a batch's rows to their fingerprints' groups; returns how many rows it held. */
function collect(batch: RecordBatch, groups: Map<string, FingerprintGroup>, maxMembers: number): number {
  const col = (name: string) => {
    const c = batch.getChild(name);
    if (!c) throw new RagError('E_STORE', `a sql table scan lacks column ${name}`);
    return c;
  };
  const [path, start, end, text, metadata, vector, duration, at, tables, type, fingerprint, normalized] =
    COLUMNS.map(col);
  for (let i = 0; i < batch.numRows; i++) {
    const fp = fingerprint!.get(i) as string;
    let group = groups.get(fp);
    const row: ClusterRow = {
      fingerprint: fp,
      normalized: normalized!.get(i) as string | null,
      dialect: 'postgresql',
      statementType: type!.get(i) as string | null,
      tables: Array.from((tables!.get(i) as Iterable<string> | null) ?? []),
      durationMs: duration!.get(i) as number | null,
      at: at!.get(i) as number | null,
      path: path!.get(i) as string,
      startLine: start!.get(i) as number,
      endLine: end!.get(i) as number,
      text: text!.get(i) as string,
      vector: null,
    };
    if (!group) {
      // The first row of a fingerprint stands for all: they share the normalised text, and so
      // the vector; a copy, so the batch's buffers are not kept alive by it.
      const v = vector!.get(i) as { toArray(): Float32Array } | null;
      row.vector = v ? Float32Array.from(v.toArray()) : null;
      row.dialect = dialectOf(sourceOf(metadata!.get(i) as string));
      group = new FingerprintGroup(row, maxMembers);
      groups.set(fp, group);
    }
    group.add(row);
  }
  return batch.numRows;
}

function sourceOf(metadata: string): SqlSourceKind {
  try {
    const source = (JSON.parse(metadata) as { source?: unknown }).source;
    return typeof source === 'string' ? (source as SqlSourceKind) : 'pg-stderr';
  } catch (err) {
    // The mapper writes JSON; a damaged row still clusters, read as PostgreSQL.
    if (err instanceof SyntaxError) return 'pg-stderr';
    throw err;
  }
}
