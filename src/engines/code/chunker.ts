import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Node, Tree } from 'web-tree-sitter';
import { RagError } from '../../errors.js';
import { CODE_INCLUDE } from '../default-includes.js';
import { SourceText } from '../markdown/source.js';
import type { Chunker, ChunkInput, ChunkLimits } from '../types.js';
import { UnitExtractor } from './extract.js';
import { UnitFitter } from './fit.js';
import type { Grammars } from './grammars.js';
import { languageForPath } from './languages.js';
import { type SourceFolder, skipReason } from './skip.js';
import type { CodeChunk, CodeChunkMetadata, LanguageSpec, Unit } from './types.js';
import { identifierWords } from './words.js';

/** Hex characters kept of a sha256, for content hashes and ids, as the markdown chunker does. */
const HASH_HEX_CHARS = 32;

/**
 * Above this share of the file's characters inside ERROR nodes, tree-sitter's recovery is
 * guessing: the definitions it reports are not trustworthy, so the file is chunked as text.
 * One broken statement in a module stays far below it; a file in another language, or one cut
 * off in the middle of a class, goes over.
 */
const MAX_ERROR_SHARE = 0.3;

/** Below this many tokens for text the limit leaves no useful chunk: a misconfiguration. */
const MIN_CONTENT_TOKENS = 8;

export interface CodeChunkInput extends ChunkInput {
  /**
   * The path as symbols show it (`pkg/mod.py` in `pkg/mod.py:Class.method`), usually relative
   * to the source folder; `path` when absent. Ids are made from `path`, never from this.
   */
  symbolPath?: string;
}

/**
 * Splits a source file into chunks along its syntax (see README.md next to this file): the
 * import block, module-level code, classes as header + member signatures, functions and
 * methods — each with its qualified `symbol` and the id of its parent chunk. A file with no
 * grammar, binary content or too many syntax errors becomes plain text chunks with
 * `fallbackReason` saying why. Asynchronous only because a grammar's wasm is loaded on first use.
 */
export async function chunkCode(
  input: CodeChunkInput,
  limits: ChunkLimits,
  grammars: Grammars,
): Promise<CodeChunk[]> {
  const source = new SourceText(input.text);
  const fitter = new UnitFitter(source, limits.tokenizer, limits.maxTokens);
  if (fitter.budget < MIN_CONTENT_TOKENS) {
    throw new RagError(
      'E_CONFIG',
      `${input.path}: a token limit of ${limits.maxTokens} leaves no room for code`,
      {
        fix: `use a maxTokens above ${MIN_CONTENT_TOKENS + limits.maxTokens - fitter.budget}`,
      },
    );
  }
  if (source.text.trim() === '') return [];
  const spec = languageForPath(input.path);
  const outline = spec
    ? await outlineOf(source, spec, grammars)
    : { reason: 'no grammar for this file type' };
  const language = outline.units ? spec!.name : 'text';
  const units = outline.units ?? [wholeFile(source)];
  return toChunks(
    units.flatMap((unit) => fitter.fit(unit)),
    input,
    language,
    outline.reason,
  );
}

/**
 * `chunkCode` as the pipeline's `Chunker`: symbols are named by the path relative to the source
 * folder, and vendored, minified or generated files are refused with an `E_SKIPPED` error whose
 * message the pipeline records as the reason (skip.ts). It owns nothing but the grammars it is
 * given; those live as long as the process (see `createRegistry`).
 */
