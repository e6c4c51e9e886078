import { createHash } from 'node:crypto';
import { RagError } from '../../errors.js';
import { MARKDOWN_INCLUDE } from '../default-includes.js';
import type { Chunk, Chunker, ChunkInput, ChunkLimits } from '../types.js';
import { parseBlocks, WINDOW_LINES } from './blocks.js';
import { convertedBytes, convertedText, isContainer } from './convert.js';
import type { ConvertedText } from './converted.js';
import { isMdxPath, readsBytes, textKind } from './file-kinds.js';
import { DraftFitter } from './fit.js';
import { type FrontMatter, readFrontMatter } from './front-matter.js';
import { type MarkupOptions, opensEsm, showsNothing, withoutHiddenMarkup } from './hidden.js';
import { isListing, LinkCounts } from './listing.js';
import { Meter } from './meter.js';
import { mergeSmall, packSection, withoutHidden, withoutLoneHeadings } from './pack.js';
import { splitSections } from './sections.js';
import { SourceText, withoutDataPayloads } from './source.js';
import { adocTitles, orgDocumentTitle, orgTitles, rstTitles, withTitles } from './titles.js';
import type { Draft, MarkdownChunkMetadata, Span } from './types.js';

/** Hex characters kept of a sha256, for content hashes and ids: 128 bits is plenty. */
const HASH_HEX_CHARS = 32;

/**
 * Below this many tokens for text (after the breadcrumb) the limit leaves no useful chunk:
 * a misconfiguration, not something to chunk around.
 */
const MIN_CONTENT_TOKENS = 8;

/**
 * Splits a markdown file into chunks that fit the embedder (see README.md next to this file
 * for the rules). Pure: the same input and limits always give the same chunks.
 *
 * - `text` is the heading breadcrumb ("Guide > Install\n\n"), then the front matter's tags,
 *   aliases, keywords and categories when it has any ("postgres, PITR"), and its other
 *   properties a line each ("status: in-progress"), then a blank line, then the file's
 *   lines `startLine..endLine` with `\n` line endings (or, for a line too long for one chunk,
 *   part of it). `metadata.bodyOffset` says where the file's text starts.
 * - What is embedded is `text` without the keywords and properties, and in Markdown without the
 *   markup its rendered page hides (hidden.ts: comments, empty anchors, link reference
 *   definitions); `embedText` when that is not `text`. A chunk of hidden markup alone is none.
 * - `contentHash` is the first 32 hex digits of sha256(what is embedded), so vectors are reused
 *   for text that is the same, breadcrumb included.
 * - `id` is the first 32 hex digits of sha256(path + "\0" + ordinal + "\0" + contentHash),
 *   the ordinal being the chunk's 0-based position in the file: the same file gives the same
 *   ids on every run, and an edit changes the ids of the chunks it changes (and, only when it
 *   adds or removes chunks, the ids after them).
 */
export function chunkMarkdown(
  input: ChunkInput,
  limits: ChunkLimits,
  // An HTML page, a notebook, a PDF or a Word document is read as the Markdown it shows; its
  // chunks' lines are the file's.
  page: ConvertedText | undefined = convertedText(input.path, input.text),
): Chunk[] {
  const source = new SourceText(withoutDataPayloads(page ? page.text : input.text));
  const meter = new Meter(source, limits.tokenizer, limits.maxTokens);
  if (meter.maxContent < MIN_CONTENT_TOKENS) {
    throw new RagError(
      'E_CONFIG',
      `${input.path}: a token limit of ${limits.maxTokens} leaves no room for text`,
      {
        fix: `use a maxTokens above ${MIN_CONTENT_TOKENS + meter.specialTokens}`,
      },
    );
  }
  const kind = page ? page.kind : textKind(input.path);
  // Logseq writes a page's front matter as its first lines' `key:: value` properties.
  const frontMatter = readFrontMatter(source, kind === 'markdown');
  // Only Markdown hides markup: in plain text, reST or a converted page a `<!--` is text shown.
  const markup: MarkupOptions | undefined = kind === 'markdown' ? { mdx: isMdxPath(input.path) } : undefined;
  const parsed = parseBlocks(source, frontMatter.bodyStart, WINDOW_LINES, kind);
  // An MDX page's statements are code it runs, not text it shows (hidden.ts): none is a chunk,
  // and no chunk starts inside a long one (an `export const meta = {…}` of 40 lines).
  const blocks = markup?.mdx
    ? parsed.filter((n) => n.kind !== 'paragraph' || !opensEsm(source.line(n.start)))
    : parsed;
  const orgTitle = kind === 'org' ? orgDocumentTitle(source, frontMatter.bodyStart) : undefined;
  const titles =
    kind === 'rst'
      ? rstTitles(source, frontMatter.bodyStart)
      : kind === 'org'
        ? orgTitles(source, frontMatter.bodyStart, orgTitle === undefined ? 0 : 1)
        : kind === 'adoc'
          ? adocTitles(source, frontMatter.bodyStart)
          : [];
  const sections = splitSections(withTitles(blocks, titles), frontMatter.title ?? orgTitle ?? page?.title);
  const fitter = new DraftFitter(meter);
  const hidden = markup
    ? (span: Span) => showsNothing(source.text.slice(span.from, span.to), markup)
    : undefined;
  const drafts = withoutHidden(
    withoutLoneHeadings(
      mergeSmall(
        sections.flatMap((section) => packSection(section, meter, hidden)),
        meter,
        limits.minTokens,
      ),
      meter,
    ),
  ).flatMap((draft) => fitter.fit(draft));
  const searchOnly = [
    ...(frontMatter.keywords.length ? [frontMatter.keywords.join(', ')] : []),
    ...frontMatter.properties,
  ];
  const keywords = searchOnly.length ? `${searchOnly.join('\n')}\n\n` : '';
  if (drafts.length === 0 && frontMatter.bodyStart > 0) {
    const properties = propertiesChunk(input.path, source, frontMatter);
    return properties ? [properties] : [];
  }
  const pieces = new Map<number, number>();
  for (const { sectionLine } of drafts)
    if (sectionLine !== undefined) pieces.set(sectionLine, (pieces.get(sectionLine) ?? 0) + 1);
  const placed = new Map<number, number>();
  const links = new LinkCounts(source, page);
  // An index page is cut into chunks of a few entries each: judged whole, it is one listing.
  const listingPage = isListing(links.whole);
  return drafts.map((draft, ordinal) => {
    const chunk = toChunk(
      draft,
      ordinal,
      input.path,
      meter,
      frontMatter.metadata,
      keywords,
      page,
      links,
      markup,
    );
    if (listingPage) chunk.metadata.listing = true;
    const line = draft.sectionLine;
    if (line !== undefined && (pieces.get(line) ?? 0) > 1) {
      const piece = placed.get(line) ?? 0;
      placed.set(line, piece + 1);
      Object.assign(chunk.metadata, { section: line + 1, piece } satisfies Partial<MarkdownChunkMetadata>);
    }
    return chunk;
  });
}

