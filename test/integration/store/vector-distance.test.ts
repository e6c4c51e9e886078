import { connect } from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/load.js';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import { documentMapper } from '../../../src/engines/document-mapper.js';
import type { LanceStore } from '../../../src/store/lance-store.js';
import type { LanceChunkTable } from '../../../src/store/lance-table.js';
import { vectorQuery } from '../../../src/store/search.js';
import { DEFAULT_TUNING } from '../../../src/store/tuning.js';
import { testModel } from '../../helpers/model.js';
import { parityTexts } from '../../helpers/parity.js';
import { makeTempDir } from '../../helpers/temp.js';
import { mapped, openStore, ROOT, SPEC } from './fixtures.js';

/**
 * The vector leg over a table without an ANN index ranks by LanceDB's dot product, which is
 * the cosine distance only because every row is a unit vector: checked here with the real
 * model's vectors against cosine computed from scratch over the stored rows.
 */
const DIM = 384;
const QUERIES = [
  'how do I undo the last commit',
  'cooking pasta for a crowd',
  'what is the capital of France',
  'install a package without network',
  'error when the disk is full',
];

const dirs = await makeTempDir('vector-distance');
afterAll(() => dirs.cleanup());

describe('vector leg distance on unit vectors', () => {
  let embedder: OnnxEmbedder;
  let store: LanceStore;
  let table: LanceChunkTable;
  let texts: string[];
  let stored: Float32Array;
  const paths = (i: number) => `${ROOT}/${i % 2 ? 'odd' : 'even'}/t${i}.md`;

  beforeAll(async () => {
    embedder = new OnnxEmbedder({
      model: testModel().dir,
      batchTokens: DEFAULTS.batchTokens,
      graphCacheDir: `${dirs.dir}/graphs`,
    });
    // Blank texts all embed alike: exact ties, whose order no distance decides.
    texts = [...new Set(parityTexts().filter((t) => t.trim() !== ''))];
    stored = await embedder.embed(texts);
    store = await openStore(`${dirs.dir}/index`);
    ({ table } = await store.openChunkTable({ ...SPEC, modelId: embedder.modelId, dimension: DIM }));
    const files = texts.map((text, i) => ({ path: paths(i), texts: [text] }));
    const rows = mapped(files).map((r) => ({ ...r, file: { ...r.file, modelId: embedder.modelId } }));
    await table.replaceFiles(
      files.map((f) => f.path),
      documentMapper.toRecordBatch(rows, stored, DIM),
    );
  });
  afterAll(async () => {
    await store?.close();
    await embedder?.close();
  });

  /** Cosine of the query and stored row `r`, computed here in float64 with both norms. */
  function cosineOf(query: Float32Array, r: number): number {
    let qq = 0;
    let vv = 0;
    let qv = 0;
    for (let d = 0; d < DIM; d++) {
      const q = query[d] as number;
      const v = stored[r * DIM + d] as number;
      qq += q * q;
      vv += v * v;
      qv += q * v;
    }
    return qv / Math.sqrt(qq * vv);
  }

  /** The k nearest stored rows (those `keep` allows) by `cosineOf`: [row, cosine]. */
  function reference(query: Float32Array, k: number, keep: (row: number) => boolean): [number, number][] {
    const scored: [number, number][] = [];
    for (let r = 0; r < texts.length; r++) if (keep(r)) scored.push([r, cosineOf(query, r)]);
    return scored.sort((a, b) => b[1] - a[1]).slice(0, k);
  }

  it('ranks as cosine does and scores 1 − cosine distance, with and without a filter', async () => {
    const vectors = await embedder.embed(QUERIES);
    for (const [qi, text] of QUERIES.entries()) {
      const query = vectors.slice(qi * DIM, (qi + 1) * DIM);
      for (const odd of [undefined, true]) {
        const hits = await table.search({
          query: text,
          vector: query,
          k: 10,
          mode: 'vector',
          filter: odd ? { pathGlob: 'odd/**' } : {},
        });
        const expected = reference(query, 10, (r) => !odd || r % 2 === 1);
        expect(hits, text).toHaveLength(10);
        // Rank by rank the hit's own cosine is the reference's at that rank: cosine order, up
        // to ties within float rounding (texts that embed alike), and its score is that cosine.
        for (const [i, hit] of hits.entries()) {
          const own = cosineOf(query, Number(/t(\d+)\.md$/.exec(hit.path)?.[1]));
          expect(Math.abs(own - (expected[i]?.[1] ?? Number.NaN)), `${text} #${i + 1}`).toBeLessThan(1e-6);
          expect(Math.abs(hit.score - own), `${text} #${i + 1}`).toBeLessThan(1e-6);
        }
      }
    }
  });

  it('asks LanceDB for the dot product, not cosine, when the table has no vector index', async () => {
    const db = await connect(`${dirs.dir}/index`);
    const raw = await db.openTable('chunks_md');
    try {
      const query = await embedder.embed([QUERIES[0]!]);
      const target = { table: raw, dimension: DIM, tuning: DEFAULT_TUNING, vectorIndexed: false };
      const plan = await vectorQuery(target, query, undefined, 10).explainPlan();
      expect(plan).toMatch(/KNNVectorDistance: metric=dot/);
    } finally {
      raw.close();
      db.close();
    }
  });
});
