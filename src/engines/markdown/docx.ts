import { Parser } from 'htmlparser2';
import { errorMessage, RagError } from '../../errors.js';
import { readZipEntry, type ZipEntry, zipEntries } from '../../zip.js';
import { asText, ConvertedLines, type ConvertedText } from './converted.js';

/** `.docx` files are Word documents, read through `docxToMarkdown`. */
export function isDocxPath(path: string): boolean {
  return /\.docx$/i.test(path);
}

/** A part's text past this, once inflated, is not a document a person wrote but a zip bomb. */
const MAX_PART_BYTES = 64 * 2 ** 20;
/** An OLE compound file: what Word writes for a password-protected document (and a `.doc`). */
const OLE_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** `basedOn` chains longer than this are a loop in a broken styles part. */
const MAX_STYLE_DEPTH = 16;

/** What a paragraph style makes of a paragraph. */
type Role = { heading: number } | 'title' | 'toc' | 'body';

/**
 * A Word document (`.docx`, Office Open XML) as the Markdown it reads as: its paragraphs in
 * order, those in heading styles as headings (by outline level, or the built-in "heading N"
 * names, so a localized Word's `Überschrift1` counts too), the first in the Title style as the
 * H1 above them (the root of every heading path), list paragraphs as list items, tables as
 * Markdown tables. Left
 * out: the table of contents, deleted revisions, field codes, headers, footers, footnotes,
 * comments and images.
 *
 * `lines[i]` is the 0-based page of line `i` where Word recorded where its pages broke (it does
 * on every save, `w:lastRenderedPageBreak`), as a PDF's are: a hit names the pages to open.
 * Without those marks every line is on the first page.
 */
export function docxToMarkdown(bytes: Uint8Array): ConvertedText {
  if (bytes.length >= OLE_SIGNATURE.length && OLE_SIGNATURE.equals(Buffer.from(bytes.subarray(0, 8)))) {
    throw new RagError(
      'E_SKIPPED',
      'a password-protected Word document (or an old binary .doc named .docx): nothing to read',
    );
  }
  let entries: ZipEntry[];
  try {
    entries = zipEntries(bytes, '');
  } catch (err) {
    throw new RagError('E_SKIPPED', `not a readable Word document: ${errorMessage(err)}`);
  }
  const part = (name: string) => {
    const entry = entries.find((e) => e.name === name);
    if (!entry) return undefined;
    try {
      return readZipEntry(bytes, entry, '', MAX_PART_BYTES).toString('utf8');
    } catch (err) {
      throw new RagError('E_SKIPPED', `not a readable Word document: ${errorMessage(err)}`);
    }
  };
  const document = part('word/document.xml');
  if (document === undefined)
    throw new RagError('E_SKIPPED', 'not a Word document: it has no word/document.xml');
  const styles = part('word/styles.xml');
  return new DocumentReader(styles === undefined ? new Map() : readStyles(styles)).read(document);
}

/** An element's name without its namespace prefix (`w:p` → `p`): Word's prefix is `w`, others may differ. */
function local(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/** An attribute by its local name (`w:val` → `val`). */
function attr(attribs: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(attribs)) if (local(key) === name) return value;
  return undefined;
}

/** Each paragraph style's role, by style id, its `basedOn` chain followed. */
function readStyles(xml: string): Map<string, Role> {
  const own = new Map<string, { name: string; basedOn?: string; outline?: number }>();
  let current: { id: string; name: string; basedOn?: string; outline?: number } | undefined;
  const parser = new Parser(
    {
      onopentag(tag, attribs) {
        const name = local(tag);
        if (name === 'style') {
          const id = attr(attribs, 'styleId');
          current = attr(attribs, 'type') === 'paragraph' && id ? { id, name: '' } : undefined;
        } else if (current && name === 'name') current.name = attr(attribs, 'val') ?? '';
        else if (current && name === 'basedOn') current.basedOn = attr(attribs, 'val');
        else if (current && name === 'outlineLvl') current.outline = Number(attr(attribs, 'val'));
      },
      onclosetag(tag) {
        if (local(tag) !== 'style' || !current) return;
        own.set(current.id, current);
        current = undefined;
      },
    },
    { xmlMode: true },
  );
  parser.end(xml);
  const roles = new Map<string, Role>();
  const roleOf = (id: string, depth: number): Role => {
    const style = own.get(id);
    if (!style || depth > MAX_STYLE_DEPTH) return 'body';
    const name = style.name.trim();
    const byName = /^heading\s*(\d)$/i.exec(name);
    if (/^title$/i.test(name)) return 'title';
    if (/^toc\s*(\d|heading)/i.test(name)) return 'toc';
    if (byName) return { heading: Number(byName[1]) };
    if (style.outline !== undefined && style.outline >= 0 && style.outline <= 8)
      return { heading: style.outline + 1 };
    return style.basedOn ? roleOf(style.basedOn, depth + 1) : 'body';
  };
  for (const id of own.keys()) roles.set(id, roleOf(id, 0));
  return roles;
}

/** One paragraph as it is read. */
interface Paragraph {
  text: string;
  style?: string;
  outline?: number;
  listLevel?: number;
  /** The page its first text is on: a page break may open the paragraph. */
  firstPage?: number;
}