/**
 * A note that is its front matter only (an idea, a person, a book: a title, tags, properties and
 * no body yet), as one chunk of its front matter's lines, so that it can be found by any of them.
 * With no body, they are its meaning: they are embedded too.
 */
function propertiesChunk(path: string, source: SourceText, frontMatter: FrontMatter): Chunk | undefined {
  // Between the opening `---` (line 0) and the closing one (the line before the body).
  const last = frontMatter.bodyStart - 2;
  if (last < 1) return undefined;
  const text = source.text.slice(source.lineStart(1), source.lineEnd(last)).trim();
  if (text === '') return undefined;
  const contentHash = sha256(text);
  return {
    id: sha256(`${path}\0${0}\0${contentHash}`),
    text,
    contentHash,
    startLine: 2,
    endLine: last + 1,
    headingPath: frontMatter.title ? [frontMatter.title] : [],
    metadata: { ...frontMatter.metadata, bodyOffset: 0 } satisfies MarkdownChunkMetadata,
  };
}

export const markdownChunker: Chunker = {
  name: 'markdown',
  /**
   * Bumped when the same file gives other chunk texts (2: front matter keywords in the text,
   * `.txt` read without code blocks; 3: reStructuredText and Org headings; 4: HTML, Jupyter
   * notebooks and PDFs read as the text they show, AsciiDoc under its titles; 5: the front
   * matter's other properties in the text, inline `data:` payloads left out; 6: an HTML table's
   * `<tr class="header">` row kept, a Word or OpenDocument title set on several lines one H1; 7:
   * LaTeX, Rich Text, JSON Canvas and Excel read as the text they show, for a `.tex`, `.rtf`,
   * `.canvas` or `.xlsx` a config's own include already named; 8: the chunks of a section too long
   * for one chunk marked as its pieces, `metadata.section`; 9: and numbered, `metadata.piece`;
   * 10: a note of front matter only is one chunk of its properties, a code block over 64 KB
   * (a pasted log) cut into windows of lines; 11: text composed (NFC), as keyboards type it; 12:
   * no chunk of a lone heading that the next chunk's breadcrumb names, a file without an
   * extension read as plain text; 13: chunks that are mostly links marked `metadata.listing`,
   * an HTML note's or tip's title no section, every entry of a list DocBook anchored in part titled,
   * a chapter's small end not merged into the next chapter's start, a PDF's running heads that
   * change with each chapter or alternate between even and odd pages left out, a line that only
   * looked like Markdown markup (`#include`) shown without its escape, a PDF's printed page
   * numbers as `metadata.pageLabels`; 14: a reference page's `<title>` kept as the root of its
   * sections' paths when its name's heading is their sibling, a heading that repeats the root
   * said once; 15: what a Markdown page hides — comments, empty anchors, link reference
   * definitions — not embedded, and no chunk of it alone; 16: an HTML heading whose title is a
   * link of class `header`, as mdBook writes every heading, read as the heading; a page's
   * `<title>` as the root of its headings without the site's name after the page's, a heading
   * under one of the same title said once in the path; 17: a heading written as HTML in a
   * Markdown file — a README's centred `<h1>`, an FAQ's `<h3 name>` entries — read as a heading;
   * an MDX page's `import`/`export` statements and `{/* comments *\/}`, a page's `<script>` and
   * `<style>` elements, its callout boxes' `:::` fences, a callout's `[!type]` marker and
   * Obsidian's `%%comments%%`, Logseq's `id::`/`collapsed::` properties and `((block refs))`
   * not embedded; a Logseq page's opening `key:: value` lines read as its front matter):
   * indexes made by an older chunker re-chunk every file once, their vectors reused by content
   * hash.
   */
  version: '17',
  include: MARKDOWN_INCLUDE,
  chunk(input, limits) {
    if (!readsBytes(input.path)) return chunkMarkdown(input, limits);
    if (!input.bytes)
      throw new Error(`${input.path}: a PDF or Word document is read as bytes (ChunkInput.bytes)`);
    return convertedBytes(input.path, input.bytes).then((page) => chunkMarkdown(input, limits, page));
  },
  readsBytes,
  sizeFactor: (path) => (isContainer(path) ? CONTAINER_SIZE_FACTOR : 1),
};

