import { CHUNK_COLUMNS as C } from '../store/types.js';
import type { FilterField } from './types.js';

/**
 * The document mapper's own filter fields. A module of plain data, apart from the mapper, so
 * that the CLI can build its flags without loading Arrow (src/registry/builtin-filters.ts).
 */
export const DOCUMENT_FILTERS: readonly FilterField[] = Object.freeze([
  {
    name: 'heading',
    kind: 'heading',
    column: C.headingPath,
    placeholder: 'text',
    description:
      'only sections under a heading with exactly this text, in any case, at any level; a section number before it (2.5, Chapter 3:) may be left out (document engines, e.g. md)',
  },
]);
