import { RagError } from '../../errors.js';
import type { ConvertedText } from './converted.js';
import { attribute as attr, OfficeLines, type TablePart, walkXml, zipParts } from './office.js';

/** The format's table elements. */
const TABLE: Readonly<Record<string, TablePart>> = {
  table: 'table',
  'table-row': 'row',
  'table-cell': 'cell',
};

/** `text:s` repeats a space this many times at most: a larger count is a broken file, not layout. */
const MAX_SPACES = 64;

/** A presentation's frames whose text is the slide's furniture: the page number, date, header and footer. */
const FURNITURE = new Set(['page-number', 'date-time', 'header', 'footer', 'handout']);

/** Elements whose text is not the document's running text: skipped with everything inside. */
const UNREAD = new Set([
  'table-of-content', // a generated index repeats the headings
  'alphabetical-index',
  'illustration-index',
  'table-index',
  'user-index',
  'bibliography',
  'tracked-changes', // deleted text kept for a revision history
  'annotation', // a reviewer's comment
  'note', // a footnote or endnote, out of the text's flow
  'automatic-styles',
  'font-face-decls',
  'forms',
  'sequence-decls',
  'variable-decls',
  'page-thumbnail',
]);

/**
 * An OpenDocument text (`.odt`) as the Markdown it reads as: headings (`text:h`, by their
 * outline level) as headings, the first paragraph in the Title style as the H1 above them (the
 * root of every heading path), list items as list items, tables as Markdown tables, text boxes'
 * paragraphs where they stand. Left out: tables of contents and other generated indexes,
 * footnotes, comments, tracked deletions, images.
 *
 * `lines[i]` is the 0-based page of line `i` where the writer recorded its page breaks
 * (`text:soft-page-break`, which LibreOffice writes on every save; a hard break before a
 * paragraph is its style's, which this does not read): a hit names the page to open.
 *
 * A presentation (`.odp`) is the same XML with `draw:page`s: each slide under its title frame
 * (the first slide's as the H1 above them all, a slide without one as "Slide N"), its outline
 * as list items, then its speaker notes (`presentation:notes`); page numbers, dates, headers and
 * footers left out. Its lines are slides.
 */
export function odtToMarkdown(bytes: Uint8Array): ConvertedText {
  const part = zipParts(bytes, 'OpenDocument file');
  const manifest = part('META-INF/manifest.xml')?.toString('utf8') ?? '';
  if (/<manifest:encryption-data\b/.test(manifest))
    throw new RagError('E_SKIPPED', 'a password-protected OpenDocument file: nothing to read');
  const content = part('content.xml')?.toString('utf8');
  if (content === undefined)
    throw new RagError('E_SKIPPED', 'not an OpenDocument file: it has no content.xml');
  return new ContentReader(titleStyles(content)).read(content);
}

/**
 * The paragraph styles that are the Title: `Title` itself and the automatic styles content.xml
 * derives from it (a title paragraph centred by hand is `P1`, whose parent style is `Title`).
 */
function titleStyles(xml: string): Set<string> {
  const titles = new Set(['Title']);
  const parents = new Map<string, string>();
  walkXml(xml, {
    open(element, attribs) {
      if (element !== 'style') return;
      const name = attr(attribs, 'name');
      const parent = attr(attribs, 'parent-style-name');
      if (name && parent) parents.set(name, parent);
    },
  });
  for (const [name, parent] of parents) if (titles.has(parent)) titles.add(name);
  return titles;
}

/** One paragraph or heading being read. */
interface Paragraph {
  text: string;
  heading?: number;
  title: boolean;
  /** In a presentation: the paragraph is its slide's title. */
  slideTitle?: boolean;
  firstPage?: number;
}

