import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markdownChunker } from '../../../../src/engines/markdown/chunker.js';
import { docxToMarkdown } from '../../../../src/engines/markdown/docx.js';
import { makeTempDir } from '../../../helpers/temp.js';
import { writeZip, type ZipMember } from '../../../helpers/zip-writer.js';
import { fixtureBytes, limits, skipReason } from './helpers.js';

/** Word documents read as Markdown (src/engines/markdown/docx.ts). */

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('docx'));
});
afterAll(() => cleanup());

let made = 0;
/** A .docx as Word lays one out: the zip's parts, deflated, read back as bytes. */
function docx(parts: Record<string, string | Buffer>, deflate = true): Uint8Array {
  const file = join(dir, `d${made++}.docx`);
  const members: ZipMember[] = Object.entries(parts).map(([name, data]) => ({
    name,
    data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
    deflate,
  }));
  writeZip(file, members);
  return readFileSync(file);
}

const documentXml = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="${W}"><w:body>${body}<w:sectPr/></w:body></w:document>`;

/** A localized Word's styles: ids in German, the built-in names in English, as Word writes them. */
const stylesXml = `<?xml version="1.0" encoding="UTF-8"?>
<w:styles xmlns:w="${W}">
  <w:style w:type="paragraph" w:default="1" w:styleId="Standard"><w:name w:val="Normal"/></w:style>
  <w:style w:type="paragraph" w:styleId="Titel"><w:name w:val="Title"/><w:basedOn w:val="Standard"/></w:style>
  <w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/><w:basedOn w:val="Standard"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
  <w:style w:type="paragraph" w:styleId="berschrift2"><w:name w:val="heading 2"/><w:basedOn w:val="Standard"/></w:style>
  <w:style w:type="paragraph" w:styleId="Kapitel"><w:name w:val="Kapitel"/><w:basedOn w:val="berschrift2"/></w:style>
  <w:style w:type="paragraph" w:styleId="Anhang"><w:name w:val="Anhang"/><w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>
  <w:style w:type="paragraph" w:styleId="Verzeichnis1"><w:name w:val="toc 1"/></w:style>
  <w:style w:type="paragraph" w:styleId="Loop1"><w:name w:val="Loop one"/><w:basedOn w:val="Loop2"/></w:style>
  <w:style w:type="paragraph" w:styleId="Loop2"><w:name w:val="Loop two"/><w:basedOn w:val="Loop1"/></w:style>
  <w:style w:type="character" w:styleId="berschrift1Zchn"><w:name w:val="Überschrift 1 Zchn"/></w:style>
