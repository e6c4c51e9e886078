/**
 * Contracts between the markdown chunker's helpers. Lines are 0-based and end-exclusive
 * inside the chunker; only the final `Chunk` speaks the 1-based inclusive lines users see.
 */

/** What `chunkMarkdown` puts in `Chunk.metadata`. A type alias so it fits `Record<string, unknown>`. */
export type MarkdownChunkMetadata = {
  /**
   * Where the file's own text starts in `Chunk.text`: everything before it is the heading
   * breadcrumb added for retrieval (`"Guide > Install\n\n"`); 0 when there is none.
   */
  bodyOffset: number;
  /** The YAML front matter, when it parsed to a mapping. Repeated on every chunk of the file. */
  frontMatter?: Record<string, unknown>;
  /** The front matter's text when it is not valid YAML or not a mapping. */
  frontMatterRaw?: string;
  /** A code block longer than the token limit: stored whole, but the embedder reads only its start. */
  oversize?: true;
  /**
   * Set on the chunks of a section too long for one chunk, the same on each of them: the line
   * (1-based, in the text as read) of the section's heading. A search shows neighbouring ones as
   * one hit (the document mapper's `passageOf`). Absent on a chunk that is a whole section, or
   * several.
   */
  section?: number;
  /** With `section`: the chunk's place among the section's chunks, from 0. */
  piece?: number;
  /** Mostly links to other places: an index, a table of contents (listing.ts). */
  listing?: true;
  /**
   * The numbers its pages print (`139-140`, `iv`), where they are not their places in the file
   * (`startLine`/`endLine`, which a viewer opens): a PDF's page labels. A book's cross-references
   * and index, and a viewer's page box, go by them.
   */
  pageLabels?: string;
};

/** Structural kinds the chunker cares about; everything else markdown-it emits is `other`. */
export type NodeKind =
  | 'heading'
  | 'paragraph'
  | 'code'
  | 'list'
  | 'item'
  | 'quote'
  | 'table'
  | 'row'
  | 'html'
  | 'rule'
  | 'other';

/** A block of the document with its line range, as markdown-it saw it. */
export interface MdNode {
  kind: NodeKind;
  start: number;
  end: number;
  /** Blocks inside a container (list items, a quote's paragraphs, table rows). */
  children?: MdNode[];
  /** Headings only: 1–6. */
  level?: number;
  /** Headings only: the heading as plain text (no `#`, emphasis markup or link targets). */
  title?: string;
}

/** A contiguous piece of the normalised source and its size in tokens. */
export interface Span {
  /** Character offsets into the normalised source, end-exclusive. */
  from: number;
  to: number;
  /** 0-based, inclusive. */
  startLine: number;
  endLine: number;
  /** Tokens of the text alone, without the model's special tokens. */
  tokens: number;
  /**
   * False once a word was cut in two: tokenizers split at whitespace, so sums of spans cut at
   * whitespace equal the count of their joined text, but a cut word may count differently.
   */
  isExact: boolean;
  /** A code block over the budget: it becomes a chunk of its own and is never split. */
  isOversize: boolean;
}

/** A chunk before it has text, hash and id: the spans it is built from and its heading path. */
export interface Draft {
  span: Span;
  parts: Span[];
  path: string[];
  /** Only headings with no text of their own under them ("# Guide" right before "## Install"). */
  isHeadingOnly: boolean;
  /** Only markup the rendered page hides (hidden.ts): link reference definitions, comments. */
  isHidden?: boolean;
  /**
   * The line of the heading whose section the draft lies wholly within; undefined for text
   * before the first heading and for a draft merged from several sections.
   */
  sectionLine?: number | undefined;
}

/** The heading path as it is prefixed to embedded text, and what that prefix costs. */
export interface Breadcrumb {
  /** `"A > B > C\n\n"`, or `''` for a chunk outside any heading. */
  prefix: string;
  tokens: number;
}