/**
 * A PDF's, Word document's or notebook's size over the limit of a text file: most of a book's
 * PDF is fonts and figures, most of a Word document its zipped pictures, most of a notebook its
 * outputs' images, and none of them is read.
 */
const CONTAINER_SIZE_FACTOR = 10;

function toChunk(
  draft: Draft,
  ordinal: number,
  path: string,
  meter: Meter,
  fileMetadata: FrontMatter['metadata'],
  keywords: string,
  page: ConvertedText | undefined,
  links: LinkCounts,
  markup: MarkupOptions | undefined,
): Chunk {
  const crumb = meter.breadcrumb(draft.path);
  const body = shownText(meter.source, draft.span, page?.escaped);
  // What the page shows is embedded, without the markup it hides (hidden.ts).
  const embedText = crumb.prefix + (markup ? withoutHiddenMarkup(body, markup) : body);
  // The front matter's tags, aliases and properties go where full-text search finds them, not
  // into the vector: they are not prose, and the breadcrumb and body already place the chunk.
  const text = crumb.prefix + keywords + body;
  const contentHash = sha256(embedText);
  const metadata: MarkdownChunkMetadata = { ...fileMetadata, bodyOffset: text.length - body.length };
  if (draft.span.isOversize) metadata.oversize = true;
  const { startLine, endLine } = draft.span;
  if (isListing(links.of(startLine, endLine))) metadata.listing = true;
  const lines = page ? pageSpan(page, startLine, endLine) : { first: startLine, last: endLine };
  const labels = page?.labels && labelSpan(page.labels, lines);
  if (labels) metadata.pageLabels = labels;
  return {
    id: sha256(`${path}\0${ordinal}\0${contentHash}`),
    text,
    ...(embedText !== text ? { embedText } : {}),
    contentHash,
    startLine: lines.first + 1,
    endLine: lines.last + 1,
    headingPath: [...draft.path],
    metadata,
  };
}

/**
 * The text of `span` as the file shows it: without the backslash a converted file's reader put
 * before a line that Markdown would read as markup (`\#include <R.h>`), which it only needed to
 * parse the text as text.
 */
function shownText(source: SourceText, span: Span, escaped: ReadonlySet<number> | undefined): string {
  if (!escaped?.size) return source.text.slice(span.from, span.to);
  let out = '';
  let at = span.from;
  for (let line = span.startLine; line <= span.endLine; line++) {
    const start = source.lineStart(line);
    if (!escaped.has(line) || start < span.from || start >= span.to) continue;
    out += source.text.slice(at, start);
    at = start + 1;
  }
  return out + source.text.slice(at, span.to);
}

/**
 * `139-140`: the labels of places `first..last` (0-based), where they are not those places'
 * numbers (`146-147`); undefined where they are, or where a place has none.
 */
function labelSpan(
  labels: readonly string[],
  { first, last }: { first: number; last: number },
): string | undefined {
  const [from, to] = [labels[first]?.trim(), labels[last]?.trim()];
  if (!from || !to) return undefined;
  // A label may hold a hyphen itself (`T-1-i`): then the range says so in words.
  const span =
    from === to ? from : from.includes('-') || to.includes('-') ? `${from} to ${to}` : `${from}-${to}`;
  return span === (first === last ? `${first + 1}` : `${first + 1}-${last + 1}`) ? undefined : span;
}

/**
 * The page's first and last lines behind lines `from..to` of its Markdown: an element may end
 * before a later one starts, and a reader may write in another order than the file's (a
 * canvas's cards in reading order).
 */
function pageSpan(page: ConvertedText, from: number, to: number): { first: number; last: number } {
  let first = page.lines[from]!.first;
  let last = first;
  for (let i = from; i <= to; i++) {
    first = Math.min(first, page.lines[i]!.first);
    last = Math.max(last, page.lines[i]!.last);
  }
  return { first, last };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_HEX_CHARS);
}