</w:styles>`;

const para = (text: string, style?: string, extra = '') =>
  `<w:p><w:pPr>${style ? `<w:pStyle w:val="${style}"/>` : ''}${extra}</w:pPr><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`;

describe('docxToMarkdown', () => {
  it('reads a document pandoc wrote: its title above its headings, nested lists, a table', () => {
    const bytes = fixtureBytes('docx/report.docx');
    const read = docxToMarkdown(bytes);
    expect(read.kind).toBe('converted');
    expect(read.text).toBe(
      [
        '# Quarterly Infrastructure Report',
        '',
        '## Summary',
        '',
        'The migration of the billing database to PostgreSQL 16 finished on March 3rd. Downtime was 14 minutes.',
        '',
        '### Open risks',
        '',
        '- The backup window overlaps with the nightly ETL job.',
        '- Two replicas still run on end-of-life hardware.',
        '  - Replacement ordered, delivery in April.',
        '',
        '## Costs',
        '',
        '| Item | Q1 | Q2 |',
        '| --- | --- | --- |',
        '| Compute | 12,400 | 11,900 |',
        '| Storage | 3,100 | 3,450 |',
        '',
        '## Next steps',
        '',
        '- Move the ETL job to 02:00.',
        '- Decommission db-old-2.',
        '',
      ].join('\n'),
    );
    // No page marks in what pandoc writes: every line is on the first page.
    expect(new Set(read.lines.map((l) => `${l.first}-${l.last}`))).toEqual(new Set(['0-0']));
  });

  it("finds headings by a localized Word's styles: built-in names, basedOn, outline levels", () => {
    const read = docxToMarkdown(
      docx({
        'word/document.xml': documentXml(
          [
            para('Handbuch', 'Titel'),
            para('Einleitung', 'berschrift1'),
            para('Text eins.', 'Standard'),
            para('Installation', 'Kapitel'),
            para('Tabellen', 'Anhang'),
            para('Direkt', undefined, '<w:outlineLvl w:val="1"/>'),
            para('Schleife', 'Loop1'),
            para('Unbekannt', 'KeinStil'),
          ].join(''),
        ),
        'word/styles.xml': stylesXml,
      }),
    );
    expect(read.text).toBe(
      [
        '# Handbuch',
        '',
        '## Einleitung',
        '',
        'Text eins.',
        '',
        '### Installation',
        '',
        '#### Tabellen',
        '',
        '### Direkt',
        '',
        'Schleife',
        '',
        'Unbekannt',
        '',
      ].join('\n'),
    );
  });

  it('leaves out the table of contents, deleted revisions, field codes and tab stops; keeps tabs and breaks as spaces', () => {
    const toc =
      `<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/></w:docPartObj></w:sdtPr>` +
      `<w:sdtContent>${para('Contents')}${para('Einleitung 1', 'Verzeichnis1')}</w:sdtContent></w:sdt>`;
    const body = [
      toc,
      para('Stray entry 3', 'Verzeichnis1'),
      `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>` +
        `<w:r><w:t>Name:</w:t><w:tab/><w:t>value</w:t><w:br/><w:t>next</w:t></w:r>` +
        `<w:del><w:r><w:delText>old words</w:delText></w:r></w:del>` +
        `<w:ins><w:r><w:t xml:space="preserve"> new words</w:t></w:r></w:ins>` +
        `<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGEREF _Toc1 \\h </w:instrText></w:r>` +
        `<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t xml:space="preserve"> 7</w:t></w:r>` +
        `<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>a&amp;b&lt;c</w:t></w:r></w:p>`,
      para('# not a heading'),
    ].join('');
    const read = docxToMarkdown(
      docx({ 'word/document.xml': documentXml(body), 'word/styles.xml': stylesXml }),
    );
    expect(read.text).toBe(['Name: value next new words 7a&b<c', '', '\\# not a heading', ''].join('\n'));
  });

  it('maps each line to the page Word rendered it on, a page break marked twice counted once', () => {
    const body = [
      para('Page one.'),
      // Word writes a manual break, then marks the rendered break at the next run: one new page.
      `<w:p><w:r><w:br w:type="page"/></w:r><w:r><w:lastRenderedPageBreak/><w:t>Page two.</w:t></w:r></w:p>`,
      // A paragraph that runs over onto the next page.
      `<w:p><w:r><w:t xml:space="preserve">Starts on two </w:t></w:r><w:r><w:lastRenderedPageBreak/><w:t>ends on three.</w:t></w:r></w:p>`,
      para('Page three.'),
    ].join('');
    const read = docxToMarkdown(docx({ 'word/document.xml': documentXml(body) }));
    const lines = read.text.split('\n');
    const pageOf = (text: string) => read.lines[lines.indexOf(text)];
    expect(pageOf('Page one.')).toEqual({ first: 0, last: 0 });
    expect(pageOf('Page two.')).toEqual({ first: 1, last: 1 });
    expect(pageOf('Starts on two ends on three.')).toEqual({ first: 1, last: 2 });
    expect(pageOf('Page three.')).toEqual({ first: 2, last: 2 });
  });

  it("writes a table's rows once, a nested table inside its cell, a text box once", () => {
    const cell = (inner: string) => `<w:tc>${inner}</w:tc>`;
    const nested = `<w:tbl><w:tr>${cell(para('inner a'))}${cell(para('inner b'))}</w:tr></w:tbl>`;
    const table =
      `<w:tbl><w:tblPr/><w:tr>${cell(para('Key'))}${cell(para('Value'))}</w:tr>` +
      `<w:tr>${cell(para('pipe'))}${cell(para('a | b') + para('second line'))}</w:tr>` +
      `<w:tr>${cell(para('nested'))}${cell(nested)}</w:tr></w:tbl>`;
    // As Word writes a text box: DrawingML, and the same box again as VML for older readers.
    const box = `<w:txbxContent>${para('In the box.')}</w:txbxContent>`;
    const textBox =
      `<w:p><w:r><w:t xml:space="preserve">Before </w:t></w:r><w:r><mc:AlternateContent>` +
      `<mc:Choice Requires="wps"><w:drawing><wps:txbx>${box}</wps:txbx></w:drawing></mc:Choice>` +
      `<mc:Fallback><w:pict><v:textbox>${box}</v:textbox></w:pict></mc:Fallback>` +
      `</mc:AlternateContent></w:r><w:r><w:t>after.</w:t></w:r></w:p>`;
    const read = docxToMarkdown(docx({ 'word/document.xml': documentXml(para('Intro.') + table + textBox) }));
    expect(read.text).toBe(
      [
        'Intro.',
        '',
        '| Key | Value |',
        '| --- | --- |',
        '| pipe | a \\| b second line |',
        '| nested | inner a inner b |',
        '',
        'In the box.',
        '',
        'Before after.',
        '',
      ].join('\n'),
    );
  });

  it('a file it cannot read is skipped with the reason', () => {
    const skipped = (bytes: Uint8Array) => skipReason(docxToMarkdown, bytes);
    const ole = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512)]);
    expect(skipped(ole)).toMatch(/^a password-protected Word document/);
    expect(skipped(Buffer.from('just some text, not a zip'))).toBe(
      'not a readable Word document: not a zip archive (no end-of-central-directory record)',
    );
    expect(skipped(docx({ 'xl/workbook.xml': '<workbook/>' }))).toBe(
      'not a Word document: it has no word/document.xml',
    );
    // A few kilobytes that would inflate to 65 MB: refused, not inflated.
    const bomb = docx({ 'word/document.xml': Buffer.alloc(65 * 2 ** 20, 0x20) });
    expect(bomb.length).toBeLessThan(200_000);
    expect(skipped(bomb)).toBe('not a readable Word document: word/document.xml inflates to more than 64 MB');
  });

  it('the markdown chunker reads a .docx from its bytes, its pages as lines', async () => {
    const body = [
      para('Backups', 'berschrift1'),
      para('Take a base backup every night.'),
      `<w:p><w:r><w:lastRenderedPageBreak/><w:t>Keep seven of them.</w:t></w:r></w:p>`,
    ].join('');
    const bytes = docx({ 'word/document.xml': documentXml(body), 'word/styles.xml': stylesXml });
    expect(markdownChunker.readsBytes?.('/docs/guide.DOCX')).toBe(true);
    const chunks = await markdownChunker.chunk({ path: '/docs/guide.docx', text: '', bytes }, limits());
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ headingPath: ['Backups'], startLine: 1, endLine: 2 });
    expect(chunks[0]!.text).toContain('Take a base backup every night.\n\nKeep seven of them.');
  });
});
