import type * as Arrow from 'apache-arrow';
import type { RecordBatch, Schema } from 'apache-arrow';
import { RagError } from '../errors.js';
import { arrow, float64Data, recordBatch, utf8Data, utf8ListData, utf8ListType } from './arrow.js';
import { documentMapper } from './document-mapper.js';
import { SQL_COLUMNS as S, SQL_COLLAPSE, SQL_FILTERS, SQL_MAPPER_NAME, SQL_OPTIONS } from './sql-filters.js';
import type { Chunk, MappedFile, StoreMapper } from './types.js';

/**
 * SQL log entries as one row each: the document table's columns (every table has them; the
 * store builds hits from them) and the entry's facts as typed columns that filters push down
 * into LanceDB's `where`. Nullable where a source may not have the fact: a `.sql` file has no
 * durations, a log line without `%m` no time; `duration_ms >= 20` then leaves the row out,
 * never reads it as 0. The values come from the SQL chunker's metadata (`SqlChunkMetadata`).
 */
export const sqlMapper: StoreMapper = {
  name: SQL_MAPPER_NAME,
  filters: SQL_FILTERS,
  options: SQL_OPTIONS,
  // `--after 18:00` over a log means the statements run since then, not the file's mtime.
  timeColumn: S.atMs,
  // A log runs one statement shape thousands of times, all with one normalised vector: one hit
  // each, or a busy query fills every place of a search.
  collapse: SQL_COLLAPSE,

  schema(dimension: number): Schema {
    const base = documentMapper.schema(dimension);
    const field = (name: string, type: Arrow.DataType) => new arrow.Field(name, type, true);
    return new arrow.Schema([
      ...base.fields,
      field(S.durationMs, new arrow.Float64()),
      field(S.atMs, new arrow.Float64()),
      new arrow.Field(S.tables, utf8ListType(), false),
      field(S.statementType, new arrow.Utf8()),
      field(S.dbName, new arrow.Utf8()),
      field(S.userName, new arrow.Utf8()),
      field(S.fingerprint, new arrow.Utf8()),
      field(S.normalized, new arrow.Utf8()),
      new arrow.Field(S.parseStatus, new arrow.Utf8(), false),
    ]);
  },

  toRecordBatch(rows: readonly MappedFile[], vectors: Float32Array, dimension: number): RecordBatch {
    const base = documentMapper.toRecordBatch(rows, vectors, dimension);
    const chunks: Chunk[] = rows.flatMap((r) => r.chunks);
    const meta = chunks.map((c) => c.metadata);
    const num = (key: string) => meta.map((m) => numberOrNull(m[key], key, chunks));
    const str = (key: string) => meta.map((m) => stringOrNull(m[key], key, chunks));
    const columns: Arrow.Data[] = [
      ...base.data.children,
      nullableFloat64(num('duration_ms')),
      nullableFloat64(num('at')),
      utf8ListData(meta.map((m) => (Array.isArray(m.tables) ? m.tables.map(String) : []))),
      nullableUtf8(str('type')),
      nullableUtf8(str('db')),
      nullableUtf8(str('user')),
      nullableUtf8(str('fingerprint')),
      nullableUtf8(str('normalized')),
      utf8Data(str('parse_status').map((s) => s ?? 'unparsed')),
    ];
    return recordBatch(sqlMapper.schema(dimension), columns, chunks.length);
  },
};

function numberOrNull(value: unknown, key: string, chunks: readonly Chunk[]): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw wrongType(key, value, chunks);
}

function stringOrNull(value: unknown, key: string, chunks: readonly Chunk[]): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  throw wrongType(key, value, chunks);
}

function wrongType(key: string, value: unknown, chunks: readonly Chunk[]): RagError {
  const chunk = chunks.find((c) => c.metadata[key] === value);
  // Only a chunker other than `sql` paired with this mapper writes such metadata.
  return new RagError(
    'E_SCHEMA',
    `sql mapper: metadata.${key} of chunk ${chunk?.id ?? '?'} is ${JSON.stringify(value)}; pair the sql mapper with the sql chunker`,
  );
}

/** A validity bitmap (bit set = present) and its null count; undefined bitmap when all are present. */
function validity(values: readonly unknown[]): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { nullBitmap: nullCount ? bitmap : undefined, nullCount };
}

function nullableFloat64(values: readonly (number | null)[]): Arrow.Data<Arrow.Float64> {
  const data = float64Data(Float64Array.from(values, (v) => v ?? 0));
  const { nullBitmap, nullCount } = validity(values);
  if (!nullCount) return data;
  return arrow.makeData({
    type: new arrow.Float64(),
    length: values.length,
    nullCount,
    nullBitmap,
    data: data.values,
  });
}

function nullableUtf8(values: readonly (string | null)[]): Arrow.Data<Arrow.Utf8> {
  const data = utf8Data(values.map((v) => v ?? ''));
  const { nullBitmap, nullCount } = validity(values);
  if (!nullCount) return data;
  return arrow.makeData({
    type: new arrow.Utf8(),
    length: values.length,
    nullCount,
    nullBitmap,
    valueOffsets: data.valueOffsets,
    data: data.values,
  });
}
