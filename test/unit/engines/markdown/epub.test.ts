import { describe, expect, it } from 'vitest';
import { markdownChunker } from '../../../../src/engines/markdown/chunker.js';
import { epubToMarkdown } from '../../../../src/engines/markdown/epub.js';
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
