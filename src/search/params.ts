import { z } from 'zod';
import type { FilterField } from '../engines/types.js';
import { BUILTIN_FILTERS } from '../registry/builtin-filters.js';
import { type FilterKind, SEARCH_MODES } from '../store/types.js';
import { DATE_PATTERN, parseDate } from './dates.js';
import {
  BASE_PARAMS_INFO as INFO,
  MAX_K,
  MAX_LIST_VALUES,
  MAX_NAME_CHARS,
  MAX_QUERY_CHARS,
  paramSpecs,
  type SearchParamsSchema,
  uniqueFilters,
} from './param-specs.js';

/**
 * The one definition of a search's parameters. The CLI's flags (src/cli/commands/search.ts),
 * the socket's `search` params (src/ipc/protocol.ts) and the search service all validate with
 * the schema built here, so a bound or a list of modes cannot drift between them; the
 * `search` section of docs/PROTOCOL.md is generated from it (scripts/protocol-params.mjs).
 * Bounds, flags and words are in param-specs.ts, which loads without zod.
 *
 * The wire schema holds only what JSON Schema can say (types, bounds, enums, patterns; the
 * date check is a refinement on top of a pattern), so `z.toJSONSchema` can describe it to
 * tools. Nothing is transformed: a date stays the text the client sent until the service
 * reads it with `parseDate`.
 */

function nonBlank(maxChars = MAX_NAME_CHARS) {
  return z.string().min(1).max(maxChars).regex(/\S/);
}

function dateText() {
  return z
    .string()
    .regex(DATE_PATTERN)
    .refine((text) => !Number.isNaN(parseDate(text)));
}

const BASE_PARAMS = z.strictObject({
  query: nonBlank(MAX_QUERY_CHARS).describe(INFO.query.description),
  k: z.int().min(1).max(MAX_K).describe(INFO.k.description).optional(),
  mode: z.enum(SEARCH_MODES).describe(INFO.mode.description).optional(),
  engine: nonBlank().describe(INFO.engine.description).optional(),
  path: nonBlank().describe(INFO.path.description).optional(),
  after: dateText().describe(INFO.after.description).optional(),
  before: dateText().describe(INFO.before.description).optional(),
  explain: z.boolean().describe(INFO.explain.description).optional(),
  rerank: z.boolean().describe(INFO.rerank.description).optional(),
  every: z.boolean().describe(INFO.every.description).optional(),
});

/** A value of an engine-declared filter on the wire. */
export type FilterValue = number | string | string[];

/** A valid search: the base parameters, and engines' filters by their declared names. */
export type SearchParams = z.infer<typeof BASE_PARAMS> & {
  [filter: string]: FilterValue | boolean | undefined;
};

/** One word of a filter: one of its closed set when it declares one (`values`), else any. */
function word(field: FilterField): z.ZodType {
  return field.values ? z.enum(field.values as [string, ...string[]]) : nonBlank();
}

/** Each filter kind's wire value (its words are `KIND_INFO` in param-specs.ts). */
const KIND_WIRE: Record<FilterKind, (field: FilterField) => z.ZodType> = {
  'number-min': () => z.number(),
  'number-max': () => z.number(),
  'date-after': dateText,
  'date-before': dateText,
  'string-eq': (f) => word(f),
  'string-in': (f) => z.array(word(f)).min(1).max(MAX_LIST_VALUES),
  'string-prefix': () => nonBlank(),
  'list-contains': () => nonBlank(),
  heading: () => nonBlank(),
  glob: () => nonBlank(),
  'path-glob': () => nonBlank(),
};

/**
 * The schema for the base parameters plus these engine filter fields (every registered
 * mapper's: see `ComponentRegistry.searchFilters`). Fields of the same name must agree on the
 * kind, which fixes the value's type; their columns may differ per engine.
 */
export function searchParamsSchema(filters: readonly FilterField[]): SearchParamsSchema {
  const unique = uniqueFilters(filters);
  const extra: Record<string, z.ZodType> = {};
  for (const f of unique) extra[f.name] = KIND_WIRE[f.kind](f).describe(f.description).optional();
  return {
    params: paramSpecs(unique),
    filters: unique,
    object: BASE_PARAMS.extend(extra) as unknown as z.ZodType<SearchParams>,
  };
}

let builtin: SearchParamsSchema | undefined;

/** The schema of the built-in engines: what a daemon without other mappers takes. */
export function builtinSearchParams(): SearchParamsSchema {
  builtin ??= searchParamsSchema(BUILTIN_FILTERS);
  return builtin;
}
