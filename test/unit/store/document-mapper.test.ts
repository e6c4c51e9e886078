import { describe, expect, it } from 'vitest';
import { arrow } from '../../../src/engines/arrow.js';
import { documentMapper } from '../../../src/engines/document-mapper.js';
import type { MappedFile } from '../../../src/engines/types.js';
import { RagError } from '../../../src/errors.js';
import { CHUNK_COLUMNS } from '../../../src/store/types.js';

const DIM = 3;

function rows(): MappedFile[] {
  const file = (path: string) => ({
    path,
    root: '/notes',
    engine: 'md',
    fileHash: `fh:${path}`,
    size: 10,
    mtimeMs: 1_700_000_000_123.5,
    indexedAt: 1_700_000_999_000,
    modelId: 'm',
  });
  return [
    {
      file: file('/notes/a/ü ☃.md'),
      chunks: [
        {
          id: 'a1',
          text: 'first – naïve',
          contentHash: 'h1',
          startLine: 1,
          endLine: 4,
          headingPath: ['Top', 'A > B'],
          metadata: { tags: ['x'], n: 1 },
        },
        { id: 'a2', text: '', contentHash: 'h2', startLine: 5, endLine: 5, headingPath: [], metadata: {} },
      ],
    },
    { file: file('/notes/empty.md'), chunks: [] },
    {
      file: file('/notes/b.md'),
      chunks: [
        {
          id: 'b1',
          text: 'b',
          contentHash: 'h3',
          startLine: 2,
          endLine: 3,
          headingPath: ['B'],
          metadata: {},
        },
      ],
    },
  ];
}

describe('documentMapper', () => {
  it('has every column the store relies on, none nullable', () => {
    const schema = documentMapper.schema(DIM);
    const names = schema.fields.map((f) => f.name);
    for (const column of Object.values(CHUNK_COLUMNS)) expect(names).toContain(column);
    expect(schema.fields.every((f) => !f.nullable)).toBe(true);
    expect(String(schema.fields.find((f) => f.name === 'vector')?.type)).toBe('FixedSizeList[3]<Float32>');
    expect(String(schema.fields.find((f) => f.name === 'heading_path')?.type)).toBe('List<Utf8>');
  });

  it('wraps the caller’s Float32Array itself as the vector column (no copy)', () => {
    const vectors = new Float32Array([0.1, 0.2, 0.3, 1, 0, 0, -0, 1e-38, 3.4e38]);
    const batch = documentMapper.toRecordBatch(rows(), vectors, DIM);
    const data = batch.getChild('vector')?.data;
    expect(data).toHaveLength(1);
    expect(data?.[0]?.children[0]?.values).toBe(vectors);
    expect(batch).toBeInstanceOf(arrow.RecordBatch);
  });

  it('fills every column from the rows, in chunk order', () => {
    const batch = documentMapper.toRecordBatch(rows(), new Float32Array(9), DIM);
    expect(batch.numRows).toBe(3);
    const col = (name: string) =>
      Array.from({ length: batch.numRows }, (_, i) => batch.getChild(name)?.get(i));
    expect(col('id')).toEqual(['a1', 'a2', 'b1']);
    expect(col('path')).toEqual(['/notes/a/ü ☃.md', '/notes/a/ü ☃.md', '/notes/b.md']);
    expect(col('rel_path')).toEqual(['a/ü ☃.md', 'a/ü ☃.md', 'b.md']);
    expect(col('text')).toEqual(['first – naïve', '', 'b']);
    expect(col('start_line')).toEqual([1, 5, 2]);
    expect(col('mtime_ms')).toEqual([1_700_000_000_123.5, 1_700_000_000_123.5, 1_700_000_000_123.5]);
    expect(col('heading_path').map((v) => Array.from(v as Iterable<string>))).toEqual([
      ['Top', 'A > B'],
      [],
      ['B'],
    ]);
    expect(col('metadata').map((m) => JSON.parse(m as string))).toEqual([{ tags: ['x'], n: 1 }, {}, {}]);
    expect(col('file_hash')).toEqual(['fh:/notes/a/ü ☃.md', 'fh:/notes/a/ü ☃.md', 'fh:/notes/b.md']);
  });

  it('refuses a vector buffer of the wrong length with E_SCHEMA', () => {
    const attempt = () => documentMapper.toRecordBatch(rows(), new Float32Array(8), DIM);
    let caught: unknown;
    try {
      attempt();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RagError);
    expect((caught as RagError).code).toBe('E_SCHEMA');
    expect((caught as RagError).message).toMatch(/8 vector values for 3 chunks × 3 dimensions/);
  });

  it('refuses metadata that is not JSON, naming the chunk', () => {
    const bad = rows();
    const chunk = bad[0]?.chunks[0];
    if (!chunk) throw new Error('fixture');
    chunk.metadata.big = 1n;
    expect(() => documentMapper.toRecordBatch(bad, new Float32Array(9), DIM)).toThrow(/chunk a1 is not JSON/);
  });

  it('builds an empty batch for no chunks', () => {
    const batch = documentMapper.toRecordBatch([], new Float32Array(0), DIM);
    expect(batch.numRows).toBe(0);
    expect(batch.schema.fields).toHaveLength(documentMapper.schema(DIM).fields.length);
  });
});
