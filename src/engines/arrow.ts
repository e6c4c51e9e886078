import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import type * as Arrow from 'apache-arrow';

/**
 * The apache-arrow module instance that @lancedb/lancedb itself loads.
 *
 * Why not `import … from 'apache-arrow'`: lancedb's dist is CommonJS and `require`s
 * apache-arrow, which resolves to `Arrow.node.js`; an ESM import of the same package
 * resolves to `Arrow.node.mjs` — a second copy of every class. lancedb checks batches
 * with `instanceof`; a batch built from the other copy is "sanitized" field by field,
 * which drops the children of nested columns and fails with "Table and inner RecordBatch
 * schemas must be equivalent". Resolving from lancedb's own location also survives a
 * nested node_modules copy under @lancedb/lancedb.
 *
 * Type-only imports of 'apache-arrow' stay fine everywhere: both entry points share one
 * set of declarations.
 */
const requireFromLance = createRequire(createRequire(import.meta.url).resolve('@lancedb/lancedb'));
export const arrow = requireFromLance('apache-arrow') as typeof Arrow;

export type VectorType = Arrow.FixedSizeList<Arrow.Float32>;
export type Utf8ListType = Arrow.List<Arrow.Utf8>;

/** `FixedSizeList<float32>[dimension]`: the one vector column type every table uses. */
export function vectorType(dimension: number): VectorType {
  return new arrow.FixedSizeList(dimension, new arrow.Field('item', new arrow.Float32(), true));
}

export function utf8ListType(): Utf8ListType {
  return new arrow.List(new arrow.Field('item', new arrow.Utf8(), true));
}

/**
 * Wraps the flat row-major buffer as a FixedSizeList column without copying: the Float32
 * child's values are `flat` itself.
 */
export function vectorData(flat: Float32Array, dimension: number): Arrow.Data<VectorType> {
  const child = arrow.makeData({ type: new arrow.Float32(), length: flat.length, nullCount: 0, data: flat });
  return arrow.makeData({
    type: vectorType(dimension),
    length: flat.length / dimension,
    nullCount: 0,
    child,
  });
}

/** A non-null utf8 column: one encode pass into one buffer, no builder, no per-row objects. */
export function utf8Data(values: readonly string[]): Arrow.Data<Arrow.Utf8> {
  const offsets = new Int32Array(values.length + 1);
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    bytes += Buffer.byteLength(values[i] as string, 'utf8');
    offsets[i + 1] = bytes;
  }
  const data = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < values.length; i++) data.write(values[i] as string, offsets[i] as number, 'utf8');
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return arrow.makeData({
    type: new arrow.Utf8(),
    length: values.length,
    nullCount: 0,
    valueOffsets: offsets,
    data: view,
  });
}

/** A non-null `List<utf8>` column (e.g. heading paths); empty lists are fine. */
export function utf8ListData(lists: readonly (readonly string[])[]): Arrow.Data<Utf8ListType> {
  const offsets = new Int32Array(lists.length + 1);
  const flat: string[] = [];
  for (let i = 0; i < lists.length; i++) {
    for (const item of lists[i] as readonly string[]) flat.push(item);
    offsets[i + 1] = flat.length;
  }
  return arrow.makeData({
    type: utf8ListType(),
    length: lists.length,
    nullCount: 0,
    valueOffsets: offsets,
    child: utf8Data(flat),
  });
}

export function int32Data(values: Int32Array): Arrow.Data<Arrow.Int32> {
  return arrow.makeData({ type: new arrow.Int32(), length: values.length, nullCount: 0, data: values });
}

export function float64Data(values: Float64Array): Arrow.Data<Arrow.Float64> {
  return arrow.makeData({ type: new arrow.Float64(), length: values.length, nullCount: 0, data: values });
}

/** A batch from one `Data` per schema field, in schema order. */
export function recordBatch(
  schema: Arrow.Schema,
  columns: readonly Arrow.Data[],
  length: number,
): Arrow.RecordBatch {
  const struct = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length,
    nullCount: 0,
    children: [...columns],
  });
  return new arrow.RecordBatch(schema, struct);
}

/**
 * Arrow types compared by value, not by class: types read back from LanceDB or made by the
 * other apache-arrow copy are not `instanceof` ours, and their string forms are stable.
 */
export function sameType(a: Arrow.DataType, b: Arrow.DataType): boolean {
  return String(a) === String(b);
}
