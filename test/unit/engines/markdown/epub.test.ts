import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdownChunker } from '../../../../src/engines/markdown/chunker.js';
import { epubToMarkdown } from '../../../../src/engines/markdown/epub.js';
import { makeTempDir } from '../../../helpers/temp.js';
import { writeZip } from '../../../helpers/zip-writer.js';
import { fixtureBytes, limits, skipReason } from './helpers.js';

/** E-books read as Markdown (src/engines/markdown/epub.ts); fixtures: test/fixtures/epub/README.md. */

describe('epubToMarkdown', () => {
  it('reads the chapters in reading order under the book title, without title page and contents', () => {
    const read = epubToMarkdown(fixtureBytes('epub/book.epub'));
    expect(read.text).toBe(
      [
        '# The Sourdough Notebook',
        '',
        '## Starter',
        '',
        'Feed the starter twice a day with equal weights of rye flour and water; it is ready when it doubles within six hours and smells of yoghurt, not acetone.',
        '',
        '### Storing it',
        '',
        'A starter kept in the fridge needs one feed a week.',
        '',
        '## Baking day',
        '',
        'Autolyse the flour and water for an hour before adding the levain and the salt.',
        '',
        'Step | Time',
        '',
        'Bulk | 5 h',
        'Proof | 14 h in the fridge',
        '',
      ].join('\n'),
    );
    // Lines are chapters, in reading order.
    const lines = read.text.split('\n');
    expect(read.lines[lines.indexOf('### Storing it')]).toEqual({ first: 0, last: 0 });
    expect(read.lines[lines.indexOf('## Baking day')]).toEqual({ first: 1, last: 1 });
  });

  it('reads a book whose package sits at the root and whose hrefs are escaped, or badly escaped', async () => {
    const { dir, cleanup } = await makeTempDir('epub');
    try {
      const file = join(dir, 'b.epub');
      const page = (h: string, p: string) =>
        `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><h1>${h}</h1><p>${p}</p></body></html>`;
      writeZip(file, [
        { name: 'mimetype', data: Buffer.from('application/epub+zip') },
        {
          name: 'META-INF/container.xml',
          data: Buffer.from(
            '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="book.opf"/></rootfiles></container>',
          ),
        },
        {
          name: 'book.opf',
          data: Buffer.from(
            '<package xmlns="http://www.idpf.org/2007/opf"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Field &amp; Notes</dc:title></metadata>' +
              '<manifest><item id="a" href="part%20one.xhtml" media-type="application/xhtml+xml"/><item id="b" href="100%.xhtml" media-type="application/xhtml+xml"/></manifest>' +
              '<spine><itemref idref="a"/><itemref idref="b"/></spine></package>',
          ),
        },
        { name: 'part one.xhtml', data: Buffer.from(page('Moths', 'Moths come to the lamp at dusk.')) },
        { name: '100%.xhtml', data: Buffer.from(page('Beetles', 'Beetles hide under the bark.')) },
      ]);
      const read = epubToMarkdown(readFileSync(file));
      expect(read.text).toBe(
        '# Field & Notes\n\n## Moths\n\nMoths come to the lamp at dusk.\n\n## Beetles\n\nBeetles hide under the bark.\n',
      );
    } finally {
      await cleanup();
    }
  });

  it('a book it cannot read is skipped with the reason', () => {
    const skipped = (bytes: Uint8Array) => skipReason(epubToMarkdown, bytes);
    expect(skipped(fixtureBytes('epub/locked.epub'))).toBe(
      'a DRM-protected EPUB (its chapters are encrypted): nothing to read',
    );
    expect(skipped(fixtureBytes('docx/report.docx'))).toBe(
      'not an EPUB book: no package document named by META-INF/container.xml',
    );
  });

  it('the markdown chunker reads an .epub under its title, chapters as lines', async () => {
    expect(markdownChunker.readsBytes?.('/books/Bread.EPUB')).toBe(true);
    const chunks = await markdownChunker.chunk(
      { path: '/books/bread.epub', text: '', bytes: fixtureBytes('epub/book.epub') },
      limits(),
    );
    expect(chunks[0]!.headingPath[0]).toBe('The Sourdough Notebook');
    expect(chunks.at(-1)!.endLine).toBe(2);
  });
});
