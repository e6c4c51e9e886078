import { Parser } from 'htmlparser2';
import { errorMessage, RagError } from '../../errors.js';
import { readZipEntry, type ZipEntry, zipEntries } from '../../zip.js';
import { asText, ConvertedLines, type ConvertedText } from './converted.js';

/** `.odt` files are OpenDocument text (LibreOffice, OpenOffice, Google Docs' export), read through `odtToMarkdown`. */
export function isOdtPath(path: string): boolean {
  return /\.odt$/i.test(path);
}

/** A part's text past this, once inflated, is not a document a person wrote but a zip bomb. */
const MAX_PART_BYTES = 64 * 2 ** 20;
/** `text:s` repeats a space this many times at most: a larger count is a broken file, not layout. */
const MAX_SPACES = 64;

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
 */
export function odtToMarkdown(bytes: Uint8Array): ConvertedText {
  let entries: ZipEntry[];
  try {
    entries = zipEntries(bytes, '');
  } catch (err) {
    throw new RagError('E_SKIPPED', `not a readable OpenDocument file: ${errorMessage(err)}`);
  }
  const part = (name: string) => {
    const entry = entries.find((e) => e.name === name);
    if (!entry) return undefined;
    try {
      return readZipEntry(bytes, entry, '', MAX_PART_BYTES);
    } catch (err) {
      throw new RagError('E_SKIPPED', `not a readable OpenDocument file: ${errorMessage(err)}`);
    }
  };
  const manifest = part('META-INF/manifest.xml')?.toString('utf8') ?? '';
  if (/<manifest:encryption-data\b/.test(manifest))
    throw new RagError('E_SKIPPED', 'a password-protected OpenDocument file: nothing to read');
  const content = part('content.xml');
  if (content === undefined)
    throw new RagError('E_SKIPPED', 'not an OpenDocument text: it has no content.xml');
  return new ContentReader(titleStyles(content.toString('utf8'))).read(content.toString('utf8'));
}

/** An element's name without its namespace prefix (`text:p` → `p`). */
function local(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/** An attribute by its local name (`text:outline-level` → `outline-level`). */
function attr(attribs: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(attribs)) if (local(key) === name) return value;
  return undefined;
}

/**
 * The paragraph styles that are the Title: `Title` itself and the automatic styles content.xml
 * derives from it (a title paragraph centred by hand is `P1`, whose parent style is `Title`).
 */
function titleStyles(xml: string): Set<string> {
  const titles = new Set(['Title']);
  const parents = new Map<string, string>();
  const parser = new Parser(
    {
      onopentag: (tag, attribs) => {
        if (local(tag) !== 'style') return;
        const name = attr(attribs, 'name');
        const parent = attr(attribs, 'parent-style-name');
        if (name && parent) parents.set(name, parent);
      },
    },
    { xmlMode: true },
  );
  parser.end(xml);
  for (const [name, parent] of parents) if (titles.has(parent)) titles.add(name);
  return titles;
}

/** One paragraph or heading being read. */
interface Paragraph {
  text: string;
  heading?: number;
  title: boolean;
  firstPage?: number;
}

/** Walks content.xml once, writing Markdown lines with the page each came from. */
class ContentReader {
  readonly #titles: Set<string>;
  readonly #out = new ConvertedLines();
  #titled = false;
  #page = 0;
  #textSincePageBreak = false;
  /** Paragraphs being read (a text box's paragraphs sit inside another paragraph's frame). */
  readonly #paragraphs: Paragraph[] = [];
  /** Depth inside what is not the running text (`UNREAD`). */
  #unread = 0;
  #listDepth = 0;
  #tableDepth = 0;
  #row: string[] | undefined;
  #cell: string[] | undefined;
  #rowsWritten = 0;

  constructor(titles: Set<string>) {
    this.#titles = titles;
  }

