import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/load.js';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import { testModel } from '../../helpers/model.js';
import { cosine, dot, parityReference, parityTexts, referenceVectors, row } from '../../helpers/parity.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * The onnx backend's int8 graph (per-column int8 weights, dynamically quantised activations)
 * against the sentence-transformers fixture: close to it within a cosine bound, never equal to
 * it, and under a model signature of its own so its vectors never join an fp32 index.
 */
const DIM = 384;
/** Quantisation error: measured ≥ 0.97 per text on the fixture; below that retrieval suffers. */
const MIN_COSINE = 0.97;
/** Mean over the fixture (measured 0.988): most texts lose far less than the worst one. */
const MIN_MEAN_COSINE = 0.985;

const texts = parityTexts();
const expected = referenceVectors(parityReference());
const graphCache = await makeTempDir('onnx-int8-graphs');
afterAll(() => graphCache.cleanup());

describe('onnx int8', () => {
  let int8: OnnxEmbedder;
  let vectors: Float32Array;

  beforeAll(async () => {
    int8 = new OnnxEmbedder({
      model: testModel().dir,
      batchTokens: DEFAULTS.batchTokens,
      precision: 'int8',
      graphCacheDir: graphCache.dir,
    });
    vectors = await int8.embed(texts);
  });
  afterAll(async () => {
    await int8?.close();
  });

  it('runs an int8 graph (reports it) and returns unit rows', async () => {
    const runtime = await int8.load();
    expect(runtime.details.precision).toBe('int8');
    expect(vectors.length).toBe(texts.length * DIM);
    for (let i = 0; i < texts.length; i++) {
      const v = row(vectors, i, DIM);
      expect(Math.abs(Math.sqrt(dot(v, v)) - 1)).toBeLessThanOrEqual(1e-4);
    }
  });

  it(`stays within cosine ${MIN_COSINE} of the reference per text, and is not fp32`, () => {
    const cosines = texts.map((_, i) => cosine(row(vectors, i, DIM), row(expected, i, DIM)));
    const min = Math.min(...cosines);
    const mean = cosines.reduce((a, b) => a + b, 0) / cosines.length;
    console.info(
      `int8 parity: min cosine ${min.toFixed(5)}, mean ${mean.toFixed(5)} over ${texts.length} texts`,
    );
    expect(min).toBeGreaterThanOrEqual(MIN_COSINE);
    expect(mean).toBeGreaterThanOrEqual(MIN_MEAN_COSINE);
    // fp32 reaches 1 − cos ≈ 1e-12: a graph that still multiplied in fp32 would land here.
    expect(mean).toBeLessThan(0.99999);
  });

  it('has a model signature of its own, different from fp32 (whose signature MLX shares)', () => {
    const fp32 = new OnnxEmbedder({ model: testModel().dir, batchTokens: DEFAULTS.batchTokens });
    expect(int8.modelId).not.toBe(fp32.modelId);
    expect(int8.modelId.startsWith(fp32.modelId)).toBe(true);
    expect(int8.modelId).toMatch(/int8/);
  });
});
