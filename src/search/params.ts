import { z } from 'zod';
import type { FilterField } from '../engines/types.js';
import { type FilterKind, SEARCH_MODES } from '../store/types.js';
import { DATE_EXPECTS, DATE_PATTERN, parseDate } from './dates.js';

/**
 * The one definition of a search's parameters. The CLI's flags (src/cli/commands/search.ts),
 * the socket's `search` params (src/ipc/protocol.ts) and the search service all validate with
 * the schema built here, so a bound or a list of modes cannot drift between them; the
 * `search` section of docs/PROTOCOL.md is generated from it (scripts/protocol-params.mjs).
 *
 * The wire schema holds only what JSON Schema can say (types, bounds, enums, patterns; the
 * date check is a refinement on top of a pattern), so `z.toJSONSchema` can describe it to
 * tools. Nothing is transformed: a date stays the text the client sent until the service
 * reads it with `parseDate`.
 */

/** Results per search: more than a person or a prompt can use, and it bounds the reply size. */
export const MAX_K = 1000;
/**
 * A query is a question or a pasted passage, not a document: 4,096 characters (about 1,000
 * tokens) is more than the default model reads (256 tokens) and keeps BM25's term list short.
 */
export const MAX_QUERY_CHARS = 4096;
/** Engine names, globs and filter values: PATH_MAX on Linux. */
export const MAX_NAME_CHARS = 4096;
/** Values of one `string-in` filter: an IN list, not a table to join. */
export const MAX_LIST_VALUES = 64;

/** `4,096`. Not `toLocaleString`: loading ICU's data at start costs the CLI tens of ms. */
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function nonBlank(maxChars = MAX_NAME_CHARS) {
  return z.string().min(1).max(maxChars).regex(/\S/);
}
const nonBlankExpects = (maxChars = MAX_NAME_CHARS) =>
  `a non-empty string of at most ${thousands(maxChars)} characters`;

function dateText() {
  return z
    .string()
    .regex(DATE_PATTERN)
    .refine((text) => !Number.isNaN(parseDate(text)));
}

/** How a command-line value becomes a wire value before validation. */
export type CliValue = 'number' | 'string' | 'list';

/** A parameter as people meet it: in errors, in `--help`, in docs/PROTOCOL.md. */
export interface ParamInfo {
  /** What a valid value is; errors read "<param> must be <expects>". */
  readonly expects: string;
  readonly description: string;
  /** The default, in words, for the docs. */
  readonly defaultText: string;
  /** The command-line form; absent for the query, which is the command's argument. */
  readonly cli?: {
    /** Commander's flags: `-k, --k <n>`. */
    readonly flags: string;
    /** The name errors use: `-k`, `--min-time`. */
    readonly label: string;
    readonly value: CliValue;
    /** The default as `--help` says it, where there is one. */
    readonly defaultHelp?: string;
  };
}

function param<T extends z.ZodType>(wire: T, info: ParamInfo): { wire: T; info: ParamInfo } {
  return { wire: wire.describe(info.description) as T, info };
}

/** Parameters of every search, whatever engines answer it; their columns are in every table. */
const BASE = {
  query: param(nonBlank(MAX_QUERY_CHARS), {
    expects: nonBlankExpects(MAX_QUERY_CHARS),
    description: 'the text to look for, in your own words',
    defaultText: 'required',
  }),
  k: param(z.int().min(1).max(MAX_K).optional(), {
    expects: `an integer from 1 to ${MAX_K}`,
    description: 'results wanted',
    defaultText: '`search.k` in the config (10)',
    cli: {
      flags: '-k, --k <n>',
      label: '-k',
      value: 'number',
      defaultHelp: 'default: search.k in the config, 10',
    },
  }),
  mode: param(z.enum(SEARCH_MODES).optional(), {
    expects: `one of ${SEARCH_MODES.join(', ')}`,
    description:
      'hybrid (meaning + exact words, fused), vector (meaning: ANN over embeddings) or text (exact words: BM25)',
    defaultText: '`hybrid`',
    cli: { flags: '-m, --mode <mode>', label: '--mode', value: 'string', defaultHelp: 'default: hybrid' },
  }),
  engine: param(nonBlank().optional(), {
    expects: nonBlankExpects(),
    description: "only this engine's index (e.g. md)",
    defaultText: 'all engines',
    cli: { flags: '-e, --engine <name>', label: '--engine', value: 'string' },
  }),
  path: param(nonBlank().optional(), {
    expects: nonBlankExpects(),
    description:
      "only files matching this glob: absolute when it starts with / ('/home/me/x/**'), else relative to the source ('notes/**'); one without a / matches at any depth ('*.md')",
    defaultText: 'every file',
    cli: { flags: '-p, --path <glob>', label: '--path', value: 'string' },
  }),
  after: param(dateText().optional(), {
    expects: DATE_EXPECTS,
    description: 'only files modified at or after this time',
    defaultText: 'no limit',
    cli: { flags: '-a, --after <date>', label: '--after', value: 'string' },
  }),
  before: param(dateText().optional(), {
    expects: DATE_EXPECTS,
    description: 'only files modified before this time',
    defaultText: 'no limit',
    cli: { flags: '-b, --before <date>', label: '--before', value: 'string' },
  }),
};