  read(xml: string): ConvertedText {
    const parser = new Parser(
      {
        onopentag: (tag, attribs) => this.#open(local(tag), attribs),
        ontext: (text) => this.#text(text),
        onclosetag: (tag) => this.#close(local(tag)),
      },
      { xmlMode: true, decodeEntities: true },
    );
    parser.end(xml);
    return this.#out.finish('converted');
  }

  #open(name: string, attribs: Record<string, string>): void {
    if (UNREAD.has(name)) {
      this.#unread++;
      return;
    }
    if (this.#unread) return;
    const p = this.#paragraphs.at(-1);
    switch (name) {
      case 'p':
        this.#paragraphs.push({ text: '', title: this.#titles.has(attr(attribs, 'style-name') ?? '') });
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
        this.#pageBreak();
        break;
      case 'list':
        this.#listDepth++;
        break;
      case 'table':
        if (this.#tableDepth++ === 0) {
          this.#blankLine();
          this.#rowsWritten = 0;
        }
        break;
      case 'table-row':
        if (this.#tableDepth === 1) this.#row = [];
        break;
      case 'table-cell':
        if (this.#tableDepth === 1) this.#cell = [];
        break;
    }
  }

  #text(text: string): void {
    if (this.#unread) return;
    const p = this.#paragraphs.at(-1);
    if (!p) return;
    p.text += text;
    if (!text.trim()) return;
    p.firstPage ??= this.#page;
    this.#textSincePageBreak = true;
  }

  #close(name: string): void {
    if (UNREAD.has(name)) {
      this.#unread--;
      return;
    }
    if (this.#unread) return;
    switch (name) {
      case 'p':
      case 'h': {
        const p = this.#paragraphs.pop();
        if (p) this.#paragraph(p);
        break;
      }
      case 'list':
        this.#listDepth--;
        break;
      case 'table-cell':
        if (this.#tableDepth === 1 && this.#cell && this.#row) {
          this.#row.push(this.#cell.join(' ').replace(/\|/g, '\\|'));
          this.#cell = undefined;
        }
        break;
      case 'table-row':
        if (this.#tableDepth === 1 && this.#row) {
          this.#tableRow(this.#row);
          this.#row = undefined;
        }
        break;
      case 'table':
        if (--this.#tableDepth === 0) this.#blankLine();
        break;
    }
  }

  #pageBreak(): void {
    if (!this.#textSincePageBreak) return;
    this.#page++;
    this.#textSincePageBreak = false;
  }

  #paragraph(p: Paragraph): void {
    const text = p.text.replace(/\s+/g, ' ').trim();
    if (!text) return;
    // Inside a table, a paragraph is part of its cell (a nested table's too).
    if (this.#cell) {
      this.#cell.push(text);
      return;
    }
    const last = this.#page;
    const first = p.firstPage ?? last;
    const title = p.title && !this.#titled;
    if (title) this.#titled = true;
    if (title || p.heading !== undefined) {
      // The title is the document's H1, above its level-1 headings, as a Markdown page's is.
      const level = title ? 1 : Math.min(6, (p.heading ?? 1) + (this.#titled ? 1 : 0));
      this.#blankLine();
      this.#out.push(`${'#'.repeat(level)} ${text}`, first, last);
      this.#out.push('', last);
      return;
    }
    if (this.#listDepth > 0) {
      this.#out.push(`${'  '.repeat(Math.min(this.#listDepth - 1, 8))}- ${text}`, first, last);
      return;
    }
    this.#blankLine();
    this.#out.push(asText(text), first, last);
    this.#out.push('', last);
  }

  #tableRow(cells: string[]): void {
    if (!cells.some((c) => c.trim())) return;
    this.#out.push(`| ${cells.join(' | ')} |`, this.#page);
    if (this.#rowsWritten++ === 0) this.#out.push(`|${' --- |'.repeat(cells.length)}`, this.#page);
  }

  /** A blank line unless the last line written is one (or nothing is written yet). */
  #blankLine(): void {
    if (this.#out.length && this.#out.line(-1) !== '') this.#out.push('', this.#out.lastSource);
  }
}
