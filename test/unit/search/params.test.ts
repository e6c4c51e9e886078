import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { FilterField } from '../../../src/engines/types.js';
import {
  checkSearchParams,
  describeProblem,
  fromCliText,
  MAX_K,
  MAX_QUERY_CHARS,
  type ParamProblem,
} from '../../../src/search/param-specs.js';
import { searchParamsSchema } from '../../../src/search/params.js';
import { SEARCH_MODES } from '../../../src/store/types.js';

const MIN_TIME: FilterField = {
  name: 'min_time',
  kind: 'number-min',
  column: 'duration_ms',
  description: 'only statements slower than this (ms)',
  placeholder: 'ms',
};
const TABLES: FilterField = {
  name: 'table',
  kind: 'string-in',
  column: 'tables',
  description: 'only statements on these tables',
};

/** A closed set of values, as the code engine's `lang` declares. */
const LANG: FilterField = {
  name: 'lang',
  kind: 'string-in',
  column: 'language',
  description: 'only code in these languages',
  values: ['python', 'go'],
};

const schema = searchParamsSchema([MIN_TIME, TABLES]);
const problem = (input: unknown): ParamProblem => {
  const checked = checkSearchParams(schema, input);
  if (checked.ok) throw new Error(`accepted ${JSON.stringify(input)}`);
  return checked.problem;
};

