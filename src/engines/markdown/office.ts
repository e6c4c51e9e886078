import { posix } from 'node:path';
import { Parser } from 'htmlparser2';
import { errorMessage, RagError } from '../../errors.js';
import { readZipEntry, type ZipEntry, zipEntries } from '../../zip.js';
import { ConvertedLines, type ConvertedText } from './converted.js';

/**
 * What the readers of zipped XML documents share (docx.ts, odt.ts, pptx.ts, xlsx.ts, epub.ts): the
 * zip's parts, a walk over their XML, Office Open XML's relationships, and (all but epub.ts)
 * paragraphs and tables written as Markdown lines, each with the page it is on.
 */

/** A part's text past this, once inflated, is not a document a person wrote but a zip bomb. */
const MAX_PART_BYTES = 64 * 2 ** 20;

/**
 * The parts of an office document's zip by name (undefined for one it lacks). A file that is no
 * zip, or a part that cannot be inflated, is skipped with the reason (`not a readable <kind>`).
 */
export function zipParts(bytes: Uint8Array, kind: string): (name: string) => Buffer | undefined {
  let entries: ZipEntry[];
  try {
    entries = zipEntries(bytes, '');
  } catch (err) {
    throw new RagError('E_SKIPPED', `not a readable ${kind}: ${errorMessage(err)}`);
  }
  return (name) => {
    const entry = entries.find((e) => e.name === name);
    if (!entry) return undefined;
    try {
      return readZipEntry(bytes, entry, '', MAX_PART_BYTES);
    } catch (err) {
      throw new RagError('E_SKIPPED', `not a readable ${kind}: ${errorMessage(err)}`);
    }
  };
}

/** What a walk over a part's XML is told: elements by their local name, text decoded. */
export interface XmlHandlers {
  open?(name: string, attribs: Record<string, string>): void;
  text?(text: string): void;
  close?(name: string): void;
}