export class CodeChunker implements Chunker {
  readonly name = 'code';
  /**
   * Bumped when the same file gives other chunk texts (the identifier-words line; Go functions
   * cut between their statements; a split function's closing lines in its last part; 6: Ruby,
   * C#, PHP, C, C++ and shell scripts read by their grammars, where a config's globs took them
   * as text; 7: a long function's parts sized alike; 8: a `build/`, `dist/` or `out/` folder that
   * is a package of its language is read, skip.ts; 9: code compiled from a source beside it, by
   * its source map, skipped; 10: a Python package named `venv` is read; 11: the parts of a
   * long class summary carry the lines they show, not the whole class's; a crate's `build/` read; Python outlines elide bodies as `…`, not a stub's `...`; 12: a doc comment one blank line above a definition is the definition's; 13: Rust's `mod name { … }` is a
   * summary holding its items, `mod name;` an import line, and a `#[cfg(test)]` module's chunks
   * are marked `isTest`; 14: an impl for `ast::Error` is named `Error`; 15: the statements beside one over the
   * limit share its parts; 16: a function in a namespace is a function, `Cart::add` a method; 17: every
   * chunk of an enum is marked `isEnum`; 18: `parameterNames`, the names a chunk holds only as
   * parameters):
   * indexes made by an
   * older chunker re-chunk every file once (the skipped ones too), their vectors reused by
   * content hash.
   */
  readonly version = '18';
  readonly include = CODE_INCLUDE;
  readonly #grammars: Grammars;

  constructor(grammars: Grammars) {
    this.#grammars = grammars;
  }

  async chunk(input: CodeChunkInput, limits: ChunkLimits): Promise<CodeChunk[]> {
    const symbolPath = input.symbolPath ?? input.relativePath;
    const reason = skipReason(symbolPath ?? input.path, input.text, sourceFolder(input.path, symbolPath));
    if (reason !== null) throw new RagError('E_SKIPPED', reason);
    const chunks = await chunkCode(
      symbolPath === undefined ? input : { ...input, symbolPath },
      { ...limits, maxTokens: limits.maxTokens - SYMBOL_LINE_TOKENS },
      this.#grammars,
    );
    return chunks.map(withSymbolLine);
  }
}

/**
 * The file's source folder on disk, which is `path` less `relativePath`; none when the two do
 * not line up.
 */