describe('the search schema', () => {
  it('takes the base parameters and each declared field, and nothing else', () => {
    const ok = checkSearchParams(schema, {
      query: 'slow joins',
      k: MAX_K,
      mode: 'text',
      engine: 'sql',
      path: 'logs/**',
      after: '7d',
      before: '2024-05-01T00:00:00Z',
      min_time: 250.5,
      table: ['orders', 'users'],
    });
    expect(ok.ok).toBe(true);
    expect(problem({ query: 'q', limit: 5 })).toMatchObject({ param: 'limit', problem: 'unknown' });
    // A field no registered mapper declares is unknown, however plausible.
    expect(problem({ query: 'q', heading: 'x' })).toMatchObject({ param: 'heading', problem: 'unknown' });
  });

  it('holds one query limit, one k range and one list of modes', () => {
    expect(checkSearchParams(schema, { query: 'x'.repeat(MAX_QUERY_CHARS) }).ok).toBe(true);
    expect(problem({ query: 'x'.repeat(MAX_QUERY_CHARS + 1) })).toMatchObject({ param: 'query' });
    expect(problem({ query: ' \n ' })).toMatchObject({ param: 'query', problem: 'invalid' });
    expect(problem({})).toEqual({ param: 'query', problem: 'missing' });
    for (const k of [0, MAX_K + 1, 1.5, '3']) expect(problem({ query: 'q', k }).param).toBe('k');
    for (const mode of SEARCH_MODES) expect(checkSearchParams(schema, { query: 'q', mode }).ok).toBe(true);
    expect(problem({ query: 'q', mode: 'fuzzy' })).toMatchObject({ expects: 'one of hybrid, vector, text' });
  });

  it('checks declared fields by their kind', () => {
    expect(problem({ query: 'q', min_time: '250' })).toMatchObject({
      param: 'min_time',
      expects: 'a number',
    });
    expect(problem({ query: 'q', table: [] }).param).toBe('table');
    expect(problem({ query: 'q', table: ['ok', ''] }).param).toBe('table');
    expect(problem({ query: 'q', table: '' }).param).toBe('table');
    expect(problem({ query: 'q', table: 7 }).param).toBe('table');
    expect(problem({ query: 'q', after: 'last tuesday' }).param).toBe('after');
    expect(problem({ query: 'q', before: '2024-02-31' }).param).toBe('before');
  });

  it('says what is wrong under the name the reader knows', () => {
    expect(describeProblem(problem({ query: 'q', k: 0 }), 'params.k')).toBe(
      'params.k must be an integer from 1 to 1000, not 0',
    );
    expect(describeProblem(problem({ query: 'q', k: 'many' }), '-k')).toBe(
      '-k must be an integer from 1 to 1000, not "many"',
    );
    expect(describeProblem(problem({ query: 'x'.repeat(5000) }), 'the query')).toBe(
      'the query must be a non-empty string of at most 4,096 characters, not a string of 5,000 characters',
    );
    expect(describeProblem(problem({ query: 'q', after: 'soon' }), '--after')).toMatch(
      /^--after must be a date \(2024-05-01, UTC\), .* or an age \(7d, 12h, 30m\), not "soon"$/,
    );
    expect(describeProblem(problem({ query: 'q', limit: 1 }), 'params.limit')).toBe(
      'params.limit is not a search parameter (known: query, k, mode, engine, path, after, before, explain, rerank, every, min_time, table)',
    );
  });

  it('gives each field a flag from its name and a CLI reading of its value', () => {
    const spec = schema.params.find((p) => p.name === 'min_time');
    expect(spec?.cli).toEqual({ flags: '--min-time <ms>', label: '--min-time', value: 'number' });
    expect(schema.params.find((p) => p.name === 'table')?.cli?.flags).toBe('--table <value>');
    expect(fromCliText('number', '250', undefined)).toBe(250);
    expect(fromCliText('number', '-1.5e3', undefined)).toBe(-1500);
    expect(fromCliText('number', 'many', undefined)).toBe('many');
    expect(fromCliText('list', 'b', ['a'])).toEqual(['a', 'b']);
    expect(fromCliText('string', '42', undefined)).toBe('42');
  });

  it('refuses declarations that would clash', () => {
    expect(() => searchParamsSchema([{ ...MIN_TIME, name: 'path' }])).toThrow(/every search has/);
    expect(() => searchParamsSchema([{ ...MIN_TIME, name: 'minTime' }])).toThrow(/snake_case/);
    expect(() => searchParamsSchema([MIN_TIME, { ...MIN_TIME, kind: 'glob' }])).toThrow(/one name, one kind/);
    // The same field on two engines, each with its own column, is one parameter.
    const shared = searchParamsSchema([MIN_TIME, { ...MIN_TIME, column: 'elapsed_ms' }]);
    expect(shared.params.filter((p) => p.name === 'min_time')).toHaveLength(1);
  });

  it('converts to a JSON Schema with the same bounds (for tool schemas)', () => {
    const json = z.toJSONSchema(schema.object) as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(json.required).toEqual(['query']);
    expect(json.additionalProperties).toBe(false);
    expect(json.properties.query).toMatchObject({ type: 'string', maxLength: MAX_QUERY_CHARS });
    expect(json.properties.k).toMatchObject({ type: 'integer', minimum: 1, maximum: MAX_K });
    expect(json.properties.mode).toMatchObject({ enum: [...SEARCH_MODES] });
    expect(json.properties.after).toMatchObject({ type: 'string', pattern: expect.any(String) });
    expect(json.properties.min_time).toMatchObject({ type: 'number', description: MIN_TIME.description });
    expect(json.properties.table).toMatchObject({ type: 'array', minItems: 1 });
  });

  it('refuses a value outside a closed set, naming the set and the bad item', () => {
    const closed = searchParamsSchema([LANG, { ...LANG, column: 'lang', values: ['go', 'rust'] }]);
    expect(checkSearchParams(closed, { query: 'q', lang: ['go', 'rust'] }).ok).toBe(true);
    const checked = checkSearchParams(closed, { query: 'q', lang: ['go', 'golang'] });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    // Two engines' sets under one name are one set; the item that is wrong is the one shown.
    expect(describeProblem(checked.problem, '--lang')).toBe(
      '--lang must be one or more of python, go, rust, not "golang"',
    );
    const json = z.toJSONSchema(closed.object) as { properties: Record<string, { items?: unknown }> };
    expect(json.properties.lang!.items).toMatchObject({ enum: ['python', 'go', 'rust'] });
    // An open declaration of the same name opens it.
    const open = searchParamsSchema([LANG, { ...LANG, values: undefined }]);
    expect(checkSearchParams(open, { query: 'q', lang: ['golang'] }).ok).toBe(true);
  });

  it('takes one word for a list filter as the list of it, and still names a bad one', () => {
    const closed = searchParamsSchema([LANG]);
    expect(checkSearchParams(closed, { query: 'q', lang: 'go' })).toEqual({
      ok: true,
      params: { query: 'q', lang: ['go'] },
    });
    const checked = checkSearchParams(closed, { query: 'q', lang: 'golang' });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(describeProblem(checked.problem, 'lang')).toBe(
      'lang must be one or more of python, go, not "golang"',
    );
  });
});
