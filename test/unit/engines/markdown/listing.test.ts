import { describe, expect, it } from 'vitest';
import { htmlToMarkdown } from '../../../../src/engines/markdown/html.js';
import { isListing, LinkCounts } from '../../../../src/engines/markdown/listing.js';
import { SourceText } from '../../../../src/engines/markdown/source.js';
import { chunk, prose } from './helpers.js';

/** Chunks that are mostly links to other places (src/engines/markdown/listing.ts). */
const listed = (text: string, path: string) =>
  chunk(text, undefined, path).map((c) => ({ listing: c.metadata.listing === true, text: c.text }));

/** A back-of-book index as DocBook writes one: each entry an anchored term, its places links. */
const TOPICS = ['autovacuum', 'checkpoint', 'connection pooling', 'deadlock', 'foreign key', 'index scan'];
const bookIndex = [
  '<html><head><title>Index</title></head><body><div class="index"><h1>Index</h1><dl>',
  ...TOPICS.flatMap((topic, i) =>
    Array.from({ length: 6 }, (_, j) => {
      const term = `${topic} ${j}`;
      return `<dt id="ie-${i}-${j}">${term}</dt><dd><dl><dt>configuration parameter, <a href="runtime-${i}.html#p${j}">Automatic Maintenance</a></dt><dt>storage, <a href="storage-${i}.html">Storage Parameters</a></dt></dl></dd>`;
    }),
  ),
  '</dl></div></body></html>',
].join('\n');

/** A page that answers: prose, citing other pages now and then. */
const contentPage = [
  '<html><head><title>Routine Vacuuming</title></head><body><div role="main">',
  '<h1>Routine Vacuuming</h1>',
  ...Array.from(
    { length: 6 },
    (_, i) =>
      `<h2>Part ${i}</h2><p>${prose(60, i)} See <a href="x${i}.html">the reference</a> and <a href="y${i}.html">its notes</a>.</p>`,
  ),
  '</div></body></html>',
].join('\n');

describe('listings: chunks that are mostly links', () => {
  it("an index page's chunks are all listings, though each holds only a few entries", () => {
    const chunks = listed(bookIndex, '/docs/bookindex.html');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.listing)).toBe(true);
  });

  it('a page of prose that cites other pages is no listing', () => {
    const chunks = listed(contentPage, '/docs/vacuum.html');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.some((c) => c.listing)).toBe(false);
  });

  it("on a page of prose, only its table of contents' chunk is one", () => {
    const toc = `<h2>Contents</h2><ul>${Array.from({ length: 14 }, (_, i) => `<li><a href="#s${i}">Section ${i} title</a></li>`).join('')}</ul>`;
    const page = contentPage.replace('<h1>Routine Vacuuming</h1>', `<h1>Routine Vacuuming</h1>${toc}`);
    const chunks = listed(page, '/docs/vacuum.html');
    expect(chunks.filter((c) => c.listing).map((c) => c.text)).toEqual([
      expect.stringMatching(/Section 0 title[\s\S]*Section 13 title/),
    ]);
  });

  it('a link nested in another to the same place (DocBook glossary terms) counts once', () => {
    const term = (t: string) => `<a href="g.html#${t}"><em><a href="g.html#${t}">${t}</a></em></a>`;
    const html = `<p>An ${term('auxiliary')} process that writes ${term('records')} from ${term('memory')} to ${term('files')}.</p>`;
    const page = htmlToMarkdown(html);
    const source = new SourceText(page.text);
    expect(new LinkCounts(source, page).whole).toMatchObject({ links: 4, linkWords: 4 });
  });

  it("Markdown's own links: a README's table of contents and a note of wiki links; not images, not URLs", () => {
    const toc = Array.from({ length: 10 }, (_, i) => `- [Setting ${i} up](#setting-${i}-up)`).join('\n');
    const sections = Array.from({ length: 4 }, (_, i) => `## Setting ${i} up\n\n${prose(80, i)}\n`).join(
      '\n',
    );
    const readme = `# Tool\n\n## Contents\n\n${toc}\n\n${sections}`;
    const chunks = listed(readme, '/p/README.md');
    expect(chunks.filter((c) => c.listing).map((c) => c.text)).toEqual([
      expect.stringContaining('Setting 9 up'),
    ]);

    const moc = `# Projects\n\n${Array.from({ length: 9 }, (_, i) => `- [[Project ${i}]] and [[notes/p${i}|its notes]]`).join('\n')}\n`;
    expect(listed(moc, '/vault/Projects.md').every((c) => c.listing)).toBe(true);

    const gallery = `# Photos\n\n${Array.from({ length: 12 }, (_, i) => `![Photo ${i}](img/p${i}.png)`).join('\n')}\n`;
    expect(listed(gallery, '/vault/Photos.md').some((c) => c.listing)).toBe(false);

    // A link's target is not words of the line: long URLs do not hide a listing.
    const source = new SourceText(
      'See [the docs](https://example.com/a/very/long/path/to/a/page.html) now.\n',
    );
    expect(new LinkCounts(source).of(0, 0)).toEqual({ links: 1, linkWords: 2, words: 4 });
  });

  it('needs both enough links and enough of the words in them', () => {
    expect(isListing({ links: 7, linkWords: 20, words: 20 })).toBe(false);
    expect(isListing({ links: 8, linkWords: 8, words: 20 })).toBe(true);
    expect(isListing({ links: 20, linkWords: 20, words: 100 })).toBe(false);
  });
});
