import { RagError } from '../errors.js';
import { type Batch, planBatches, SEQ_LEN_MULTIPLE } from './batching.js';
import type { TokenIds, WordPieceTokenizer } from './tokenizer.js';
import type { EmbedOptions } from './types.js';

/**
 * Checks a backend's output before it leaves the embedder: `rows × dimension` finite values.
 * A wrong shape is an error, never silently passed on.
 */
export function checkShape(vectors: Float32Array, rows: number, dimension: number): void {
  if (vectors.length !== rows * dimension) {
    throw new RagError(
      'E_EMBED',
      `model returned ${vectors.length} values for ${rows} texts × ${dimension} dimensions`,
    );
  }
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i]!))
      throw new RagError('E_EMBED', `model returned a non-finite value in row ${Math.floor(i / dimension)}`);
  }
}

/** Scales each row of a row-major matrix to unit length, in place. */
export function normalizeRows(vectors: Float32Array, dimension: number): Float32Array {
  for (let start = 0; start < vectors.length; start += dimension) {
    let norm = 0;
    for (let j = start; j < start + dimension; j++) norm += vectors[j]! * vectors[j]!;
    const inv = 1 / Math.max(Math.sqrt(norm), 1e-12);
    for (let j = start; j < start + dimension; j++) vectors[j] = vectors[j]! * inv;
  }
  return vectors;
}

/**
 * What every backend does around its forward pass: tokenise, plan batches by padded tokens,
 * honour the abort signal between batches, check each batch's shape and put its rows back in
 * the caller's order. `forward` gets the token ids of one batch and returns its vectors
 * (rows in the batch's order, L2-normalised). `seqLenMultiple`: see SEQ_LEN_MULTIPLE.
 */
export async function embedInBatches(
  texts: readonly string[],
  tokenizer: Pick<WordPieceTokenizer, 'encode' | 'maxTokens'>,
  batchTokens: number,
  dimension: number,
  options: Pick<EmbedOptions, 'signal' | 'onProgress'>,
  forward: (encoded: TokenIds[], batch: Batch) => Promise<Float32Array>,
  seqLenMultiple = SEQ_LEN_MULTIPLE,
): Promise<Float32Array> {
  const out = new Float32Array(texts.length * dimension);
  const encoded = texts.map((t) => tokenizer.encode(t));
  const batches = planBatches(
    encoded.map((e) => e.length),
    batchTokens,
    tokenizer.maxTokens,
    seqLenMultiple,
  );
  const { signal, onProgress } = options;
  let embedded = 0;
  for (const batch of batches) {
    if (signal?.aborted) throw new RagError('E_ABORTED', 'embedding aborted', { cause: signal.reason });
    const vectors = await forward(
      batch.indices.map((i) => encoded[i]!),
      batch,
    );
    checkShape(vectors, batch.indices.length, dimension);
    batch.indices.forEach((textIndex, row) => {
      out.set(vectors.subarray(row * dimension, (row + 1) * dimension), textIndex * dimension);
    });
    embedded += batch.indices.length;
    onProgress?.(embedded);
  }
  return out;
}
