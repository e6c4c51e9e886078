import { RagError } from '../errors.js';

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