const BASE_PARAMS = z.strictObject({
  query: BASE.query.wire,
  k: BASE.k.wire,
  mode: BASE.mode.wire,
  engine: BASE.engine.wire,
  path: BASE.path.wire,
  after: BASE.after.wire,
  before: BASE.before.wire,
});

/** A value of an engine-declared filter on the wire. */
export type FilterValue = number | string | string[];

/** A valid search: the base parameters, and engines' filters by their declared names. */
export type SearchParams = z.infer<typeof BASE_PARAMS> & { [filter: string]: FilterValue | undefined };

/** Each filter kind's wire value and the words and CLI form that go with it. */
const KINDS: Record<
  FilterKind,
  { wire: () => z.ZodType; expects: string; placeholder: string; value: CliValue }
> = {
  'number-min': { wire: () => z.number(), expects: 'a number', placeholder: 'n', value: 'number' },
  'number-max': { wire: () => z.number(), expects: 'a number', placeholder: 'n', value: 'number' },
  'date-after': { wire: dateText, expects: DATE_EXPECTS, placeholder: 'date', value: 'string' },
  'date-before': { wire: dateText, expects: DATE_EXPECTS, placeholder: 'date', value: 'string' },
  'string-eq': { wire: () => nonBlank(), expects: nonBlankExpects(), placeholder: 'value', value: 'string' },
  'string-in': {
    wire: () => z.array(nonBlank()).min(1).max(MAX_LIST_VALUES),
    expects: `a list of 1 to ${MAX_LIST_VALUES} non-empty strings`,
    placeholder: 'value',
    value: 'list',
  },
  'list-contains': {
    wire: () => nonBlank(),
    expects: nonBlankExpects(),
    placeholder: 'value',
    value: 'string',
  },
  glob: { wire: () => nonBlank(), expects: nonBlankExpects(), placeholder: 'glob', value: 'string' },
  'path-glob': { wire: () => nonBlank(), expects: nonBlankExpects(), placeholder: 'glob', value: 'string' },
};

/** One parameter of a built schema. */
export interface ParamSpec extends ParamInfo {
  readonly name: string;
  readonly required: boolean;
  /** The engine filter it comes from; absent for the base parameters. */
  readonly filter?: FilterField;
}

/** The search parameters of one set of registered engines. */
export interface SearchParamsSchema {
  /** The base parameters first, then the engines' filters, in declaration order. */
  readonly params: readonly ParamSpec[];
  /** The engines' filter fields, one per name. */
  readonly filters: readonly FilterField[];
  /** The wire schema: the types, the validation, and (`z.toJSONSchema`) tool schemas. */
  readonly object: z.ZodType<SearchParams>;
}

/** Snake-case parameter names: `min_time` is the flag `--min-time`. */
const FILTER_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/** The parameter a filter name becomes on the command line: `min_time` → `--min-time`. */
export function filterFlag(name: string): string {
  return `--${name.replaceAll('_', '-')}`;
}

/**
 * The schema for the base parameters plus these engine filter fields (every registered
 * mapper's: see `ComponentRegistry.searchFilters`). Fields of the same name must agree on the
 * kind, which fixes the value's type; their columns may differ per engine.
 */
