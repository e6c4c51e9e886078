import type { RecordBatch, Schema } from 'apache-arrow';
import { arrow, int32Data, recordBatch } from '../../src/engines/arrow.js';
import { documentMapper } from '../../src/engines/document-mapper.js';
import type { FilterField, MappedFile, StoreMapper } from '../../src/engines/types.js';

/** Words in a chunk's text, as the `counted` mapper stores them. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export const COUNTED_FILTERS: readonly FilterField[] = [
  {
    name: 'min_words',
    kind: 'number-min',
    column: 'word_count',
    placeholder: 'n',
    description: 'only chunks of at least this many words (counted engines)',
  },
  {
    name: 'max_words',
    kind: 'number-max',
    column: 'word_count',
    placeholder: 'n',
    description: 'only chunks of at most this many words (counted engines)',
  },
];

/**
 * A second engine's mapper, as a later engine would write one: the document columns plus a
 * column of its own (`word_count`), and filter fields declared on it. Real Arrow, real table.
 */
export const countedMapper: StoreMapper = {
  name: 'counted',
  filters: COUNTED_FILTERS,

  schema(dimension: number): Schema {
    return new arrow.Schema([
      ...documentMapper.schema(dimension).fields,
      new arrow.Field('word_count', new arrow.Int32(), false),
    ]);
  },

  toRecordBatch(rows: readonly MappedFile[], vectors: Float32Array, dimension: number): RecordBatch {
    const base = documentMapper.toRecordBatch(rows, vectors, dimension);
    const counts = Int32Array.from(rows.flatMap((r) => r.chunks.map((c) => wordCount(c.text))));
    return recordBatch(
      countedMapper.schema(dimension),
      [...base.data.children, int32Data(counts)],
      base.numRows,
    );
  },
};
