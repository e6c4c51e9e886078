import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownChunker } from '../../../../src/engines/markdown/chunker.js';
import { odtToMarkdown } from '../../../../src/engines/markdown/odt.js';
import { makeTempDir } from '../../../helpers/temp.js';
import { writeZip } from '../../../helpers/zip-writer.js';
import { fixtureBytes, limits, skipReason } from './helpers.js';

/** OpenDocument texts read as Markdown (src/engines/markdown/odt.ts); fixtures: test/fixtures/odt/README.md. */

const fixture = (name: string) => fixtureBytes(`odt/${name}`);

describe('odtToMarkdown', () => {
  it('reads a document pandoc wrote: its title above its headings, nested lists, a table, no footnote', () => {
    const read = odtToMarkdown(fixture('handbook.odt'));
    expect(read.text).toBe(
      [
        '# Greenhouse handbook',
        '',
        '## Watering',
        '',
        'Water the tomatoes at the base every second morning; a drip line on a timer keeps the soil evenly moist and prevents blossom end rot.',
        '',
        '- Check the timer battery monthly.',
        '- Flush the filter after heavy rain.',
        '  - Nested: clean the emitters with vinegar.',
        '',
        '## Heating',
        '',
        'The paraffin heater keeps the frost out down to minus five degrees.',
        '',
        '| Month | Minimum night temperature |',
        '| --- | --- |',
        '| March | 4 °C |',
        '| April | 7 °C |',
        '',
      ].join('\n'),
    );
    expect(read.kind).toBe('converted');
  });

  it('leaves out the table of contents, tracked deletions and comments; reads spaces, tabs, a text box and a nested table', () => {
    const read = odtToMarkdown(fixture('minutes.odt'));
    const text = read.text;
    // The title is an automatic style whose parent is Title.
    expect(text.startsWith('# Allotment minutes\n\n## Compost\n\n')).toBe(true);
    expect(text).toContain('The compost bays are full; turn bay two before spreading it on the onion bed.');
    expect(text).toContain('Hose key hangs in the shed.');
    expect(text).toContain('| Monday | Priya \\| Tom backup: Lee |');
    expect(text).toContain('### Summer');
    for (const unread of ['quokkas', 'ferrets', 'Contents', '\t'])
      expect(text.includes(unread), unread).toBe(false);
    expect(text.match(/Water rota/g)).toHaveLength(1);
  });

  it('maps each line to the page its text is on, from the soft page breaks', () => {
    const read = odtToMarkdown(fixture('minutes.odt'));
    const lines = read.text.split('\n');
    const page = (start: string) => read.lines[lines.findIndex((l) => l.startsWith(start))];
    expect(page('A second paragraph')).toEqual({ first: 0, last: 0 });
    expect(page('## Water rota')).toEqual({ first: 1, last: 1 });
    expect(page('Last line')).toEqual({ first: 1, last: 2 });
  });

  it('reads an Impress presentation: slides under their titles, outlines, notes; no footer or page number', () => {
    const read = odtToMarkdown(fixture('deck.odp'));
    expect(read.text).toBe(
      [
        '# Quarterly review',
        '',
        'Operations team, Q3',
        '',
        '## Numbers',
        '',
        '- Churn fell to 2 %',
        '  - mostly in the small plans',
        '',
        'Say the churn number out loud before the chart.',
        '',
        '## Slide 3',
        '',
        'Questions welcome',
        '',
      ].join('\n'),
    );
    const lines = read.text.split('\n');
    expect(read.lines[lines.indexOf('## Numbers')]).toEqual({ first: 1, last: 1 });
    expect(read.lines[lines.indexOf('Questions welcome')]).toEqual({ first: 2, last: 2 });
  });

  it('joins Title paragraphs set one after another into one H1; a Title after text is a chapter', async () => {
    const { dir, cleanup } = await makeTempDir('odt');
    try {
      const file = join(dir, 'api.odt');
      const body = [
        '<text:p text:style-name="Title">Application Programmer’s Interface</text:p>',
        '<text:p text:style-name="Title">for ODFPY 0.9.1</text:p>',
        '<text:p>Copyright notice.</text:p>',
        '<text:p text:style-name="Title">Appendix</text:p>',
        '<text:h text:outline-level="1">Elements</text:h>',
      ].join('');
      writeZip(file, [
        { name: 'mimetype', data: Buffer.from('application/vnd.oasis.opendocument.text') },
        {
          name: 'content.xml',
          data: Buffer.from(
            `<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>${body}</office:text></office:body></office:document-content>`,
          ),
        },
      ]);
      expect(odtToMarkdown(readFileSync(file)).text).toBe(
        '# Application Programmer’s Interface for ODFPY 0.9.1\n\nCopyright notice.\n\n## Appendix\n\n## Elements\n',
      );
    } finally {
      await cleanup();
    }
  });

  it('a file it cannot read is skipped with the reason', () => {
    const skipped = (bytes: Uint8Array) => skipReason(odtToMarkdown, bytes);
    expect(skipped(fixture('locked.odt'))).toBe('a password-protected OpenDocument file: nothing to read');
    expect(skipped(Buffer.from('plain text'))).toMatch(
      /^not a readable OpenDocument file: not a zip archive/,
    );
    const docx = fixtureBytes('docx/report.docx');
    expect(skipped(docx)).toBe('not an OpenDocument file: it has no content.xml');
  });

  it('the markdown chunker reads an .odt from its bytes, its pages as lines', async () => {
    expect(markdownChunker.readsBytes?.('/docs/Minutes.ODT')).toBe(true);
    expect(markdownChunker.readsBytes?.('/talks/review.odp')).toBe(true);
    const chunks = await markdownChunker.chunk(
      { path: '/docs/minutes.odt', text: '', bytes: fixture('minutes.odt') },
      limits(),
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks[0]!.headingPath[0]).toBe('Allotment minutes');
    expect(chunks.at(-1)!.endLine).toBe(3);
  });
});
