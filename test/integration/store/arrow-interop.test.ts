import { type Connection, connect } from '@lancedb/lancedb';
import * as esmArrow from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { arrow } from '../../../src/engines/arrow.js';
import { documentMapper } from '../../../src/engines/document-mapper.js';
import { batchFor, DIM, tempDir } from './fixtures.js';

describe('Arrow batches from the document mapper in real LanceDB', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let db: Connection;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    db = await connect(dir);
  });
  afterEach(async () => {
    db.close();
    await cleanup();
  });

  it('uses the apache-arrow copy that lancedb itself builds tables with, not the ESM one', async () => {
    const table = await db.createEmptyTable('probe', documentMapper.schema(DIM));
    const result = await table.query().toArrow();
    expect(result).toBeInstanceOf(arrow.Table);
    // If this ever fails the two copies became one and src/engines/arrow.ts can import plainly.
    expect(result).not.toBeInstanceOf(esmArrow.Table);
    table.close();
  });

  it('is accepted by table.add, and every column — the vectors bit for bit — comes back', async () => {
    const table = await db.createEmptyTable('t', documentMapper.schema(DIM));
    const special = new Float32Array(DIM * 3);
    // Values that a float64 detour or a JSON trip would alter.
    special.set([0.1, 1 / 3, -0, 1e-45, 3.4028234663852886e38, -2.5e-8, Math.PI, Math.E], 0);
    for (let i = 8; i < special.length; i++) special[i] = Math.fround(Math.sin(i) * 1e-3);
    const { batch, vectors } = batchFor(
      [
        { path: '/notes/a.md', texts: ['alpha', 'beta'] },
        { path: '/notes/b.md', texts: ['gamma'] },
      ],
      1,
      special,
    );
    await table.add(new arrow.Table(batch));

    const back = await table.query().toArrow();
    expect(back.numRows).toBe(3);
    const ids = Array.from({ length: 3 }, (_, i) => back.getChild('id')?.get(i) as string);
    const order = ids.map((id) =>
      Array.from({ length: 3 }, (_, i) => batch.getChild('id')?.get(i)).indexOf(id),
    );
    const backBits = new Uint32Array(DIM * 3);
    order.forEach((source, row) => {
      const v = back.getChild('vector')?.get(row).toArray() as Float32Array;
      backBits.set(new Uint32Array(Float32Array.from(v).buffer), source * DIM);
    });
    expect(Array.from(backBits)).toEqual(Array.from(new Uint32Array(vectors.buffer)));

    for (const field of documentMapper.schema(DIM).fields) {
      if (field.name === 'vector') continue;
      const want = order.map((source) => normalise(batch.getChild(field.name)?.get(source)));
      const got = Array.from({ length: 3 }, (_, row) => normalise(back.getChild(field.name)?.get(row)));
      expect(got, field.name).toEqual(want);
    }
    table.close();
  });

  it('would be rejected if built from the ESM apache-arrow copy (the hazard is real)', async () => {
    const schema = new esmArrow.Schema([
      new esmArrow.Field(
        'vector',
        new esmArrow.FixedSizeList(2, new esmArrow.Field('item', new esmArrow.Float32())),
        false,
      ),
    ]);
    const table = await db.createEmptyTable('esm', schema);
    const child = esmArrow.makeData({
      type: new esmArrow.Float32(),
      length: 2,
      data: new Float32Array([1, 2]),
    });
    const data = esmArrow.makeData({ type: schema.fields[0]?.type, length: 1, nullCount: 0, child });
    const struct = esmArrow.makeData({
      type: new esmArrow.Struct(schema.fields),
      length: 1,
      children: [data],
    });
    const batch = new esmArrow.RecordBatch(schema, struct);
    await expect(table.add(new esmArrow.Table(batch))).rejects.toThrow(/schemas must be equivalent/);
    table.close();
  });
});

function normalise(value: unknown): unknown {
  if (value && typeof value === 'object' && Symbol.iterator in value)
    return Array.from(value as Iterable<unknown>);
  return value;
}
