import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import { testModel } from '../../helpers/model.js';

/**
 * The onnx backend pads each batch to its longest text exactly (no rounding to a multiple of
 * 8: onnxruntime compiles nothing per shape), batches by length, and still returns the rows in
 * the caller's order with the vectors each text gets alone.
 */
let embedder: OnnxEmbedder;

beforeAll(() => {
  embedder = new OnnxEmbedder({ model: testModel().dir, batchTokens: 4096 });
});
afterAll(() => embedder.close());

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

describe('onnx embedder batching', () => {
  it('pads a batch to its longest text exactly and returns rows in input order', async () => {
    // Lengths (with [CLS]/[SEP]) chosen off multiples of 8, shortest and longest interleaved.
    const texts = [
      'river',
      'a long sentence about the way rivers bend around the old mill before they reach the sea',
      'two words',
      'notes on onnx graphs, padding and batches of mixed length',
    ];
    const lengths = texts.map((t) => embedder.tokenizer.encode(t).length);
    expect(lengths.some((n) => n % 8 !== 0)).toBe(true);

    const before = embedder.paddedTokens;
    const together = await embedder.embed(texts);
    // One batch (4096 tokens hold them all), padded to the longest text: no rounding up.
    expect(embedder.paddedTokens - before).toBe(texts.length * Math.max(...lengths));

    const dim = embedder.dimension;
    for (let i = 0; i < texts.length; i++) {
      const alone = await embedder.embed([texts[i]!]);
      const row = together.subarray(i * dim, (i + 1) * dim);
      expect(cosine(row, alone), `text ${i}`).toBeGreaterThan(0.99999);
    }
    // A text alone is padded to nothing at all.
    const mark = embedder.paddedTokens;
    await embedder.embed([texts[0]!]);
    expect(embedder.paddedTokens - mark).toBe(lengths[0]);
  });
});
