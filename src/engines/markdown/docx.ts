import { RagError } from '../../errors.js';
import type { ConvertedText } from './converted.js';
import { attribute as attr, OfficeLines, type TablePart, walkXml, zipParts } from './office.js';

/** The format's table elements. */
const TABLE: Readonly<Record<string, TablePart>> = { tbl: 'table', tr: 'row', tc: 'cell' };

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
  const read = zipParts(bytes, 'Word document');
  const part = (name: string) => read(name)?.toString('utf8');
  const document = part('word/document.xml');
  if (document === undefined)
    throw new RagError('E_SKIPPED', 'not a Word document: it has no word/document.xml');
  const styles = part('word/styles.xml');
  return new DocumentReader(styles === undefined ? new Map() : readStyles(styles)).read(document);
}

/** Each paragraph style's role, by style id, its `basedOn` chain followed. */
function readStyles(xml: string): Map<string, Role> {
  const own = new Map<string, { name: string; basedOn?: string; outline?: number }>();
  let current: { id: string; name: string; basedOn?: string; outline?: number } | undefined;
  walkXml(xml, {
    open(name, attribs) {
      if (name === 'style') {
        const id = attr(attribs, 'styleId');
        current = attr(attribs, 'type') === 'paragraph' && id ? { id, name: '' } : undefined;
      } else if (current && name === 'name') current.name = attr(attribs, 'val') ?? '';
      else if (current && name === 'basedOn') current.basedOn = attr(attribs, 'val');
      else if (current && name === 'outlineLvl') current.outline = Number(attr(attribs, 'val'));
    },
    close(name) {
      if (name !== 'style' || !current) return;
      own.set(current.id, current);
      current = undefined;
    },
  });
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
  /** Word marks one page break twice (the break, then the rendered one): `OfficeLines` counts it once. */
  readonly #out = new OfficeLines();
  /** Paragraphs being read (a text box's paragraphs sit inside another's run). */
  readonly #paragraphs: Paragraph[] = [];
  #inText = false;
  #runDepth = 0;
  /** Depth inside what is not the document's text: deleted revisions, a text box's second copy. */
  #unread = 0;
  /** The content controls (`w:sdt`) being read, each true when it holds a table of contents. */
  readonly #sdt: boolean[] = [];

  constructor(roles: Map<string, Role>) {
    this.#roles = roles;
  }

  read(xml: string): ConvertedText {
    walkXml(xml, {
      open: (name, attribs) => this.#open(name, attribs),
      text: (text) => this.#text(text),
      close: (name) => this.#close(name),
    });
    return this.#out.finish();
  }

  get #skipping(): boolean {
    return this.#unread > 0 || this.#sdt.some(Boolean);
  }

  #open(name: string, attribs: Record<string, string>): void {
    if (this.#out.tableTag(TABLE, name, true)) return;
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
        if (name === 'br' && attr(attribs, 'type') === 'page') this.#out.pageBreak();
        // In a run a tab or break is a gap in the text; in a paragraph's properties `w:tab` is a tab stop.
        else if (p && !this.#skipping && this.#runDepth > 0) p.text += ' ';
        break;
      case 'noBreakHyphen':
        if (p && !this.#skipping) p.text += '-';
        break;
      case 'lastRenderedPageBreak':
        this.#out.pageBreak();
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
    }
  }

  #text(text: string): void {
    if (!this.#inText || this.#skipping) return;
    const p = this.#paragraphs.at(-1);
    if (!p) return;
    p.text += text;
    if (text.trim()) p.firstPage ??= this.#out.textSeen();
  }

  #close(name: string): void {
    if (this.#out.tableTag(TABLE, name, false)) return;
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
    }
  }

  #paragraph(p: Paragraph): void {
    const text = p.text.replace(/\s+/g, ' ').trim();
    // Inside a table, a paragraph is part of its cell (a nested table's too).
    if (!text || this.#out.inCell(text)) return;
    const role = this.#role(p);
    if (role === 'toc') return;
    const first = p.firstPage ?? this.#out.page;
    if (role === 'title') this.#out.title(text, first);
    else if (role !== 'body') this.#out.heading(role.heading, text, first);
    else if (p.listLevel !== undefined) this.#out.listItem(p.listLevel, text, first);
    else this.#out.paragraph(text, first);
  }

  #role(p: Paragraph): Role {
    if (p.outline !== undefined && p.outline >= 0 && p.outline <= 8) return { heading: p.outline + 1 };
    return (p.style && this.#roles.get(p.style)) || 'body';
  }
}
