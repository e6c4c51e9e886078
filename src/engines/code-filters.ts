import { LANGUAGES } from './code/languages.js';
import type { FilterField } from './types.js';

/** The code mapper's columns beyond those every table has (code-mapper.ts writes them). */
export const CODE_COLUMNS = {
  /** The qualified name inside the file (`Class.method`); '' for imports, module code and text. */
  symbol: 'symbol',
  /** `CodeKind`: imports, module, class, interface, impl, object, type, function, method, text. */
  kind: 'kind',
  /** The id of the enclosing chunk (a method's class); '' at the top. */
  parentScope: 'parent_scope',
  /** The grammar's language (`python`, `typescript`, …), or `text` when none parsed the file. */
  language: 'language',
} as const;

/**
 * The code mapper's own filter fields. A module of plain data, apart from the mapper, so that
 * the CLI can build its flags without loading Arrow (src/registry/builtin-filters.ts).
 */
export const CODE_FILTERS: readonly FilterField[] = Object.freeze([
  {
    name: 'lang',
    kind: 'string-in',
    column: CODE_COLUMNS.language,
    placeholder: 'name',
    description: `only code in these languages: ${LANGUAGES.map((l) => l.name).join(', ')}, or text for files read without a grammar (code engines)`,
    values: [...LANGUAGES.map((l) => l.name), 'text'],
  },
  {
    name: 'symbol',
    kind: 'glob',
    column: CODE_COLUMNS.symbol,
    description: "only definitions whose qualified name in the file matches, e.g. 'Cart.*' (code engines)",
  },
]);
