import { CODE_FILTERS } from '../engines/code-filters.js';
import { DOCUMENT_FILTERS } from '../engines/document-filters.js';
import { SQL_FILTERS } from '../engines/sql-filters.js';
import type { FilterField } from '../engines/types.js';

/**
 * The built-in mappers' filter fields, for processes that must not load the mappers: the CLI
 * builds `search`'s flags from this at start, and the socket its `search` params. It lists what
 * `createRegistry().searchFilters()` returns (test/unit/registry/filters.test.ts holds them
 * equal): a new engine's mapper declares its fields in a module of plain data, and both
 * `createRegistry` and this list name it.
 */
export const BUILTIN_FILTERS: readonly FilterField[] = Object.freeze([
  ...DOCUMENT_FILTERS,
  // SQL engine.
  ...SQL_FILTERS,
  // Code engine.
  ...CODE_FILTERS,
]);
