import { RagError } from '../../errors.js';
import type { ConvertedText } from './converted.js';
import { attribute as attr, OfficeLines, relationships, walkXml, zipParts } from './office.js';

/**
 * A workbook with more cells than this is data (an export, a log), not a document a person
 * keeps: it is skipped, saying so, rather than made into thousands of chunks of numbers.
 */
export const MAX_WORKBOOK_CELLS = 100_000;

interface Sheet {
  name: string;
  /** Its relationship id in the workbook's relationships. */
  id: string;
  hidden: boolean;
}

/**
 * An Excel workbook (`.xlsx`) as the Markdown it reads as: each visible sheet a heading with
 * its name, its rows a Markdown table (the first row with text its header), cells as Excel
 * shows their values (shared and inline strings, formulas' last results, TRUE/FALSE, numbers
 * without float noise, dates as dates). Charts, pictures, comments, formatting and hidden sheets
 * are left out. `lines[i]` is the 0-based sheet of line `i`, as a presentation's are its slides.
 */
export function xlsxToMarkdown(bytes: Uint8Array): ConvertedText {
  const part = zipParts(bytes, 'Excel workbook');
  const text = (name: string | undefined) => (name ? part(name)?.toString('utf8') : undefined);
  const workbook = text('xl/workbook.xml');
  if (workbook === undefined)
    throw new RagError('E_SKIPPED', 'not an Excel workbook: it has no xl/workbook.xml');
  const targets = relationships(text('xl/_rels/workbook.xml.rels'), 'xl/workbook.xml');
  const { sheets, date1904 } = readWorkbook(workbook);
  const strings = sharedStrings(text('xl/sharedStrings.xml'));
  const dateStyles = readDateStyles(text('xl/styles.xml'));
  const value = (cell: Cell): string => cellText(cell, strings, dateStyles, date1904);
  const out = new OfficeLines();
  let cells = 0;
  sheets.forEach((sheet, index) => {
    const xml = sheet.hidden ? undefined : text(targets.get(sheet.id));
    if (xml === undefined) return;
    const read = readRows(xml, MAX_WORKBOOK_CELLS - cells);
    if (read === undefined) {
      throw new RagError(
        'E_SKIPPED',
        `a workbook of more than ${MAX_WORKBOOK_CELLS.toLocaleString('en-US')} cells (the empty ones between filled ones counted) is data, not a document (sheet "${sheet.name}" passes it)`,
      );
    }
    cells += read.cells;
    const rows = read.rows.map((row) => row.map(value));
    if (!rows.some((row) => row.some(Boolean))) return;
    out.atPage(index);
    out.heading(1, sheet.name, index);
    out.table(rows);
  });
  return out.finish();
}

function readWorkbook(xml: string): { sheets: Sheet[]; date1904: boolean } {
  const sheets: Sheet[] = [];
  let date1904 = false;
  walkXml(xml, {
    open(name, attribs) {
      if (name === 'workbookPr') date1904 = /^(1|true)$/i.test(attr(attribs, 'date1904') ?? '');
      if (name !== 'sheet') return;
      const id = attr(attribs, 'id');
      const state = attr(attribs, 'state');
      if (id)
        sheets.push({
          name: attr(attribs, 'name') ?? '',
          id,
          hidden: state === 'hidden' || state === 'veryHidden',
        });
    },
  });
  return { sheets, date1904 };
}

/** The shared strings table: each `si`'s text, its rich runs joined, phonetic guides left out. */
function sharedStrings(xml: string | undefined): string[] {
  const strings: string[] = [];
  if (!xml) return strings;
  let current: string | undefined;
  let inText = false;
  let phonetic = 0;
  walkXml(xml, {
    open(name) {
      if (name === 'si') current = '';
      else if (name === 'rPh') phonetic++;
      else if (name === 't') inText = true;
    },
    text(t) {
      if (inText && phonetic === 0 && current !== undefined) current += t;
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si') {
        strings.push(current ?? '');
        current = undefined;
      }
    },
  });
  return strings;
}

/** Built-in number formats that show a date (14–17, 22) or a time (18–21, 45–47) (ECMA-376, 18.8.30). */
const DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);

