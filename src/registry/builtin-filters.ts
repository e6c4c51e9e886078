import { CODE_FILTERS } from '../engines/code-filters.js';
import { DOCUMENT_FILTERS } from '../engines/document-filters.js';
import { SQL_FILTERS, SQL_MAPPER_NAME } from '../engines/sql-filters.js';
import type { FilterField } from '../engines/types.js';

/** Each built-in mapper's filter fields, by the mapper's name (an engine's `mapper:`). */
const BUILTIN_FILTERS_BY_MAPPER: Readonly<Record<string, readonly FilterField[]>> = Object.freeze({
  document: DOCUMENT_FILTERS,
  [SQL_MAPPER_NAME]: SQL_FILTERS,
  code: CODE_FILTERS,
});

/**
 * The built-in mappers' filter fields, for processes that must not load the mappers: the CLI
 * builds `search`'s flags from this at start, and the socket its `search` params. It lists what
 * `createRegistry().searchFilters()` returns (test/unit/registry/filters.test.ts holds them
 * equal): a new engine's mapper declares its fields in a module of plain data, and both
 * `createRegistry` and this list name it.
 */
export const BUILTIN_FILTERS: readonly FilterField[] = Object.freeze(
  Object.values(BUILTIN_FILTERS_BY_MAPPER).flat(),
);

/**
 * The built-in filter fields of these mappers only (the engines a config's sources use), each
 * name once; all of them when one is not built in, whose fields this plain list cannot know.
 */
export function builtinFiltersOf(mappers: readonly string[]): readonly FilterField[] {
  if (mappers.some((m) => !Object.hasOwn(BUILTIN_FILTERS_BY_MAPPER, m))) return BUILTIN_FILTERS;
  const wanted = new Set(mappers.flatMap((m) => BUILTIN_FILTERS_BY_MAPPER[m]!.map((f) => f.name)));
  return BUILTIN_FILTERS.filter(
    (f, i, all) => wanted.has(f.name) && all.findIndex((g) => g.name === f.name) === i,
  );
}