/** Walks `xml` once, calling `handlers` with each element's local name (`w:p` → `p`). */
export function walkXml(xml: string, handlers: XmlHandlers): void {
  const parser = new Parser(
    {
      onopentag: (tag, attribs) => handlers.open?.(localName(tag), attribs),
      ontext: (text) => handlers.text?.(text),
      onclosetag: (tag) => handlers.close?.(localName(tag)),
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.end(xml);
}

/** An element's name without its namespace prefix (`w:p` → `p`, `text:h` → `h`). */
export function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/** An attribute by its local name (`w:val` → `val`). */
export function attribute(attribs: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(attribs)) if (localName(key) === name) return value;
  return undefined;
}

/** A part's relationships (Office Open XML): id → the target's path inside the zip; external links left out. */
export function relationships(xml: string | undefined, from: string): Map<string, string> {
  const targets = new Map<string, string>();
  if (!xml) return targets;
  walkXml(xml, {
    open(name, attribs) {
      const target = attribute(attribs, 'Target');
      const id = attribute(attribs, 'Id');
      if (name !== 'Relationship' || !target || !id || attribute(attribs, 'TargetMode') === 'External')
        return;
      targets.set(id, target.startsWith('/') ? target.slice(1) : posix.join(posix.dirname(from), target));
    },
  });
  return targets;
}

/** Where a part's relationships are: `ppt/slides/slide3.xml` → `ppt/slides/_rels/slide3.xml.rels`. */
export function partRels(path: string): string {
  return posix.join(posix.dirname(path), '_rels', `${posix.basename(path)}.rels`);
}

/** What a table element is: the table, one of its rows, or a cell. */
export type TablePart = 'table' | 'row' | 'cell';

/**
 * An office document's Markdown, written paragraph by paragraph: the first Title paragraph as
 * the H1 above the headings (each then one level down, as a Markdown page's chapters sit below
 * its title), list items, tables, body paragraphs between blank lines.
 * It keeps the page count: `textSeen` when a paragraph's text is read, `pageBreak` where the
 * writer recorded one (a break with no text since the last is the same break marked twice).
 */
export class OfficeLines {
  readonly #out = new ConvertedLines();
  /** The H1's line (the first Title paragraph), -1 before there is one. */
  #titleLine = -1;
  #page = 0;
  #textSincePageBreak = false;
  /** Tables being read: 1 in a table, 2 in a table inside one of its cells. */
  #tableDepth = 0;
  #row: string[] | undefined;
  #cell: string[] | undefined;
  #rowsWritten = 0;

  /** The page text read now is on, and that text was read there. */
  textSeen(): number {
    this.#textSincePageBreak = true;
    return this.#page;
  }

  get page(): number {
    return this.#page;
  }

  /** Text read from now on is on page `page` (a presentation's slide: each starts one, empty or not). */
  atPage(page: number): void {
    this.#page = page;
    this.#textSincePageBreak = false;
  }

  pageBreak(): void {
    if (!this.#textSincePageBreak) return;
    this.#page++;
    this.#textSincePageBreak = false;
  }

  /**
   * A Title paragraph: the first is the H1, a later one a chapter heading. Title paragraphs one
   * after another are one title set on several lines ("Application Programmer's Interface" /
   * "for" / "ODFPY 0.9.1"): one H1.
   */
  title(text: string, first: number): void {
    if (!this.#titled) {
      this.#headingLine(1, text, first);
      this.#titleLine = this.#out.length - 2;
    } else if (this.#titleLine === this.#out.length - 2) {
      // Nothing written since the H1 but its blank line: this paragraph goes on with it.
      this.#out.replace(this.#titleLine, `${this.#out.line(this.#titleLine)} ${text}`);
    } else {
      this.heading(1, text, first);
    }
  }

  get #titled(): boolean {
    return this.#titleLine >= 0;
  }

  /** A heading of outline level `level` (1 the top). */
  heading(level: number, text: string, first: number): void {
    this.#headingLine(Math.min(6, level + (this.#titled ? 1 : 0)), text, first);
  }

  /** A list item `depth` levels in (0 the outermost). */
  listItem(depth: number, text: string, first: number): void {
    this.#out.push(`${'  '.repeat(Math.min(depth, 8))}- ${text}`, first, this.#page);
  }

  paragraph(text: string, first: number): void {
    this.blankLine();
    this.#out.pushText(text, first, this.#page);
    this.#out.push('', this.#page);
  }

  /**
   * A table element of a reader's format opening or closing, by the part it is (`parts` maps
   * the format's names: Word's `tbl`/`tr`/`tc`, OpenDocument's `table`/`table-row`/`table-cell`).
   * Returns whether `name` is one.
   */
  tableTag(parts: Readonly<Record<string, TablePart>>, name: string, open: boolean): boolean {
    const part = parts[name];
    if (!part) return false;
    if (part === 'table') open ? this.#openTable() : this.#closeTable();
    else if (part === 'row') open ? this.#openRow() : this.#closeRow();
    else open ? this.#openCell() : this.#closeCell();
    return true;
  }

  /** A table read whole before it is written (a slide's): its rows of cells' text. */
  table(rows: readonly (readonly string[])[]): void {
    this.#openTable();
    for (const cells of rows) this.#writeRow(cells);
    this.#closeTable();
  }

  /*
   * Tables read element by element: each row of the outermost one is a Markdown row; a nested
   * table's paragraphs are text of the outer cell that holds it.
   */
  #openTable(): void {
    if (this.#tableDepth++ === 0) this.#tableEdge();
  }

  #closeTable(): void {
    if (--this.#tableDepth === 0) this.#tableEdge();
  }

  #openRow(): void {
    if (this.#tableDepth === 1) this.#row = [];
  }

  #closeRow(): void {
    if (this.#tableDepth !== 1 || !this.#row) return;
    this.#writeRow(this.#row);
    this.#row = undefined;
  }

  #openCell(): void {
    if (this.#tableDepth === 1) this.#cell = [];
  }

  #closeCell(): void {
    if (this.#tableDepth !== 1 || !this.#cell || !this.#row) return;
    this.#row.push(this.#cell.join(' '));
    this.#cell = undefined;
  }

  /** A Markdown table row, the table's first with the header rule under it; an empty row is left out. */
  #writeRow(cells: readonly string[]): void {
    if (!cells.some((c) => c.trim())) return;
    this.#out.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`, this.#page);
    if (this.#rowsWritten++ === 0) this.#out.push(`|${' --- |'.repeat(cells.length)}`, this.#page);
  }

  /** Takes a paragraph's text into the table cell being read; false outside a table. */
  inCell(text: string): boolean {
    this.#cell?.push(text);
    return this.#cell !== undefined;
  }

  #tableEdge(): void {
    this.blankLine();
    this.#rowsWritten = 0;
  }

  /** A blank line unless the last line written is one (or nothing is written yet). */
  blankLine(): void {
    if (this.#out.length && this.#out.line(-1) !== '') this.#out.push('', this.#out.lastSource);
  }

  finish(): ConvertedText {
    return this.#out.finish('converted');
  }

  #headingLine(level: number, text: string, first: number): void {
    this.blankLine();
    this.#out.push(`${'#'.repeat(level)} ${text}`, first, this.#page);
    this.#out.push('', this.#page);
  }
}
