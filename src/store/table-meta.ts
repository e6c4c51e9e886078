import type { Schema } from 'apache-arrow';
import { arrow } from '../engines/arrow.js';
import type { StoreMapper } from '../engines/types.js';
import { RagError } from '../errors.js';
import { schemaDifference } from './lance-util.js';

/** What a chunk table is made for: its writer creates it so, its readers check it. */
export interface TableSpec {
  /** The engine's name from the config; the table is `chunks_<engine>`. */
  engine: string;
  mapper: StoreMapper;
  /** The embedder's `modelId` and `dimension`: the table only ever holds this model's vectors. */
  modelId: string;
  dimension: number;
}

/**
 * Why a table on disk does not fit a spec. `model`: its vectors are another model's (its text
 * and columns are still good for full-text search); `schema`: another mapper or other columns.
 */
export interface Mismatch {
  kind: 'model' | 'schema';
  reason: string;
}

/** Schema metadata keys recording what a chunk table was made for. */
const META = {
  modelId: 'ragctl.model_id',
  dimension: 'ragctl.dimension',
  mapper: 'ragctl.mapper',
} as const;

const ENGINE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** The table of an engine, `chunks_<engine>`; E_CONFIG for a name that cannot name a table. */
export function chunkTableName(engine: string): string {
  if (!ENGINE_NAME.test(engine)) {
    throw new RagError('E_CONFIG', `engine name ${JSON.stringify(engine)} cannot name a table`, {
      fix: 'use letters, digits, `_` and `-` only',
    });
  }
  return `chunks_${engine}`;
}

/** The mapper's schema with the spec recorded in its metadata: what a new table is created with. */
export function tableSchema(spec: TableSpec): Schema {
  const schema = spec.mapper.schema(spec.dimension);
  const metadata = new Map(schema.metadata);
  metadata.set(META.modelId, spec.modelId);
  metadata.set(META.dimension, String(spec.dimension));
  metadata.set(META.mapper, spec.mapper.name);
  return new arrow.Schema(schema.fields, metadata);
}

/** Why the table on disk (`actual`) cannot take this spec's rows, or undefined when it can. */
export function mismatch(spec: TableSpec, actual: Schema): Mismatch | undefined {
  const meta = actual.metadata;
  const model = meta.get(META.modelId);
  const dimension = meta.get(META.dimension);
  const mapper = meta.get(META.mapper);
  const difference = schemaDifference(spec.mapper.schema(spec.dimension), actual);
  if (model !== spec.modelId || dimension !== String(spec.dimension)) {
    const reason = `it holds vectors of ${model ?? 'an unknown model'} (${dimension ?? '?'} dims), the embedder is ${spec.modelId} (${spec.dimension} dims)`;
    // Another dimension changes the vector column's type only: the text is still readable.
    const stored = Number(dimension);
    const onlyVectors =
      mapper === spec.mapper.name &&
      Number.isInteger(stored) &&
      stored > 0 &&
      !schemaDifference(spec.mapper.schema(stored), actual);
    return { kind: onlyVectors ? 'model' : 'schema', reason };
  }
  if (mapper !== spec.mapper.name)
    return {
      kind: 'schema',
      reason: `it was made by mapper ${mapper ?? '?'}, the engine uses ${spec.mapper.name}`,
    };
  return difference ? { kind: 'schema', reason: `its columns are out of date (${difference})` } : undefined;
}
