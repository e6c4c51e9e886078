/** One forward pass: which texts (by index into the caller's array) and the padded length. */
export interface Batch {
  indices: number[];
  seqLen: number;
}

/**
 * Padded lengths are rounded up to this multiple by default: fewer distinct shapes means fewer
 * compiled graph variants (MLX compiles one per shape), at a cost of at most 7 padding tokens
 * per text. A backend that compiles nothing per shape (onnxruntime) passes 1 and pads to the
 * longest text of each batch exactly: on Markdown chunks of ~160 tokens the rounding alone is
 * ~2 % more tokens through the model.
 */
export const SEQ_LEN_MULTIPLE = 8;

export function paddedLength(tokens: number, maxTokens: number, multiple = SEQ_LEN_MULTIPLE): number {
  return Math.min(Math.ceil(tokens / multiple) * multiple, Math.max(maxTokens, tokens));
}

/**
 * Groups texts into batches of at most `budget` padded tokens. Texts are sorted by length
 * (longest first) so each batch pads to nearly its own length; a text longer than the budget
 * gets a batch of its own. Returns batches in processing order.
 */
export function planBatches(
  lengths: readonly number[],
  budget: number,
  maxTokens: number,
  multiple = SEQ_LEN_MULTIPLE,
): Batch[] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: Batch[] = [];
  let current: Batch | undefined;
  for (const i of order) {
    const len = paddedLength(lengths[i]!, maxTokens, multiple);
    // Longest first: the first text of a batch fixes its padded length.
    if (current && (current.indices.length + 1) * current.seqLen <= budget) {
      current.indices.push(i);
      continue;
    }
    current = { indices: [i], seqLen: len };
    batches.push(current);
  }
  return batches;
}
