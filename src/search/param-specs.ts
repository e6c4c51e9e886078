import type { z } from 'zod';
import type { FilterField } from '../engines/types.js';
import { type FilterKind, SEARCH_MODES } from '../store/types.js';
import { DATE_EXPECTS } from './dates.js';
import type { SearchParams } from './params.js';

/**
 * Search parameters as people meet them: their bounds, their flags, what a valid value is in
 * words, and the words of a refusal. No zod here: every `ragctl` command loads this (the
 * `search` command builds its flags from it at start), and only a search that runs needs the
 * validator (params.ts, which builds the one schema from these specs).
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

const nonBlankExpects = (maxChars = MAX_NAME_CHARS) =>
  `a non-empty string of at most ${thousands(maxChars)} characters`;

/** How a command-line value becomes a wire value before validation. */
export type CliValue = 'number' | 'string' | 'list' | 'boolean';

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
    /** What `--help` says instead of `description`, where the flag turns the parameter off (`--no-…`). */
    readonly help?: string;
  };
}

/** Parameters of every search, whatever engines answer it; their columns are in every table. */
export const BASE_PARAMS_INFO = {
  query: {
    expects: nonBlankExpects(MAX_QUERY_CHARS),
    description:
      'the text to look for, in your own words; a "quoted phrase" keeps only chunks holding its words side by side',
    defaultText: 'required',
  },
  k: {
    expects: `an integer from 1 to ${MAX_K}`,
    description: 'results wanted',
    defaultText: '`search.k` in the config (10)',
    cli: {
      flags: '-k, --k <n>',
      label: '-k',
      value: 'number',
      defaultHelp: 'default: search.k in the config, 10',
    },
  },
  mode: {
    expects: `one of ${SEARCH_MODES.join(', ')}`,
    description:
      'hybrid (meaning + exact words, fused), vector (meaning: ANN over embeddings) or text (exact words: BM25)',
    defaultText: '`hybrid`',
    cli: { flags: '-m, --mode <mode>', label: '--mode', value: 'string', defaultHelp: 'default: hybrid' },
  },
  engine: {
    expects: nonBlankExpects(),
    description: "only this engine's index (e.g. md)",
    defaultText: 'all engines',
    cli: { flags: '-e, --engine <name>', label: '--engine', value: 'string' },
  },
  path: {
    expects: nonBlankExpects(),
    description:
      "only files matching this glob: absolute when it starts with / ('/home/me/x/**'), else relative to the source folder, or to its parent ('daily/**' and 'notes/daily/**' for the source ~/notes); one without a / matches at any depth ('*.md'); a part typed in lower case matches any case ('readme*' finds README.md)",
    defaultText: 'every file',
    cli: { flags: '-p, --path <glob>', label: '--path', value: 'string' },
  },
  after: {
    expects: DATE_EXPECTS,
    description: 'only files modified at or after this time (sql: statements logged at or after it)',
    defaultText: 'no limit',
    cli: { flags: '-a, --after <date>', label: '--after', value: 'string' },
  },
  before: {
    expects: DATE_EXPECTS,
    description: 'only files modified before this time (sql: statements logged before it)',
    defaultText: 'no limit',
    cli: { flags: '-b, --before <date>', label: '--before', value: 'string' },
  },
  explain: {
    expects: 'true or false',
    description:
      "with each hit, how it was ranked: its vector rank and distance, its text rank and BM25 score, the fusion's inputs, the final score, the filter applied, and where re-ranking moved it",
    defaultText: '`false`',
    cli: { flags: '--explain', label: '--explain', value: 'boolean' },
  },
  rerank: {
    expects: 'true or false',
    description:
      'whether hybrid re-reads its first hits against the query token by token to order them (late interaction; `search.rerank` in the config sets how many): on by default; false keeps the fused order and is faster',
    defaultText: '`true`',
    cli: {
      flags: '--no-rerank',
      label: '--no-rerank',
      value: 'boolean',
      help: "keep hybrid's fused order, faster: by default its first hits are re-read against the query token by token (late interaction; `search.rerank` in the config sets how many)",
    },
  },
  every: {
    expects: 'true or false',
    description:
      'every matching row as a hit of its own; by default rows that repeat one thing are one hit with a count of the others (sql: the runs of one statement shape, by fingerprint), copies of one passage in several files are one hit that names the others, and the chunks of one section or long function are one hit that lists the lines of the others',
    defaultText: '`false`',
    cli: { flags: '--every', label: '--every', value: 'boolean' },
  },
} as const satisfies Record<string, ParamInfo>;