/** Walks content.xml once, writing Markdown lines with the page each came from. */
class ContentReader {
  readonly #titles: Set<string>;
  readonly #out = new OfficeLines();
  /** Paragraphs being read (a text box's paragraphs sit inside another paragraph's frame). */
  readonly #paragraphs: Paragraph[] = [];
  /** Depth inside what is not the running text (`UNREAD`). */
  #unread = 0;
  #listDepth = 0;
  /** Presentation frames being read, by `presentation:class` ('' for none). */
  readonly #frames: string[] = [];
  /** Slides opened so far, and whether the open one still needs its heading. */
  #slides = 0;
  #slideHeading = false;
  #inNotes = false;

  constructor(titles: Set<string>) {
    this.#titles = titles;
  }

  read(xml: string): ConvertedText {
    walkXml(xml, {
      open: (name, attribs) => this.#open(name, attribs),
      text: (text) => this.#text(text),
      close: (name) => this.#close(name),
    });
    return this.#out.finish();
  }

  #open(name: string, attribs: Record<string, string>): void {
    if (UNREAD.has(name)) {
      this.#unread++;
      return;
    }
    if (this.#unread || this.#out.tableTag(TABLE, name, true)) return;
    const p = this.#paragraphs.at(-1);
    switch (name) {
      case 'p':
        this.#paragraphs.push({
          text: '',
          title: this.#titles.has(attr(attribs, 'style-name') ?? ''),
          slideTitle: this.#frames.at(-1) === 'title' && !this.#inNotes,
        });
        break;
      case 'page':
        this.#out.atPage(this.#slides++);
        this.#slideHeading = true;
        break;
      case 'frame': {
        const role = attr(attribs, 'class') ?? '';
        this.#frames.push(role);
        if (FURNITURE.has(role)) this.#unread++;
        break;
      }
      case 'notes':
        this.#inNotes = true;
        break;
      case 'h':
        this.#paragraphs.push({
          text: '',
          title: false,
          heading: Number(attr(attribs, 'outline-level')) || 1,
        });
        break;
      case 's':
        if (p) p.text += ' '.repeat(Math.min(MAX_SPACES, Number(attr(attribs, 'c')) || 1));
        break;
      case 'tab':
      case 'line-break':
        if (p) p.text += ' ';
        break;
      case 'soft-page-break':
        this.#out.pageBreak();
        break;
      case 'list':
        this.#listDepth++;
        break;
    }
  }

  #text(text: string): void {
    if (this.#unread) return;
    const p = this.#paragraphs.at(-1);
    if (!p) return;
    p.text += text;
    if (text.trim()) p.firstPage ??= this.#out.textSeen();
  }

  #close(name: string): void {
    if (UNREAD.has(name)) {
      this.#unread--;
      return;
    }
    if (name === 'frame') {
      const role = this.#frames.pop() ?? '';
      if (FURNITURE.has(role)) this.#unread--;
      return;
    }
    if (this.#unread || this.#out.tableTag(TABLE, name, false)) return;
    switch (name) {
      case 'notes':
        this.#inNotes = false;
        break;
      case 'p':
      case 'h': {
        const p = this.#paragraphs.pop();
        if (p) this.#paragraph(p);
        break;
      }
      case 'list':
        this.#listDepth--;
        break;
    }
  }

  #paragraph(p: Paragraph): void {
    const text = p.text.replace(/\s+/g, ' ').trim();
    // Inside a table, a paragraph is part of its cell (a nested table's too).
    if (!text || this.#out.inCell(text)) return;
    const first = p.firstPage ?? this.#out.page;
    if (this.#slideHeading) {
      // A slide's text goes under its title (the first slide's is the deck's), or "Slide N".
      this.#slideHeading = false;
      if (!p.slideTitle) this.#out.heading(1, `Slide ${this.#slides}`, first);
      else if (this.#slides === 1) this.#out.title(text, first);
      else this.#out.heading(1, text, first);
      if (p.slideTitle) return;
    }
    if (p.title) this.#out.title(text, first);
    else if (p.heading !== undefined) this.#out.heading(p.heading, text, first);
    else if (this.#listDepth > 0) this.#out.listItem(this.#listDepth - 1, text, first);
    else this.#out.paragraph(text, first);
  }
}
