import type { SearchParams } from '../search/params.js';
import type { StoredChunk } from '../store/types.js';
import type { ContextTokenizer } from './tokenizers.js';

/**
 * Contracts of the context assembler (README.md next to this file): a search, then each hit
 * with what it needs to be read alone — its enclosing scopes and its module's imports for code,
 * the neighbouring sections for documents — fitted to a token budget.
 */

/** Why a block is in the context. */
export type BlockRole = 'hit' | 'parent' | 'imports' | 'neighbour';

/**
 * `ragctl context` and the socket's `context`: a search's parameters, a budget in tokens, and
 * what counts them (default: `context.tokenizer` in the config).
 */
export type ContextParams = SearchParams & {
  budget?: number | undefined;
  tokenizer?: ContextTokenizer | undefined;
};

/** One block as it goes over the wire (`--json` and the socket): snake_case, plain JSON. */
export interface WireContextBlock {
  path: string;
  engine: string;
  /** 1-based, inclusive: the lines `text` shows (a cut block ends where the cut is). */
  start_line: number;
  end_line: number;
  role: BlockRole;
  /** Code: the qualified name (`shop/cart.py:Cart.total`); `null` for other engines. */
  symbol: string | null;
  /** Documents: the headings above the block, outermost first. */
  heading_path: string[];
  /** The hit's score; for a block brought by a hit, that hit's score. */
  score: number;
  /** The file's lines; nested blocks shown apart are replaced by one `… (lines a-b below)` line. */
  text: string;
  /**
   * A class's (interface's, impl's) outline: its header, doc, fields and member signatures with
   * the bodies elided (`{ … }`, `: …`), not the file's lines from `start_line` to `end_line`.
   */
  outline?: true;
}

export interface ContextResultJson {
  query: string;
  budget: number;
  /** Tokens of the text output (every block with its header line), counted by `tokenizer`. */
  tokens: number;
  /** What counted them: `embedder` (the searched engine's model) or an LLM encoding's name. */
  tokenizer: ContextTokenizer;
  /** Blocks grouped by file (files in the order of their best hit), in line order in each file. */
  blocks: WireContextBlock[];
  /** Blocks found but left out: they did not fit the budget. */
  dropped: number;
  took_ms: number;
  /** The search's note: why its hits are not what was asked for (a phrase nothing holds, text only). */
  note?: string;
}

/**
 * What the assembler reads from the index besides the search: a store of chunks by id and by
 * place. Each engine's table answers for its own chunks.
 */
export interface ContextStore {
  /** Chunks of an engine by id; ids with no row are absent from the answer. */
  byIds(engine: string, ids: readonly string[]): Promise<StoredChunk[]>;
  /** An engine's chunks of `path` that overlap lines `startLine..endLine` (1-based, inclusive). */
  inRange(engine: string, path: string, startLine: number, endLine: number): Promise<StoredChunk[]>;
  /** The import block(s) of a source file; none when the engine keeps no such chunk. */
  imports(engine: string, path: string): Promise<StoredChunk[]>;
}