/** Each filter kind's value in words and on the command line. */
export const KIND_INFO: Record<FilterKind, { expects: string; placeholder: string; value: CliValue }> = {
  'number-min': { expects: 'a number', placeholder: 'n', value: 'number' },
  'number-max': { expects: 'a number', placeholder: 'n', value: 'number' },
  'date-after': { expects: DATE_EXPECTS, placeholder: 'date', value: 'string' },
  'date-before': { expects: DATE_EXPECTS, placeholder: 'date', value: 'string' },
  'string-eq': { expects: nonBlankExpects(), placeholder: 'value', value: 'string' },
  'string-in': {
    expects: `a list of 1 to ${MAX_LIST_VALUES} non-empty strings`,
    placeholder: 'value',
    value: 'list',
  },
  'string-prefix': { expects: nonBlankExpects(), placeholder: 'prefix', value: 'string' },
  'list-contains': { expects: nonBlankExpects(), placeholder: 'value', value: 'string' },
  heading: { expects: nonBlankExpects(), placeholder: 'text', value: 'string' },
  glob: { expects: nonBlankExpects(), placeholder: 'glob', value: 'string' },
  'path-glob': { expects: nonBlankExpects(), placeholder: 'glob', value: 'string' },
};

/** One parameter of a built schema. */
export interface ParamSpec extends ParamInfo {
  readonly name: string;
  readonly required: boolean;
  /** The engine filter it comes from; absent for the base parameters. */
  readonly filter?: FilterField;
}

/** The search parameters of one set of registered engines (built by `searchParamsSchema`). */
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
 * The engine filter fields, one per name, checked: snake_case names that no base parameter
 * has, and one kind per name (it fixes the value's type; columns may differ per engine).
 */
export function uniqueFilters(filters: readonly FilterField[]): FilterField[] {
  const unique = new Map<string, FilterField>();
  for (const f of filters) {
    if (!FILTER_NAME.test(f.name))
      throw new Error(`filter field '${f.name}' must be a snake_case name (e.g. min_time)`);
    if (Object.hasOwn(BASE_PARAMS_INFO, f.name))
      throw new Error(`filter field '${f.name}' is a parameter every search has; pick another name`);
    const seen = unique.get(f.name);
    if (seen && seen.kind !== f.kind)
      throw new Error(
        `filter field '${f.name}' is declared as ${seen.kind} and as ${f.kind}; one name, one kind`,
      );
    if (!seen) unique.set(f.name, f);
    // Two engines' closed sets under one name: either's values; an open one opens the name.
    else if (seen.values)
      unique.set(f.name, {
        ...seen,
        values: f.values ? [...new Set([...seen.values, ...f.values])] : undefined,
      });
  }
  return [...unique.values()];
}

/** The base parameters and these (unique) filter fields, as people meet them. */
export function paramSpecs(filters: readonly FilterField[]): ParamSpec[] {
  const base: ParamSpec[] = Object.entries(BASE_PARAMS_INFO).map(([name, info]) => ({
    name,
    required: name === 'query',
    ...info,
  }));
  return [
    ...base,
    ...uniqueFilters(filters).map((f): ParamSpec => {
      const kind = KIND_INFO[f.kind];
      const label = filterFlag(f.name);
      const closed =
        f.values &&
        (f.kind === 'string-in' ? 'one or more of ' : f.kind === 'string-eq' ? 'one of ' : undefined);
      return {
        name: f.name,
        required: false,
        expects: closed ? `${closed}${f.values!.join(', ')}` : kind.expects,
        description: f.description,
        defaultText: 'no filter',
        cli: { flags: `${label} <${f.placeholder ?? kind.placeholder}>`, label, value: kind.value },
        filter: f,
      };
    }),
  ];
}

/** What is wrong with a search's parameters: the first problem, naming the parameter. */
export type ParamProblem =
  | { param: string; problem: 'missing' }
  | { param: string; problem: 'unknown'; known: readonly string[] }
  | { param: string; problem: 'invalid'; expects: string; value: unknown };

export type ParamsCheck = { ok: true; params: SearchParams } | { ok: false; problem: ParamProblem };

/** Validates `input` against the schema; a problem names one parameter (the first in order). */
export function checkSearchParams(schema: SearchParamsSchema, given: unknown): ParamsCheck {
  const input = withListsOfOne(schema, given);
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
  // One bad item of a list is the value to show (`"golang"`, not "an array").
  const item = issue.path[1];
  const whole = record[name];
  const value =
    Array.isArray(whole) && typeof item === 'number' && issue.path.length === 2 ? whole[item] : whole;
  return {
    ok: false,
    problem: { param: name, problem: 'invalid', expects: spec?.expects ?? 'valid', value },
  };
}

/**
 * A list filter given one word (`"lang": "rust"`, as an agent often writes it) as the list of
 * that word: the schema asks for a list, and one value is no less clear.
 */
function withListsOfOne(schema: SearchParamsSchema, input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const record = input as Record<string, unknown>;
  const lone = schema.filters.filter((f) => f.kind === 'string-in' && typeof record[f.name] === 'string');
  if (!lone.length) return input;
  return { ...record, ...Object.fromEntries(lone.map((f) => [f.name, [record[f.name]]])) };
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
