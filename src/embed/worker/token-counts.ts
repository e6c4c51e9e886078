import type { TokenEncoder } from '../types.js';

/**
 * Texts tokenised per turn of the event loop: 64 texts of 256 tokens take ≈ 25 ms here, so a
 * search arriving on the socket during a big index call waits at most that long.
 */
const TOKENIZE_SLICE_TEXTS = 64;

/**
 * Token counts for planning requests, `encode` truncating as the model does (a huge text costs
 * no more than maxTokens). The tokenizer is pure JS and shares the daemon's thread with the
 * socket, so a big index call yields between slices.
 */
export async function countTokens(tokenizer: TokenEncoder, texts: readonly string[]): Promise<number[]> {
  const counts: number[] = [];
  for (let i = 0; i < texts.length; i++) {
    if (i > 0 && i % TOKENIZE_SLICE_TEXTS === 0) await new Promise((resolve) => setImmediate(resolve));
    counts.push(tokenizer.encode(texts[i]!).length);
  }
  return counts;
}
