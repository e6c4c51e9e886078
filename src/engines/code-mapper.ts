import type { RecordBatch, Schema } from 'apache-arrow';
import { RagError } from '../errors.js';
import { arrow, recordBatch, utf8Data } from './arrow.js';
import { TEST_PATHS, TEST_RANK_FACTOR } from './code/test-paths.js';
import { type CodeChunkMetadata, type CodeKind, SUMMARY_KINDS } from './code/types.js';
import { CODE_COLUMNS, CODE_FILTERS } from './code-filters.js';
import { documentMapper } from './document-mapper.js';
import type { MappedFile, StoreMapper } from './types.js';

/** The kinds whose rows hybrid's full-text leg leaves out (see `hybridTextSkip`). */
const HYBRID_TEXT_SKIP_KINDS: readonly CodeKind[] = Object.freeze([...SUMMARY_KINDS, 'module', 'imports']);

/**
 * Chunks of source code: the document table's columns plus what the code chunker knows of each
 * chunk (`CODE_COLUMNS`), as plain columns so that `--lang` and `--symbol` are pushed down into
 * the scan instead of parsing `metadata` JSON. The common columns are built by the document
 * mapper, so both tables read alike to search and status; the vector stays the last column.
 */
export const codeMapper: StoreMapper = {
  name: 'code',
  filters: CODE_FILTERS,
  /**
   * English stop words are dropped from the code table's full-text index (and, by the same
   * tokenizer, from queries). In code they occur only in comments and docstrings, so BM25 gives
   * them real weight and a question asked in English ("where is the schema compiled") ranks the
   * chunks with the most prose first, whatever they do. The keywords that are also stop words
   * (`if`, `in`, `not`, `for`, `is`) are syntax in every chunk and tell none of them apart.
   */
  textIndex: { removeStopWords: true },
  /**
   * A class summary lists every member's signature, so its text holds the words of all its
   * methods' names and parameters, which the methods' own chunks hold too. Through the
   * full-text leg the summary matched a question about one method as well as the method did,
   * often better (the words of several methods at once), and fusion put the class first where
   * the vector leg had the method (docs/BENCHMARKS.md §18, §22). Summaries still come through
   * the vector leg, and the context assembler still shows them as the parent of a method.
   *
   * Module code and import blocks are left out too: an import block holds the names of what the
   * file uses and a module chunk its constants and usage text, words that the definitions
   * answering a question hold as their own (docs/BENCHMARKS.md §30). Both stay vector candidates.
   */
  hybridTextSkip: { kind: 'string-in', column: CODE_COLUMNS.kind, value: HYBRID_TEXT_SKIP_KINDS },
  /**
   * A class's name as the whole query asks for its definition, which the legs often missed: gson's
   * `TypeAdapter` showed its constructor and the `TypeAdapters` helpers, never the class.
   */
  nameColumn: CODE_COLUMNS.symbol,
  /**
   * Tests stay findable but lose near-ties to the code they test (`TEST_PATHS`): a test's table of
   * inputs and expected messages reads like a question about that code. Rust keeps its unit tests
   * in the file they test, in a module the chunker marks (`isTest`): those are tests as well.
   */
  hybridRankDown: [
    { paths: TEST_PATHS, factor: TEST_RANK_FACTOR, why: 'a test file' },
    { rows: (metadata) => metadata.isTest === true, factor: TEST_RANK_FACTOR, why: 'a test module' },
  ],
  /**
   * A definition too long for one chunk: its header and the parts of its body (a part's
   * `parentScope` is the header's id). Every other chunk is a passage of its own.
   */
  passageOf: (row) => ({
    key:
      typeof row.metadata.part === 'number' && typeof row.metadata.parentScope === 'string'
        ? row.metadata.parentScope
        : row.id,
  }),

  schema(dimension: number): Schema {
    const common = documentMapper.schema(dimension).fields;
    const own = Object.values(CODE_COLUMNS).map((name) => new arrow.Field(name, new arrow.Utf8(), false));
    return new arrow.Schema([...common.slice(0, -1), ...own, common[common.length - 1]!]);
  },

  toRecordBatch(rows: readonly MappedFile[], vectors: Float32Array, dimension: number): RecordBatch {
    const common = documentMapper.toRecordBatch(rows, vectors, dimension);
    const n = common.numRows;
    const symbols: string[] = new Array(n);
    const kinds: string[] = new Array(n);
    const parents: string[] = new Array(n);
    const languages: string[] = new Array(n);
    const relPaths = common.getChild('rel_path')!;
    let i = 0;
    for (const { file, chunks } of rows) {
      for (const chunk of chunks) {
        const meta = chunk.metadata as Partial<CodeChunkMetadata>;
        if (typeof meta.kind !== 'string' || typeof meta.language !== 'string') {
          throw new RagError(
            'E_SCHEMA',
            `${file.path}: chunk ${chunk.id} has no code metadata; the code mapper needs the code chunker (engines.<name>.chunker: code)`,
          );
        }
        symbols[i] = nameInFile(meta.symbol ?? '', relPaths.get(i) as string);
        kinds[i] = meta.kind;
        parents[i] = meta.parentScope ?? '';
        languages[i] = meta.language;
        i++;
      }
    }
    const children = common.data.children;
    const own = [utf8Data(symbols), utf8Data(kinds), utf8Data(parents), utf8Data(languages)];
    return recordBatch(
      codeMapper.schema(dimension),
      [...children.slice(0, -1), ...own, children[children.length - 1]!],
      n,
    );
  },
};

/** `src/cart.ts:Cart.total` → `Cart.total`: the chunker names symbols by the source-relative path. */
function nameInFile(symbol: string, relPath: string): string {
  return symbol.startsWith(`${relPath}:`) ? symbol.slice(relPath.length + 1) : '';
}
