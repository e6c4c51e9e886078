import { describe, expect, it } from 'vitest';
import { markdownChunker } from '../../../../src/engines/markdown/chunker.js';
import { pdfToMarkdown } from '../../../../src/engines/markdown/pdf.js';
import { RagError } from '../../../../src/errors.js';
import { type PdfLine, writePdf } from '../../../helpers/pdf-writer.js';
import { body, limits } from './helpers.js';

/** PDFs read through their text layer (src/engines/markdown/pdf.ts), with the real pdf.js. */

/** A page as a manual prints one: a running head, its text, a page number at the foot. */
function page(n: number, lines: PdfLine[]): PdfLine[] {
  return [{ text: 'Backup Guide', y: 760, size: 9 }, ...lines, { text: String(n), y: 40, size: 9 }];
}

const manual = writePdf(
  [
    page(1, [
      { text: 'Contents', y: 700 },
      { text: '1 Backups . . . . . . . . . . 2', y: 680 },
      { text: '2 Restoring . . . . . . . . . 3', y: 665 },
    ]),
    page(2, [
      { text: '1 Backups', y: 700, size: 16 },
      { text: 'Take a base backup every night with pg_basebackup and keep the', y: 670 },
      { text: 'write-ahead log archived, so that any moment since can be re-', y: 656 },
      { text: 'stored.', y: 642 },
      { text: 'Retention', y: 600, size: 13 },
      { text: 'Keep seven daily backups and four weekly ones.', y: 580 },
    ]),
    page(3, [
      { text: '2 Restoring', y: 700, size: 16 },
      { text: 'Stop the server, move the data directory aside, and unpack the', y: 670 },
      { text: 'latest base backup in its place.', y: 656 },
    ]),
  ],
  {
    title: 'Backup Guide',
    outline: [
      { title: 'Backups', page: 1, top: 715, children: [{ title: 'Retention', page: 1, top: 615 }] },
      { title: 'Restoring', page: 2, top: 715 },
    ],
  },
);

describe('pdfToMarkdown', () => {
  it('reads the text layer under the outline, without running heads, page numbers or contents leaders', async () => {
    const read = await pdfToMarkdown(manual);
    expect(read.kind).toBe('converted');
    expect(read.text).toBe(
      [
        'Contents',
        '',
        '# 1 Backups',
        '',
        'Take a base backup every night with pg_basebackup and keep the',
        'write-ahead log archived, so that any moment since can be restored.',
        '',
        '## Retention',
        '',
        'Keep seven daily backups and four weekly ones.',
        '',
        '# 2 Restoring',
        '',
        'Stop the server, move the data directory aside, and unpack the',
        'latest base backup in its place.',
        '',
      ].join('\n'),
    );
    // A hit's lines are its pages.
    const lines = read.text.split('\n');
    expect(read.lines[lines.indexOf('Contents')]).toEqual({ first: 0, last: 0 });
    expect(read.lines[lines.indexOf('## Retention')]).toEqual({ first: 1, last: 1 });
    expect(read.lines[lines.indexOf('latest base backup in its place.')]).toEqual({ first: 2, last: 2 });
    // The document's title, for what comes before a top bookmark.
    expect(read.title).toBe('Backup Guide');
  });

  it('without an outline, takes the lines set larger than the body text as headings, largest first', async () => {
    const pages = [
      page(1, [
        { text: '1 Backups', y: 700, size: 16 },
        { text: 'Take a base backup every night with pg_basebackup and', y: 670 },
        { text: 'keep the write-ahead log in the archive folder.', y: 656 },
        { text: 'Retention', y: 620, size: 13 },
        { text: 'Keep seven daily backups and four weekly ones, and', y: 600 },
        { text: 'delete the rest with the cleanup job each Sunday.', y: 586 },
      ]),
      page(2, [
        { text: '2 Moving the archive', y: 700, size: 16 },
        { text: 'to another host', y: 682, size: 16 },
        { text: 'Copy the archive with rsync, then check its checksums', y: 650 },
        { text: 'against the list the backup job wrote beside it.', y: 636 },
      ]),
      page(3, [{ text: 'Nothing else is set large on this page, which is all body text.', y: 700 }]),
    ];
    const read = await pdfToMarkdown(writePdf(pages));
    expect(read.text).toBe(
      [
        '# 1 Backups',
        '',
        'Take a base backup every night with pg_basebackup and',
        'keep the write-ahead log in the archive folder.',
        '',
        '## Retention',
        '',
        'Keep seven daily backups and four weekly ones, and',
        'delete the rest with the cleanup job each Sunday.',
        '',
        '# 2 Moving the archive to another host',
        '',
        'Copy the archive with rsync, then check its checksums',
        'against the list the backup job wrote beside it.',
        '',
        'Nothing else is set large on this page, which is all body text.',
        '',
      ].join('\n'),
    );
    // Slides: most lines large, no body size to set them against, so no headings.
    const slides = writePdf([
      [
        { text: 'Quarterly review', y: 700, size: 28 },
        { text: 'Revenue grew', y: 600, size: 28 },
        { text: 'small print', y: 100, size: 8 },
      ],
    ]);
    expect((await pdfToMarkdown(slides)).text).not.toContain('#');
  });

  it('without an outline, reads the pages as text under no headings', async () => {
    const read = await pdfToMarkdown(writePdf([[{ text: 'Just one line of text here.', y: 700 }]]));
    expect(read.text).toBe('Just one line of text here.\n');
    expect(read.title).toBeUndefined();
  });

  it('skips what it cannot read, saying why', async () => {
    const reasons: string[] = [];
    for (const bytes of [Buffer.from('%PDF-1.4\nnot really'), writePdf([[]])]) {
      try {
        await pdfToMarkdown(bytes);
      } catch (err) {
        expect(err instanceof RagError && err.code).toBe('E_SKIPPED');
        reasons.push((err as Error).message);
      }
    }
    expect(reasons).toEqual([
      expect.stringMatching(/^not a readable PDF: /),
      'a PDF without a text layer (scanned pages?): nothing to read',
    ]);
  });
});