/** The cell styles (`cellXfs` indexes) whose number format shows a date or a time. */
function readDateStyles(xml: string | undefined): Set<number> {
  const dates = new Set<number>();
  if (!xml) return dates;
  const custom = new Map<number, string>();
  let inCellXfs = false;
  let index = 0;
  walkXml(xml, {
    open(name, attribs) {
      if (name === 'numFmt') custom.set(Number(attr(attribs, 'numFmtId')), attr(attribs, 'formatCode') ?? '');
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) {
        const id = Number(attr(attribs, 'numFmtId') ?? 0);
        const code = custom.get(id);
        if (DATE_FORMATS.has(id) || (code !== undefined && isDateFormat(code))) dates.add(index);
        index++;
      }
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
  });
  return dates;
}

/** A custom format showing a date or a time: d, y, h or s outside quoted text, colours and conditions. */
function isDateFormat(code: string): boolean {
  const bare = code.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
  return /[dyhs]/i.test(bare) && !/general/i.test(bare);
}

interface Cell {
  column: number;
  type: string;
  style: number;
  value: string;
}

/**
 * The sheet's rows, each its cells at their columns up to its last with a value (a gap an empty
 * cell), and how many cells that makes; undefined as soon as that passes `limit`. Counting the
 * gaps matters: one value in column XFD would otherwise pad its row to 16,384 cells.
 */
function readRows(xml: string, limit: number): { rows: Cell[][]; cells: number } | undefined {
  const rows: Cell[][] = [];
  let cells = 0;
  let row: Cell[] | undefined;
  let width = 0;
  let cell: Cell | undefined;
  let reading: 'v' | 't' | undefined;
  let inlineString = false;
  const over = new Error('over the limit');
  try {
    walkXml(xml, {
      open(name, attribs) {
        if (name === 'row') [row, width] = [[], 0];
        else if (name === 'c' && row) {
          const ref = attr(attribs, 'r');
          const column = ref ? columnOf(ref) : row.length;
          cell = {
            column,
            type: attr(attribs, 't') ?? 'n',
            style: Number(attr(attribs, 's') ?? 0),
            value: '',
          };
        } else if (name === 'is') inlineString = true;
        else if (cell && (name === 'v' || (name === 't' && inlineString))) reading = name;
      },
      text(t) {
        if (cell && reading) cell.value += t;
      },
      close(name) {
        if (name === 'v' || name === 't') reading = undefined;
        else if (name === 'is') inlineString = false;
        else if (name === 'c' && cell && row) {
          if (cell.value !== '') {
            width = Math.max(width, cell.column + 1);
            row.push(cell);
            // Thrown to stop reading: the rest of a sheet this big is not worth parsing.
            if (cells + width > limit) throw over;
          }
          cell = undefined;
        } else if (name === 'row' && row) {
          rows.push(row);
          cells += width;
          row = undefined;
        }
      },
    });
  } catch (err) {
    if (err === over) return undefined;
    throw err;
  }
  return {
    cells,
    rows: rows.map((found) => {
      const out: Cell[] = [];
      for (const c of found) out[c.column] = c;
      return Array.from(out, (c, column) => c ?? { column, type: 'n', style: 0, value: '' });
    }),
  };
}

/** `AB12` → 27 (0-based). */
function columnOf(ref: string): number {
  let n = 0;
  for (const ch of /^[A-Z]+/i.exec(ref)?.[0].toUpperCase() ?? '') n = n * 26 + (ch.charCodeAt(0) - 64);
  return Math.max(0, n - 1);
}

function cellText(
  cell: Cell,
  strings: readonly string[],
  dateStyles: ReadonlySet<number>,
  date1904: boolean,
): string {
  const v = cell.value.trim();
  if (!v) return '';
  switch (cell.type) {
    case 's':
      return (strings[Number(v)] ?? '').replace(/\s+/g, ' ').trim();
    case 'inlineStr':
    case 'str':
    case 'd':
      return v.replace(/\s+/g, ' ');
    case 'b':
      return v === '1' ? 'TRUE' : 'FALSE';
    case 'e':
      return '';
    default: {
      const n = Number(v);
      if (!Number.isFinite(n)) return v;
      if (dateStyles.has(cell.style)) return serialDate(n, date1904);
      // Float noise (0.30000000000000004) is not what the sheet shows.
      return String(Number(n.toPrecision(15)));
    }
  }
}

/** An Excel date serial as `2026-12-06`, `2026-12-06 14:30` with a time of day, `14:30` for a time alone. */
function serialDate(serial: number, date1904: boolean): string {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  const date = new Date(epoch + Math.round(serial * 86_400) * 1000);
  if (Number.isNaN(date.getTime())) return String(serial);
  const iso = date.toISOString();
  if (serial >= 0 && serial < 1) return iso.slice(11, 16);
  return serial % 1 === 0 ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
