import { closest } from '../config/schema.js';
import { checkSearchParams, describeProblem, type SearchParamsSchema } from '../search/param-specs.js';
import { CONTEXT_TOKENIZERS, isContextTokenizer } from './tokenizers.js';
import type { ContextParams } from './types.js';

/** What `ragctl context` fits into when no budget is given: a generous slice of a prompt. */
export const DEFAULT_BUDGET_TOKENS = 2000;
/** Below this not even one short function with its header line fits. */
export const MIN_BUDGET_TOKENS = 16;
/** A large model's whole context window; more is a mistake, and it bounds the reply. */
export const MAX_BUDGET_TOKENS = 200_000;

export const BUDGET_EXPECTS = `an integer from ${MIN_BUDGET_TOKENS} to ${MAX_BUDGET_TOKENS}`;

export type ContextParamsCheck =
  | { ok: true; params: ContextParams }
  | { ok: false; param: string; message: (label: string) => string };

/** Why `value` is not a tokenizer name, for `label` (`--tokenizer`, `tokenizer`), with the nearest name. */
export function tokenizerProblem(value: unknown, label: string): string {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : String(value);
  // A typo, or an encoding named without its suffix (`o200k`).
  const near =
    typeof value === 'string' && value.length > 0
      ? (closest(value, CONTEXT_TOKENIZERS) ??
        CONTEXT_TOKENIZERS.find((t) => t.startsWith(value.toLowerCase())))
      : undefined;
  return `${label} must be one of ${CONTEXT_TOKENIZERS.join(', ')}, not ${shown}${near ? ` (did you mean '${near}'?)` : ''}`;
}

/**
 * A context request's parameters: `budget` and `tokenizer`, and the rest checked as a search's
 * by the same schema as `search` (filters included), so both methods refuse a value in the
 * same words.
 */
export function checkContextParams(schema: SearchParamsSchema, input: unknown): ContextParamsCheck {
  const raw = typeof input === 'object' && input !== null && !Array.isArray(input) ? { ...input } : input;
  /** A key of the context's own, taken out of what the search schema checks. */
  const take = (key: string): unknown => {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const value = (raw as Record<string, unknown>)[key];
    delete (raw as Record<string, unknown>)[key];
    return value;
  };
  // Undefined is "not given", as for the search's own parameters.
  const tokenizerValue = take('tokenizer');
  if (tokenizerValue !== undefined && !isContextTokenizer(tokenizerValue))
    return { ok: false, param: 'tokenizer', message: (label) => tokenizerProblem(tokenizerValue, label) };
  const tokenizer = tokenizerValue as ContextParams['tokenizer'];
  const budget = take('budget');
  if (
    budget !== undefined &&
    (typeof budget !== 'number' ||
      !Number.isInteger(budget) ||
      budget < MIN_BUDGET_TOKENS ||
      budget > MAX_BUDGET_TOKENS)
  ) {
    const shown = typeof budget === 'string' ? JSON.stringify(budget.slice(0, 60)) : String(budget);
    return {
      ok: false,
      param: 'budget',
      message: (label) => `${label} must be ${BUDGET_EXPECTS}, not ${shown}`,
    };
  }
  const checked = checkSearchParams(schema, raw);
  if (!checked.ok) {
    // The context's own parameters are known too.
    const problem =
      checked.problem.problem === 'unknown'
        ? { ...checked.problem, known: [...checked.problem.known, 'budget', 'tokenizer'] }
        : checked.problem;
    return { ok: false, param: problem.param, message: (label) => describeProblem(problem, label) };
  }
  return {
    ok: true,
    params: {
      ...checked.params,
      ...(budget === undefined ? {} : { budget }),
      ...(tokenizer === undefined ? {} : { tokenizer }),
    },
  };
}