describe('pdfToMarkdown and the event loop', () => {
  it('lets timers and I/O run between pages: a daemon reading a book still answers searches', async () => {
    const pages = Array.from({ length: 120 }, (_, p) =>
      Array.from({ length: 30 }, (_, l) => ({
        text: `page ${p} line ${l} of a long book about backups`,
        y: 760 - l * 20,
      })),
    );
    const bytes = writePdf(pages);
    // Counts turns of the event loop, whatever the machine's speed.
    let ticks = 0;
    let timer = setImmediate(function tick() {
      ticks++;
      timer = setImmediate(tick);
    });
    try {
      const read = await pdfToMarkdown(bytes);
      expect(read.text).toContain('page 119 line 15 of a long book');
    } finally {
      clearImmediate(timer);
    }
    // The loop turns at least once a page; pdf.js alone, which answers itself through promises,
    // let it turn a handful of times in all.
    expect(ticks).toBeGreaterThanOrEqual(pages.length);
  });
});

describe('the markdown chunker on a PDF', () => {
  it('reads it as bytes, chunks it under its bookmarks, and gives pages as lines', async () => {
    expect(markdownChunker.readsBytes?.('/docs/guide.PDF')).toBe(true);
    expect(markdownChunker.readsBytes?.('/docs/guide.md')).toBe(false);
    const chunks = await markdownChunker.chunk(
      { path: '/docs/guide.pdf', text: '', bytes: manual },
      limits(64, 0),
    );
    const retention = chunks.find((c) => body(c).includes('seven daily backups'))!;
    // As a Markdown note's front matter title, the document's title is no root beside top headings.
    expect(retention.headingPath).toEqual(['1 Backups', 'Retention']);
    expect([retention.startLine, retention.endLine]).toEqual([2, 2]);
    const restoring = chunks.find((c) => body(c).includes('unpack the'))!;
    expect(restoring.headingPath).toEqual(['2 Restoring']);
    expect([restoring.startLine, restoring.endLine]).toEqual([3, 3]);
  });
});
