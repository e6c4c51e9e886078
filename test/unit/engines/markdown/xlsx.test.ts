import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isXlsxPath, MAX_WORKBOOK_CELLS, xlsxToMarkdown } from '../../../../src/engines/markdown/xlsx.js';
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
      'a workbook of more than 100,000 cells is data, not a document (sheet "Export" passes it)',
    );
  });

  it('is read by its extension', () => {
    expect(['a.xlsx', 'B.XLSX'].map(isXlsxPath)).toEqual([true, true]);
    expect(isXlsxPath('a.xls')).toBe(false);
  });
});
