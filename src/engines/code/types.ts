import type { Chunk } from '../types.js';

/**
 * Contracts of the code chunker. Lines are 0-based and inclusive inside the chunker; only the
 * final `Chunk` speaks the 1-based lines users see.
 */

/**
 * What a chunk of source is. `text` is a file that did not parse (or has no grammar); `object`
 * is a JS/TS object literal with methods (`const def = { code() {…} }`), shown as a class is.
 */
export type CodeKind =
  | 'imports'
  | 'module'
  | 'class'
  | 'interface'
  | 'impl'
  | 'object'
  | 'type'
  | 'function'
  | 'method'
  | 'text';

/**
 * The class-like kinds, whose chunk is a summary: header, docstring, fields and each member's
 * signature, the members being chunks of their own.
 */
export const SUMMARY_KINDS: readonly CodeKind[] = Object.freeze(['class', 'interface', 'impl', 'object']);

/** What `chunkCode` puts in `Chunk.metadata`. A type alias so it fits `Record<string, unknown>`. */
export type CodeChunkMetadata = {
  /** Qualified name: `pkg/mod.py:Class.method`; the bare path for imports, module code and text. */
  symbol: string;
  kind: CodeKind;
  /** The id of the chunk that contains this one (class of a method, head of a split function). */
  parentScope: string | null;
  /** The grammar's language (`python`, `typescript`, …), or `text` when none was used. */
  language: string;
  /** Where the file's own text starts in `Chunk.text`: 0 from `chunkCode`, after the symbol line from `CodeChunker`. */
  bodyOffset: number;
  /** 1-based part of a definition too long for one chunk; its head chunk has no `part`. */
  part?: number;
  /** Why the file was chunked as plain text (`syntax errors cover 40% of the file`). */
  fallbackReason?: string;
  /** The definition contains a syntax error the parser recovered from. */
  hasSyntaxError?: true;
  /** A single line longer than the token limit was cut inside the line. */
  isCutLine?: true;
  /** Inside a module of tests in a file of code (Rust's `#[cfg(test)] mod tests { … }`). */
  isTest?: true;
  /**
   * A chunk of an enum: its first, and the later parts of a long one, which do not say `enum`
   * but declare its constants all the same (a bare constant's name finds its enum by them).
   */
  isEnum?: true;
  /**
   * Names the chunk holds only as parameters (`parameters.ts`): a function's that its code only
   * declares and reads as plain names, a class summary's that its signatures only declare. The
   * chunk names them, but uses nothing else so named: no call, no member.
   */
  parameterNames?: string[];
};

export type CodeChunk = Chunk & { metadata: CodeChunkMetadata };

/** A chunk before it has an id: where it is, what it is, and the source it shows. */
export interface Unit {
  kind: CodeKind;
  /** The text is exactly the file's lines `startLine..endLine`, so parts of it have true ranges. */
  isContiguous: boolean;
  /**
   * Functions: where the header (signature, doc comment, docstring) ends and the body's
   * statements, as inclusive line ranges — the places an over-long function may be cut.
   */
  headEndLine?: number;
  statements?: Array<[number, number]>;
  /** Qualified name inside the file (`Class.method`), '' for imports and module code. */
  name: string;
  startLine: number;
  endLine: number;
  /** The text: the file's lines, or for class-like units the header and member signatures. */
  text: string;
  /**
   * Where the text is not the file's lines (a class summary, imports gathered from around the
   * file): the file line of each of its lines, so that its parts have true ranges.
   */
  lineMap?: readonly number[];
  /** What is embedded instead of `text` (class-like units: members by name, not signature). */
  embedText?: string;
  parent: Unit | null;
  part?: number;
  hasSyntaxError?: boolean;
  isCutLine?: boolean;
  isTest?: boolean;
  isEnum?: boolean;
  parameterNames?: string[];
}

/** Which tree-sitter node types mean what, for one grammar. */
export interface LanguageSpec {
  /** Our name for it, stored as `language`. */
  readonly name: string;
  /** `tree-sitter-<grammar>.wasm` in @vscode/tree-sitter-wasm. */
  readonly grammar: string;
  /** File extensions, lower case with the dot. */
  readonly extensions: readonly string[];
  /**
   * Top-level statements that form the import block. A type that is also a container is an
   * import only without a body (PHP's `namespace A;`, against `namespace A { … }`).
   */
  readonly imports: ReadonlySet<string>;
  /** Function-like definitions: a method when directly inside a class-like body. */
  readonly functions: ReadonlySet<string>;
  /** Containers chunked as a header plus member signatures, by node type. */
  readonly containers: ReadonlyMap<string, 'class' | 'interface' | 'impl'>;
  /**
   * Containers that are modules, not types (Rust's `mod name { … }`, C++, C# and PHP namespaces):
   * a function inside one is a function, as it is at the top of a file, not a method.
   */
  readonly modules?: ReadonlySet<string>;
  /**
   * Tested against what leads a container (its attributes): a match holds tests, and its chunks
   * are marked `isTest` (Rust's unit tests live in the file they test, in `#[cfg(test)] mod tests`).
   */
  readonly testScope?: RegExp;
  /** Node types that declare an enum, whose chunks are marked `isEnum`. */
  readonly enums?: ReadonlySet<string>;
  /** Base classes that make a class an enum (Python's `class Color(Enum)`), by their last name. */
  readonly enumBases?: RegExp;
  /** Definitions chunked whole, with no members of their own (structs, type aliases, enums). */
  readonly types: ReadonlySet<string>;
  /** Nodes that wrap a definition and belong to its range (`export`, Python's decorators). */
  readonly wrappers: ReadonlySet<string>;
  /** Siblings just before a definition that belong to it (comments, decorators, attributes). */
  readonly leading: ReadonlySet<string>;
  /** Variable declarations whose single value is a function take that function's place. */
  readonly variables: ReadonlySet<string>;
  /** Statements whose assignment of a function names it: `module.exports.parse = function …`. */
  readonly assignments: ReadonlySet<string>;
  /** Values that make a variable declaration a function (arrow functions, function expressions). */
  readonly functionValues: ReadonlySet<string>;
  /** What replaces an elided body in a class summary. */
  readonly elision: string;
  /** Python: a string as the first statement of a body is the docstring, kept in summaries. */
  readonly hasDocstrings: boolean;
  /**
   * Nodes inside a function body that only hold its statements (Go's `statement_list`): a long
   * function is cut between their children, not at the wrapper, which is the whole body.
   */
  readonly statementLists?: ReadonlySet<string>;
  /**
   * Go's `package` line: the comment right above it documents the package (often a page long, a
   * whole doc.go), so it stays module code instead of joining the import block, which the
   * context assembler hands over with every hit in the file.
   */
  readonly packageClauses?: ReadonlySet<string>;
}
