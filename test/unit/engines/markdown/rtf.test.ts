import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRtfPath } from '../../../../src/engines/markdown/file-kinds.js';
import { rtfToMarkdown } from '../../../../src/engines/markdown/rtf.js';
import { chunk, limits, skipReason } from './helpers.js';

/** Rich Text read as the Markdown it shows (src/engines/markdown/rtf.ts). */
const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../../fixtures/rtf', name), 'latin1');

describe('rtfToMarkdown', () => {
  it("reads a TextEdit note's lines, blank lines and characters, without its fonts, colours or link target", () => {
    const source = fixture('note.rtf');
    const { text, lines, kind } = rtfToMarkdown(source);
    expect(kind).toBe('markdown');
    expect(text).toBe(
      [
        'Garden log',
        '',
        'Sowed the tomatoes indoors on 12 March — six weeks before the last frost.',
        'The café next door gives us its coffee grounds for the compost.',
        '',
        'Seed supplier: Example Seeds, order #4411.',
        '',
      ].join('\n'),
    );
    // Each line is the file's line where its paragraph begins.
    const file = source.split('\n');
    const out = text.split('\n');
    const at = (needle: string) => file[lines[out.findIndex((l) => l.includes(needle))]!.first]!;
    expect(at('Garden log')).toContain('Garden log');
    expect(at('café')).toContain("caf\\'e9");
    expect(text).not.toMatch(/Helvetica|expandedcolortbl|HYPERLINK|seeds\.example/);
  });

  it("reads a Word-style document's outline levels as headings, a table's rows as lines", () => {
    expect(rtfToMarkdown(fixture('report.rtf')).text).toBe(
      [
        '# Quarterly Infrastructure Report',
        '',
        '## Summary',
        '',
        'The billing database moved to the new cluster on 3 March. Downtime was 14 minutes.',
        '',
        '## Costs',
        '',
        'Item | Q1 | Q2',
        'Storage | 3,100 | 3,450',
        'Compute | 8,200 | 7,900',
        '',
        '## Next steps',
        '',
        '• Retire the old replicas — after the audit.',
        '• Move the café’s point-of-sale backups to object storage.',
        '',
      ].join('\n'),
    );
  });

  it('decodes the code page the document names, and Unicode with its stand-ins dropped', () => {
    const cyrillic = String.raw`{\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2, \u-3913?\uc2\u8364\'80\'80 ok\par}`;
    expect(rtfToMarkdown(cyrillic).text).toBe('Привет, \uf0b7€ ok\n');
    expect(rtfToMarkdown(String.raw`{\rtf1 a\~b\_c \{x\} \\ d\tab e\line f}`).text).toBe(
      'a b‑c {x} \\ d e\nf\n',
    );
  });

  it('skips a file that is not Rich Text, and survives one cut short', () => {
    expect(
      skipReason((b) => rtfToMarkdown(Buffer.from(b).toString('latin1')), Buffer.from('plain text')),
    ).toBe('not a Rich Text file: it does not open with {\\rtf');
    for (const broken of [String.raw`{\rtf1 {\b bold`, String.raw`{\rtf1 text \'e`, '{\\rtf1 end\\']) {
      expect(() => rtfToMarkdown(broken), broken).not.toThrow();
    }
    expect(rtfToMarkdown(String.raw`{\rtf1 {\b bold`).text).toBe('bold\n');
    // Binary data after \bin may hold braces and backslashes: it is passed over whole.
    expect(rtfToMarkdown('{\\rtf1 {\\pict\\bin4 {\\}x}after\\par}').text).toBe('after\n');
  });
});

describe('a Rich Text file through the chunker', () => {
  it('is read by extension, under its headings', () => {
    expect(['a.rtf', 'B.RTF'].map(isRtfPath)).toEqual([true, true]);
    expect(isRtfPath('a.rtfd')).toBe(false);
    const chunks = chunk(fixture('report.rtf'), limits(256, 8), '/home/me/docs/report.rtf');
    const costs = chunks.find((c) => c.text.includes('Storage | 3,100'));
    expect(costs?.headingPath).toEqual(['Quarterly Infrastructure Report', 'Costs']);
  });
});
