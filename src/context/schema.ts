import { z } from 'zod';
import type { SearchParamsSchema } from '../search/param-specs.js';
import { DEFAULT_BUDGET_TOKENS, MAX_BUDGET_TOKENS, MIN_BUDGET_TOKENS } from './params.js';
import { CONTEXT_TOKENIZERS } from './tokenizers.js';

/**
 * The `context` params as a zod schema, for tool schemas (`ragctl mcp`): the search schema's
 * object with `budget`. Validation itself is `checkContextParams` (params.ts), which the socket,
 * the CLI and the service share; this only describes the same bounds to JSON Schema.
 */
export function contextParamsObject(search: SearchParamsSchema): z.ZodType {
  const object = search.object as unknown as z.ZodObject;
  return object.extend({
    budget: z
      .int()
      .min(MIN_BUDGET_TOKENS)
      .max(MAX_BUDGET_TOKENS)
      .describe(
        `tokens the whole context may take, counted with \`tokenizer\` (default ${DEFAULT_BUDGET_TOKENS})`,
      )
      .optional(),
    tokenizer: z
      .enum(CONTEXT_TOKENIZERS)
      .describe(
        "what counts the budget: 'embedder' (the embedding model's tokenizer), or an LLM's encoding, 'cl100k_base' (GPT-4) or 'o200k_base' (GPT-4o and later); default: the server's config",
      )
      .optional(),
  });
}
