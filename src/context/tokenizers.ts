import type { TokenCounter } from '../embed/types.js';

/**
 * What counts the context budget: the embedder's own tokenizer (`embedder`: what chunks are
 * sized by), or an LLM's named BPE encoding, for a budget meant for that model's prompt —
 * `cl100k_base` (GPT-4, GPT-3.5) or `o200k_base` (GPT-4o, o1, o3 and later).
 */
export const CONTEXT_TOKENIZERS = ['embedder', 'cl100k_base', 'o200k_base'] as const;
export type ContextTokenizer = (typeof CONTEXT_TOKENIZERS)[number];
export type LlmTokenizer = Exclude<ContextTokenizer, 'embedder'>;

/** The budget's default: the embedder's tokenizer, which needs nothing loaded. */
export const DEFAULT_CONTEXT_TOKENIZER: ContextTokenizer = 'embedder';

export function isContextTokenizer(value: unknown): value is ContextTokenizer {
  return typeof value === 'string' && (CONTEXT_TOKENIZERS as readonly string[]).includes(value);
}

/**
 * Loads one named encoding: js-tiktoken's lite build and only that encoding's rank file (both in
 * the npm package, nothing downloaded), so a budget counted by the embedder loads none of it.
 * Building the encoder parses the ranks (o200k: 200k of them, seconds on a busy 2-core machine):
 * the caller keeps the counter.
 */
export async function loadLlmTokenizer(name: LlmTokenizer): Promise<TokenCounter> {
  const [{ Tiktoken }, ranks] = await Promise.all([
    import('js-tiktoken/lite'),
    name === 'o200k_base'
      ? import('js-tiktoken/ranks/o200k_base').then((m) => m.default)
      : import('js-tiktoken/ranks/cl100k_base').then((m) => m.default),
  ]);
  const encoding = new Tiktoken(ranks);
  return {
    // Text from the user's files is text: a `<|endoftext|>` in it is counted as the characters it is.
    countTokens: (text) => encoding.encode(text, [], []).length,
    // No model behind it reads the whole budget at once; nothing is truncated.
    maxTokens: Number.POSITIVE_INFINITY,
  };
}
