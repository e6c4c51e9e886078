import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isXlsxPath } from '../../../../src/engines/markdown/file-kinds.js';
import { MAX_WORKBOOK_CELLS, xlsxToMarkdown } from '../../../../src/engines/markdown/xlsx.js';
import { writeZip } from '../../../helpers/zip-writer.js';
import { fixtureBytes, skipReason } from './helpers.js';

/** A zip of these parts (deflated), as bytes. */
function zipOf(parts: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'ragctl-xlsx-'));
  try {
    const file = join(dir, 'book.xlsx');
    writeZip(
      file,
      Object.entries(parts).map(([name, text]) => ({ name, data: Buffer.from(text), deflate: true })),
    );
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `1` → A, `27` → AA. */
function columnName(n: number): string {
  let name = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) name = String.fromCharCode(65 + ((k - 1) % 26)) + name;
  return name;
}

/** Excel workbooks read as the Markdown they show (src/engines/markdown/xlsx.ts). */
describe('xlsxToMarkdown', () => {
  it('reads each visible sheet as a table under its name, cells as Excel shows them', () => {
    const { text, lines } = xlsxToMarkdown(fixtureBytes('xlsx/budget.xlsx'));
    expect(text).toBe(
      [
        '# Home budget',
        '',
        '| Item | Category | Amount | Paid on | Paid |',
        '| --- | --- | --- | --- | --- |',
        '| Roof repair after the storm | House | 4200 | 2026-05-14 | TRUE |',
        '| Boiler service | House | 180.5 | 2026-09-02 |',
        '| Tomato seedlings | Garden | 0.3 | 2026-03-12 |',
        '|  | Total | 4380.8 |',
        '',
        '# Contacts',
        '',
        '| Name | Phone | Notes |',
        '| --- | --- | --- |',
        '| Plumber (Ana) | 555-0134 | Fixed the leak \\| under the sink |',
        '| Roofer |  | Comes on Tuesdays |',
        '',
      ].join('\n'),
    );
    expect(text).not.toMatch(/hidden working notes|FIKUSUTO|SUM\(/);
    // Lines are sheets: the Contacts table is on the second.
    const out = text.split('\n');
    expect(lines[out.indexOf('| Roofer |  | Comes on Tuesdays |')]).toEqual({ first: 1, last: 1 });
  });

  it('skips a file that is no workbook, and a workbook that is data rather than a document', () => {
    expect(skipReason(xlsxToMarkdown, Buffer.from('not a zip'))).toMatch(/^not a readable Excel workbook: /);
    expect(skipReason(xlsxToMarkdown, zipOf({ 'word/document.xml': '<w:document/>' }))).toBe(
      'not an Excel workbook: it has no xl/workbook.xml',
    );
    const row = (r: number) => `<row r="${r}">${'<c t="inlineStr"><is><t>x</t></is></c>'.repeat(100)}</row>`;
    const rows = Array.from({ length: MAX_WORKBOOK_CELLS / 100 + 1 }, (_, i) => row(i + 1)).join('');
    const big = zipOf({
      'xl/workbook.xml':
        '<workbook><sheets><sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>',
      'xl/_rels/workbook.xml.rels':
        '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
      'xl/worksheets/sheet1.xml': `<worksheet><sheetData>${rows}</sheetData></worksheet>`,
    });
    expect(skipReason(xlsxToMarkdown, big)).toBe(
      'a workbook of more than 100,000 cells (the empty ones between filled ones counted) is data, not a document (sheet "Export" passes it)',
    );
  });

  it('counts the empty cells a far column pads a row with, and pads a row no further than its last value', () => {
    const sheet = (rows: string) =>
      zipOf({
        'xl/workbook.xml':
          '<workbook><sheets><sheet name="Wide" sheetId="1" r:id="rId1"/></sheets></workbook>',
        'xl/_rels/workbook.xml.rels':
          '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        'xl/worksheets/sheet1.xml': `<worksheet><sheetData>${rows}</sheetData></worksheet>`,
      });
    const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
    // Ten filled cells a row, but one in XFD (the 16,384th column): each row is 16,384 cells wide.
    const far = Array.from(
      { length: 10 },
      (_, r) => `<row r="${r + 1}">${cell(`A${r + 1}`, 'label')}${cell(`XFD${r + 1}`, 'far')}</row>`,
    ).join('');
    expect(skipReason(xlsxToMarkdown, sheet(far))).toMatch(/^a workbook of more than 100,000 cells /);
    // Styled empty cells past the last value (as formatting a whole row leaves) widen nothing.
    const styled = Array.from({ length: 200 }, (_, i) => `<c r="${columnName(i + 3)}1" s="2"/>`).join('');
    const { text } = xlsxToMarkdown(
      sheet(`<row r="1">${cell('A1', 'Name')}${cell('B1', 'Phone')}${styled}</row>`),
    );
    expect(text).toBe(['# Wide', '', '| Name | Phone |', '| --- | --- |', ''].join('\n'));
  });

  it('is read by its extension', () => {
    expect(['a.xlsx', 'B.XLSX'].map(isXlsxPath)).toEqual([true, true]);
    expect(isXlsxPath('a.xls')).toBe(false);
  });
});