function sourceFolder(path: string, relativePath: string | undefined): SourceFolder | undefined {
  if (relativePath === undefined || !path.endsWith(`/${relativePath}`)) return undefined;
  const base = path.slice(0, path.length - relativePath.length);
  return {
    exists: (rel) => existsSync(base + rel),
    read(rel, maxBytes) {
      try {
        return statSync(base + rel).size > maxBytes ? undefined : readFileSync(base + rel, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Tokens kept free for the symbol line: a path and a qualified name (`engines/code/chunker.ts:
 * CodeChunker.chunk` is 17 WordPiece tokens). A longer one pushes the chunk's last lines past
 * the model's limit, which only drops them from the vector; the stored text stays whole.
 */
const SYMBOL_LINE_TOKENS = 24;

/**
 * The embedded (and stored) text starts with the chunk's symbol on a line of its own, as a
 * markdown chunk starts with its heading path: the names say what the code is about in words a
 * question uses (docs/BENCHMARKS.md §7 measures it against the text alone). The stored text —
 * what the full-text index reads — then has a second line with the words inside the chunk's
 * camelCase names (words.ts), so "compile the schema" meets `compileSchema`; it is left out of
 * what is embedded (`embedText`), which keeps the vectors those of the symbol line and source.
 * `bodyOffset` says where the source starts.
 *
 * The content hash stays that of the source alone, symbol line left out: it is the key vectors
 * are reused by, and the symbol line holds the file's path and every enclosing name. Hashing it
 * would re-embed every method of a renamed class and every chunk of a moved file, although
 * their source is the same. The price: a reused vector was embedded under the old name until
 * the chunk's own source changes (the stored text, and so full-text search, has the new one).
 * A chunk's own name is in its source (`def name`), so renaming it still re-embeds it.
 */
function withSymbolLine(chunk: CodeChunk): CodeChunk {
  const line = `${chunk.metadata.symbol}\n`;
  const words = identifierWords(line + chunk.text);
  const head = words === '' ? line : `${line}${words}\n`;
  const embedText = line + (chunk.embedText ?? chunk.text);
  const text = head + chunk.text;
  return {
    ...chunk,
    text,
    ...(embedText === text ? {} : { embedText }),
    metadata: { ...chunk.metadata, bodyOffset: head.length },
  };
}

/** The file's units from its syntax tree, or the reason it is chunked as text. */
async function outlineOf(
  source: SourceText,
  spec: LanguageSpec,
  grammars: Grammars,
): Promise<{ units?: Unit[]; reason?: string }> {
  if (source.text.includes('\0')) return { reason: 'binary content (a NUL character)' };
  const parser = await grammars.parser(spec);
  let tree: Tree | null;
  try {
    tree = parser.parse(source.text);
  } catch (err) {
    // The wasm parser throws on exhaustion (a file nested past its stack); the file is still text.
    return { reason: `the ${spec.name} parser failed: ${String(err)}` };
  }
  if (!tree) return { reason: `the ${spec.name} parser returned no tree` };
  try {
    const share = errorChars(tree.rootNode) / source.text.length;
    if (share > MAX_ERROR_SHARE) {
      return { reason: `syntax errors cover ${Math.round(share * 100)}% of the file as ${spec.name}` };
    }
    return { units: new UnitExtractor(source, spec).extract(tree.rootNode) };
  } finally {
    // Trees live in wasm memory, which no garbage collector frees.
    tree.delete();
  }
}

/** Characters inside the outermost ERROR nodes; only subtrees that contain an error are walked. */
function errorChars(root: Node): number {
  let total = 0;
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!node.hasError) continue;
    if (node.isError) {
      total += node.endIndex - node.startIndex;
      continue;
    }
    stack.push(...node.children);
  }
  return total;
}

/** The file's lines without blank lines at either end (the caller made sure some are not blank). */
function wholeFile(source: SourceText): Unit {
  let startLine = 0;
  let endLine = source.lineCount - 1;
  while (source.isBlank(startLine)) startLine++;
  while (source.isBlank(endLine)) endLine--;
  return {
    kind: 'text',
    name: '',
    startLine,
    endLine,
    text: source.text.slice(source.lineStart(startLine), source.lineEnd(endLine)),
    parent: null,
    isContiguous: true,
  };
}

/**
 * Ids are sha256(path, kind, symbol, part, occurrence): stable while the definition keeps its
 * name and place among namesakes, so a parent's id survives edits to its body and children
 * keep pointing at it. Content changes show in `contentHash`, which vectors are reused by.
 */
function toChunks(
  units: readonly Unit[],
  input: CodeChunkInput,
  language: string,
  reason?: string,
): CodeChunk[] {
  const display = input.symbolPath ?? input.path;
  const occurrences = new Map<string, number>();
  const ids = new Map<Unit, string>();
  for (const unit of units) {
    const key = `${unit.kind}\0${unit.name}\0${unit.part ?? 0}`;
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    ids.set(unit, sha256(`${input.path}\0${key}\0${occurrence}`));
  }
  return units.map((unit) => {
    const metadata: CodeChunkMetadata = {
      symbol: unit.name === '' ? display : `${display}:${unit.name}`,
      kind: unit.kind,
      parentScope: unit.parent ? (ids.get(unit.parent) ?? null) : null,
      language,
      bodyOffset: 0,
    };
    if (unit.part !== undefined) metadata.part = unit.part;
    if (reason !== undefined) metadata.fallbackReason = reason;
    if (unit.hasSyntaxError) metadata.hasSyntaxError = true;
    if (unit.isCutLine) metadata.isCutLine = true;
    if (unit.isTest) metadata.isTest = true;
    if (unit.isEnum) metadata.isEnum = true;
    if (unit.parameterNames) metadata.parameterNames = unit.parameterNames;
    return {
      id: ids.get(unit)!,
      text: unit.text,
      ...(unit.embedText === undefined ? {} : { embedText: unit.embedText }),
      contentHash: sha256(unit.embedText ?? unit.text),
      startLine: unit.startLine + 1,
      endLine: unit.endLine + 1,
      headingPath: scopesOf(unit),
      metadata,
    };
  });
}

/** The enclosing definitions' names, outermost first, as `headingPath` holds headings for markdown. */
function scopesOf(unit: Unit): string[] {
  const scopes: string[] = [];
  for (let parent = unit.parent; parent; parent = parent.parent) {
    if (parent.name !== unit.name) scopes.unshift(parent.name);
  }
  return scopes;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_HEX_CHARS);
}
