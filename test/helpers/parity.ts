import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** test/fixtures/parity/reference.json, written by scripts/reference/reference_embeddings.py. */
export interface ParityReference {
  model: string;
  max_seq_length: number;
  dimension: number;
  count: number;
  /** Little-endian float32, row-major count × dimension. */
  vectors_f32_base64: string;
  token_counts: number[];
  input_ids: number[][];
}

function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/parity/${name}`, import.meta.url)), 'utf8');
}

export function parityTexts(): string[] {
  return JSON.parse(fixture('texts.json')) as string[];
}

export function parityReference(): ParityReference {
  return JSON.parse(fixture('reference.json')) as ParityReference;
}

/** Decodes the base64 vectors as little-endian float32, whatever the host's byte order. */
export function referenceVectors(ref: ParityReference): Float32Array {
  const bytes = Buffer.from(ref.vectors_f32_base64, 'base64');
  if (bytes.length !== ref.count * ref.dimension * 4)
    throw new Error(`reference.json holds ${bytes.length} bytes, expected ${ref.count}×${ref.dimension}×4`);
  const out = new Float32Array(ref.count * ref.dimension);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export function row(vectors: Float32Array, index: number, dimension: number): Float32Array {
  return vectors.subarray(index * dimension, (index + 1) * dimension);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}
