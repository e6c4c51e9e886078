import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/load.js';
import { MlxEmbedder } from '../../../src/embed/mlx-embedder.js';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import type { Embedder } from '../../../src/embed/types.js';
import { testModel } from '../../helpers/model.js';
import { cosine, dot, parityReference, parityTexts, referenceVectors, row } from '../../helpers/parity.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * Each backend's encoder against sentence-transformers (scripts/reference/reference_embeddings.py):
 * same vectors for every fixture text, and batching, padding and order never change a vector.
 * The onnx backend runs the graph ragctl builds from the safetensors (src/embed/onnx).
 */
const DIM = 384;
/** float32 on another BLAS with approximated GELU and exp: parity, not bit-equality. */
const MIN_COSINE = 0.9999;
const NORM_TOLERANCE = 1e-4;
/** Same weights, same kernels: only the padded length and batch companions differ. */
const BATCHING_TOLERANCE = 1e-5;

const texts = parityTexts();
const ref = parityReference();
const expected = referenceVectors(ref);

/** A fresh graph cache per run: the onnx embedder builds its graph here, never in the user's cache. */
const graphCache = await makeTempDir('onnx-graphs');
afterAll(() => graphCache.cleanup());

const backends: Array<[string, (batchTokens: number) => Embedder]> = [
  ['MlxEmbedder', (batchTokens) => new MlxEmbedder({ model: testModel().dir, batchTokens })],
  [
    'OnnxEmbedder',
    (batchTokens) => new OnnxEmbedder({ model: testModel().dir, batchTokens, graphCacheDir: graphCache.dir }),
  ],
  // The fallback graph (standard ONNX ops only) for an onnxruntime without the fused kernels.
  [
    'OnnxEmbedder (plain graph)',
    (batchTokens) =>
      new OnnxEmbedder({ model: testModel().dir, batchTokens, graphCacheDir: graphCache.dir, ops: 'plain' }),
  ],
];

describe.each(backends)('%s parity with sentence-transformers', (_name, make) => {
  let embedder: Embedder;
  let vectors: Float32Array;

  beforeAll(async () => {
    embedder = make(DEFAULTS.batchTokens);
    vectors = await embedder.embed(texts);
  });
  afterAll(async () => {
    await embedder?.close();
  });

  it('reads the reference for the same model and shape', () => {
    expect(ref.model).toBe('sentence-transformers/all-MiniLM-L6-v2');
    expect(ref.count).toBe(texts.length);
    expect(ref.dimension).toBe(DIM);
    expect(embedder.dimension).toBe(DIM);
    expect(embedder.maxTokens).toBe(ref.max_seq_length);
  });

  it('returns exactly n × 384 finite values, each row of unit length', () => {
    expect(vectors).toBeInstanceOf(Float32Array);
    expect(vectors.length).toBe(texts.length * DIM);
    const bad = vectors.findIndex((v) => !Number.isFinite(v));
    expect(bad).toBe(-1);
    for (let i = 0; i < texts.length; i++) {
      const v = row(vectors, i, DIM);
      expect(Math.abs(Math.sqrt(dot(v, v)) - 1), `norm of text ${i}`).toBeLessThanOrEqual(NORM_TOLERANCE);
    }
  });

  it(`matches every reference vector with cosine ≥ ${MIN_COSINE}`, () => {
    const cosines = texts.map((_, i) => cosine(row(vectors, i, DIM), row(expected, i, DIM)));
    const min = Math.min(...cosines);
    const worst = cosines.indexOf(min);
    console.info(
      `parity: minimum cosine ${min.toFixed(9)} (1 − cos = ${(1 - min).toExponential(2)}) (text ${worst}, ${ref.token_counts[worst]} tokens) over ${texts.length} texts`,
    );
    const failing = cosines
      .map((c, i) => ({ i, c, text: texts[i]!.slice(0, 40) }))
      .filter(({ c }) => !(c >= MIN_COSINE));
    expect(failing).toEqual([]);
  });

  it.each([
    ['reversed, 512 tokens a batch', 512, (n: number) => [...Array(n).keys()].reverse()],
    ['interleaved, 8192 tokens a batch', 8192, (n: number) => interleave(n)],
  ])('gives the same vectors in another order and batching: %s', async (_name, batchTokens, orderOf) => {
    const order = orderOf(texts.length);
    const other = make(batchTokens);
    try {
      const out = await other.embed(order.map((i) => texts[i]!));
      expect(out.length).toBe(texts.length * DIM);
      let worst = 0;
      order.forEach((textIndex, k) => {
        const a = row(out, k, DIM);
        const b = row(vectors, textIndex, DIM);
        for (let d = 0; d < DIM; d++) worst = Math.max(worst, Math.abs(a[d]! - b[d]!));
      });
      expect(worst).toBeLessThanOrEqual(BATCHING_TOLERANCE);
    } finally {
      await other.close();
    }
  });

  it('gives the same vectors to short texts padded to 256 beside the longest (the mask works)', async () => {
    const longest = ref.token_counts.indexOf(Math.max(...ref.token_counts));
    const short = ref.token_counts.flatMap((n, i) => (n <= 3 ? [i] : []));
    expect(short.length).toBeGreaterThan(5);
    const picked = [...short, longest];
    const other = make(1 << 16);
    try {
      const out = await other.embed(picked.map((i) => texts[i]!));
      picked.forEach((textIndex, k) => {
        const a = row(out, k, DIM);
        const b = row(vectors, textIndex, DIM);
        const worst = Math.max(...Array.from(a, (v, d) => Math.abs(v - b[d]!)));
        expect(worst, `text ${textIndex}`).toBeLessThanOrEqual(BATCHING_TOLERANCE);
      });
    } finally {
      await other.close();
    }
  });

  it('embeds one text alone as it does inside a batch', async () => {
    const longest = ref.token_counts.indexOf(Math.max(...ref.token_counts));
    for (const i of [0, 8, longest]) {
      const alone = await embedder.embed([texts[i]!]);
      const b = row(vectors, i, DIM);
      const worst = Math.max(...Array.from(alone, (v, d) => Math.abs(v - b[d]!)));
      expect(worst, `text ${i}`).toBeLessThanOrEqual(BATCHING_TOLERANCE);
    }
  });
});

/** 0, n−1, 1, n−2, …: long and short texts side by side in the caller's order. */
function interleave(n: number): number[] {
  const out: number[] = [];
  for (let lo = 0, hi = n - 1; lo <= hi; lo++, hi--) {
    out.push(lo);
    if (hi !== lo) out.push(hi);
  }
  return out;
}

describe('switching backends', () => {
  it('fp32 onnx and MLX give the same vectors and share a modelId, so an index survives the switch', async () => {
    const [mlx, onnx] = backends.map(([, make]) => make(DEFAULTS.batchTokens));
    try {
      expect(onnx!.modelId).toBe(mlx!.modelId);
      const a = await mlx!.embed(texts);
      const b = await onnx!.embed(texts);
      const worst = Math.min(...texts.map((_, i) => cosine(row(a, i, DIM), row(b, i, DIM))));
      expect(worst).toBeGreaterThanOrEqual(MIN_COSINE);
    } finally {
      await mlx?.close();
      await onnx?.close();
    }
  });
});