export function searchParamsSchema(filters: readonly FilterField[]): SearchParamsSchema {
  const params: ParamSpec[] = Object.entries(BASE).map(([name, p]) => ({
    name,
    required: name === 'query',
    ...p.info,
  }));
  const unique = new Map<string, FilterField>();
  for (const f of filters) {
    if (!FILTER_NAME.test(f.name))
      throw new Error(`filter field '${f.name}' must be a snake_case name (e.g. min_time)`);
    if (Object.hasOwn(BASE, f.name))
      throw new Error(`filter field '${f.name}' is a parameter every search has; pick another name`);
    const seen = unique.get(f.name);
    if (seen && seen.kind !== f.kind)
      throw new Error(
        `filter field '${f.name}' is declared as ${seen.kind} and as ${f.kind}; one name, one kind`,
      );
    if (!seen) unique.set(f.name, f);
  }
  const extra: Record<string, z.ZodType> = {};
  for (const f of unique.values()) {
    const kind = KINDS[f.kind];
    extra[f.name] = kind.wire().describe(f.description).optional();
    const label = filterFlag(f.name);
    params.push({
      name: f.name,
      required: false,
      expects: kind.expects,
      description: f.description,
      defaultText: 'no filter',
      cli: { flags: `${label} <${f.placeholder ?? kind.placeholder}>`, label, value: kind.value },
      filter: f,
    });
  }
  return {
    params,
    filters: [...unique.values()],
    object: BASE_PARAMS.extend(extra) as unknown as z.ZodType<SearchParams>,
  };
}

/** What is wrong with a search's parameters: the first problem, naming the parameter. */
export type ParamProblem =
  | { param: string; problem: 'missing' }
  | { param: string; problem: 'unknown'; known: readonly string[] }
  | { param: string; problem: 'invalid'; expects: string; value: unknown };

export type ParamsCheck = { ok: true; params: SearchParams } | { ok: false; problem: ParamProblem };

/** Validates `input` against the schema; a problem names one parameter (the first in order). */
export function checkSearchParams(schema: SearchParamsSchema, input: unknown): ParamsCheck {
  const parsed = schema.object.safeParse(input);
  if (parsed.success) return { ok: true, params: parsed.data };
  const issues = parsed.error.issues;
  const record = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  // A bad value comes first; a field nobody knows (a typo) after, as the old reader did.
  const issue = issues.find((i) => i.path.length > 0) ?? issues[0];
  if (issue?.code === 'unrecognized_keys') {
    return {
      ok: false,
      problem: { param: issue.keys[0] ?? '', problem: 'unknown', known: schema.params.map((p) => p.name) },
    };
  }
  if (!issue || issue.path.length === 0) {
    return { ok: false, problem: { param: '', problem: 'invalid', expects: 'an object', value: input } };
  }
  const name = String(issue.path[0]);
  if (!Object.hasOwn(record, name)) return { ok: false, problem: { param: name, problem: 'missing' } };
  const spec = schema.params.find((p) => p.name === name);
  return {
    ok: false,
    problem: { param: name, problem: 'invalid', expects: spec?.expects ?? 'valid', value: record[name] },
  };
}

/**
 * The problem in words, under the name the caller's user knows the parameter by (`params.k`
 * on the socket, `-k` on the command line): "-k must be an integer from 1 to 1000, not 0".
 */
export function describeProblem(problem: ParamProblem, label: string): string {
  switch (problem.problem) {
    case 'missing':
      return `${label} is missing`;
    case 'unknown':
      return `${label} is not a search parameter (known: ${problem.known.join(', ')})`;
    case 'invalid':
      return `${label} must be ${problem.expects}, not ${describeValue(problem.value)}`;
  }
}

/** Strings longer than this are described by their length, not echoed. */
const ECHO_CHARS = 60;

function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length <= ECHO_CHARS
      ? JSON.stringify(value)
      : `a string of ${thousands(value.length)} characters`;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'an array' : `${typeof value === 'object' ? 'an object' : typeof value}`;
}

/**
 * A command-line value as the wire takes it. Text that is not a number stays text, so the one
 * validation reports it ("-k must be an integer …, not \"many\"") instead of a parser here.
 */
export function fromCliText(value: CliValue, text: string, previous: unknown): unknown {
  if (value === 'list') return [...(Array.isArray(previous) ? previous : []), text];
  if (value === 'number' && /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?\s*$/i.test(text)) return Number(text);
  return text;
}
