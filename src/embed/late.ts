import { RagError } from '../errors.js';
import type { Embedder, EmbedOptions } from './types.js';

/**
 * Late interaction (MaxSim, as ColBERT scores): how well a text answers a query, read token by
 * token with the embedding model's own token vectors rather than one pooled vector each. For
 * every token of the query, the best cosine with any token of the text; the score is their mean.
 * A query word the text has in another form, or a phrase the pooled vector blurs, still finds
 * its match, which is why it ranks a short candidate list better than the pooled cosine.
 */

/**
 * Unit-length copies of `count` token vectors of `dimension` values, read from `hidden` at
 * `offset` (row-major). A token whose vector is all zeros stays zeros (it then matches nothing).
 */
export function unitTokens(
  hidden: Float32Array,
  offset: number,
  count: number,
  dimension: number,
): Float32Array {
  const out = new Float32Array(count * dimension);
  for (let t = 0; t < count; t++) {
    const from = offset + t * dimension;
    let norm = 0;
    for (let j = 0; j < dimension; j++) norm += hidden[from + j]! * hidden[from + j]!;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < dimension; j++) out[t * dimension + j] = hidden[from + j]! * inv;
  }
  return out;
}

/**
 * MaxSim of one text: `query` holds the query's unit token vectors (`query.length / dimension`
 * of them); the text's `length` tokens are rows of `hidden` from `offset`, not yet normalised.
 */
export function maxSim(
  query: Float32Array,
  hidden: Float32Array,
  offset: number,
  length: number,
  dimension: number,
): number {
  const queryTokens = query.length / dimension;
  if (!queryTokens || !length) return 0;
  const doc = unitTokens(hidden, offset, length, dimension);
  let sum = 0;
  for (let q = 0; q < queryTokens; q++) {
    const qo = q * dimension;
    let best = -1;
    for (let t = 0; t < length; t++) {
      const to = t * dimension;
      let dot = 0;
      for (let j = 0; j < dimension; j++) dot += query[qo + j]! * doc[to + j]!;
      if (dot > best) best = dot;
    }
    sum += best;
  }
  return sum / queryTokens;
}

/** `embedder.lateScores`, or an error naming the model when it has no token vectors to score with. */
export function lateScoresOf(
  embedder: Embedder,
  query: string,
  texts: readonly string[],
  options?: EmbedOptions,
): Promise<Float32Array> {
  if (!embedder.lateScores)
    throw new RagError(
      'E_EMBED',
      `the ${embedder.modelId} embedder cannot score late (it has no token vectors)`,
    );
  return embedder.lateScores(query, texts, options);
}