/** Walks document.xml once, writing Markdown lines with the page each came from. */
class DocumentReader {
  readonly #roles: Map<string, Role>;
  readonly #out = new ConvertedLines();
  /** Whether the Title paragraph was read: the headings after it sit one level below it. */
  #titled = false;
  #page = 0;
  /** Whether text was read since the last page break: Word marks one break twice (the break, then the rendered one). */
  #textSincePageBreak = false;
  /** Paragraphs being read (a text box's paragraphs sit inside another's run). */
  readonly #paragraphs: Paragraph[] = [];
  #inText = false;
  #runDepth = 0;
  /** Depth inside what is not the document's text: deleted revisions, a text box's second copy. */
  #unread = 0;
  #tableDepth = 0;
  #row: string[] | undefined;
  #cell: string[] | undefined;
  /** Rows of the table being written: the first is its header, with the rule under it. */
  #rowsWritten = 0;
  /** The content controls (`w:sdt`) being read, each true when it holds a table of contents. */
  readonly #sdt: boolean[] = [];

  constructor(roles: Map<string, Role>) {
    this.#roles = roles;
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

  get #skipping(): boolean {
    return this.#unread > 0 || this.#sdt.some(Boolean);
  }

  #open(name: string, attribs: Record<string, string>): void {
    const p = this.#paragraphs.at(-1);
    switch (name) {
      case 'p':
        this.#paragraphs.push({ text: '' });
        break;
      case 'pStyle':
        if (p) p.style = attr(attribs, 'val');
        break;
      case 'outlineLvl':
        if (p) p.outline = Number(attr(attribs, 'val'));
        break;
      case 'ilvl':
        if (p) p.listLevel = Number(attr(attribs, 'val')) || 0;
        break;
      case 'numPr':
        if (p) p.listLevel ??= 0;
        break;
      case 't':
        this.#inText = true;
        break;
      case 'r':
        this.#runDepth++;
        break;
      case 'tab':
      case 'br':
      case 'cr':
        if (name === 'br' && attr(attribs, 'type') === 'page') this.#pageBreak();
        // In a run a tab or break is a gap in the text; in a paragraph's properties `w:tab` is a tab stop.
        else if (p && !this.#skipping && this.#runDepth > 0) p.text += ' ';
        break;
      case 'noBreakHyphen':
        if (p && !this.#skipping) p.text += '-';
        break;
      case 'lastRenderedPageBreak':
        this.#pageBreak();
        break;
      case 'del':
      // Word writes a text box twice: as DrawingML (`mc:Choice`) and again as VML for old readers.
      case 'Fallback':
        this.#unread++;
        break;
      case 'sdt':
        this.#sdt.push(false);
        break;
      case 'docPartGallery':
        if (/table of contents/i.test(attr(attribs, 'val') ?? '') && this.#sdt.length)
          this.#sdt[this.#sdt.length - 1] = true;
        break;
      case 'tbl':
        if (this.#tableDepth++ === 0) {
          this.#blankLine();
          this.#rowsWritten = 0;
        }
        break;
      case 'tr':
        if (this.#tableDepth === 1) this.#row = [];
        break;
      case 'tc':
        if (this.#tableDepth === 1) this.#cell = [];
        break;
    }
  }

  #text(text: string): void {
    if (!this.#inText || this.#skipping) return;
    const p = this.#paragraphs.at(-1);
    if (!p) return;
    p.text += text;
    if (!text.trim()) return;
    p.firstPage ??= this.#page;
    this.#textSincePageBreak = true;
  }

  #close(name: string): void {
    switch (name) {
      case 't':
        this.#inText = false;
        break;
      case 'r':
        this.#runDepth--;
        break;
      case 'p': {
        const p = this.#paragraphs.pop();
        if (p) this.#paragraph(p);
        break;
      }
      case 'del':
      case 'Fallback':
        this.#unread--;
        break;
      case 'sdt':
        this.#sdt.pop();
        break;
      case 'tc':
        if (this.#tableDepth === 1 && this.#cell && this.#row) {
          this.#row.push(this.#cell.join(' ').replace(/\|/g, '\\|'));
          this.#cell = undefined;
        }
        break;
      case 'tr':
        if (this.#tableDepth === 1 && this.#row) {
          this.#tableRow(this.#row);
          this.#row = undefined;
        }
        break;
      case 'tbl':
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
    let role = this.#role(p);
    if (role === 'toc') return;
    const last = this.#page;
    const first = p.firstPage ?? last;
    if (role === 'title' && !this.#titled) this.#titled = true;
    else if (role === 'title') role = { heading: 1 };
    if (role !== 'body') {
      // The title is the document's H1, above its Heading 1 chapters, as a Markdown page's is.
      const level = role === 'title' ? 1 : Math.min(6, role.heading + (this.#titled ? 1 : 0));
      this.#blankLine();
      this.#out.push(`${'#'.repeat(level)} ${text}`, first, last);
      this.#out.push('', last);
      return;
    }
    if (p.listLevel !== undefined) {
      this.#out.push(`${'  '.repeat(Math.min(p.listLevel, 8))}- ${text}`, first, last);
      return;
    }
    this.#blankLine();
    this.#out.push(asText(text), first, last);
    this.#out.push('', last);
  }

  #role(p: Paragraph): Role {
    if (p.outline !== undefined && p.outline >= 0 && p.outline <= 8) return { heading: p.outline + 1 };
    return (p.style && this.#roles.get(p.style)) || 'body';
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
