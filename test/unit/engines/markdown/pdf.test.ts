import { describe, expect, it } from 'vitest';
import { markdownChunker } from '../../../../src/engines/markdown/chunker.js';
import { pdfToMarkdown } from '../../../../src/engines/markdown/pdf.js';
import { RagError } from '../../../../src/errors.js';
import { type PdfLine, writePdf } from '../../../helpers/pdf-writer.js';
import { body, limits, meta } from './helpers.js';

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

/** Lines of body text down from `top`, one every 14 points. */
function text(lines: string[], top = 700): PdfLine[] {
  return lines.map((line, i) => ({ text: line, y: top - 14 * i }));
}

/** A running head on one baseline: the chapter's title at the left, the page's number at the right. */
function head(left: string, right: string): PdfLine[] {
  return [
    { text: left, y: 760, size: 9 },
    { text: right, y: 760, x: 530, size: 9 },
  ];
}

describe('pdfToMarkdown: running heads and feet', () => {
  it("leaves out heads that change with each chapter and print the page's number or label beside them", async () => {
    // As texinfo sets a manual: a chapter opens under its number alone, its other pages under
    // `Chapter N: Title <page>`; the front matter is numbered in roman numerals (page labels).
    const read = await pdfToMarkdown(
      writePdf(
        [
          [
            { text: 'i', y: 760, size: 9 },
            { text: 'Preface', y: 700, size: 16 },
            ...text(['This guide is for the operators.'], 670),
          ],
          [...head('Preface', 'ii'), ...text(['It assumes a running server.'])],
          [
            { text: '1', y: 760, size: 9 },
            { text: '1 Backups', y: 700, size: 16 },
            ...text(['Take a base backup every night.'], 670),
          ],
          [
            ...head('Chapter 1: Backups', '2'),
            ...text(['Keep the write-ahead log archived', 'on a second disk.']),
          ],
          [
            ...head('Chapter 1: Backups', '3'),
            ...text(['pg_restore --jobs 3', 'restores with three workers.']),
          ],
          [...head('Chapter 1: Backups', '4'), ...text(['Check each backup once a week.'])],
          [
            { text: '5', y: 760, size: 9 },
            { text: '2 Restoring', y: 700, size: 16 },
            ...text(['Stop the server first.'], 670),
          ],
          [...head('Chapter 2: Restoring', '6'), ...text(['Move the data directory aside.'])],
          [...head('Chapter 2: Restoring', '7'), ...text(['Unpack the latest base backup.'])],
        ],
        {
          pageLabels: [
            { page: 0, style: 'r' },
            { page: 2, style: 'D' },
          ],
        },
      ),
    );
    expect(read.text).toBe(
      [
        '# Preface',
        '',
        'This guide is for the operators.',
        '',
        'It assumes a running server.',
        '',
        '# 1 Backups',
        '',
        'Take a base backup every night.',
        '',
        'Keep the write-ahead log archived',
        'on a second disk.',
        '',
        // Its last word is the page's number, but it is not where the heads print theirs.
        'pg_restore --jobs 3',
        'restores with three workers.',
        '',
        'Check each backup once a week.',
        '',
        '# 2 Restoring',
        '',
        'Stop the server first.',
        '',
        'Move the data directory aside.',
        '',
        'Unpack the latest base backup.',
        '',
      ].join('\n'),
    );
  });

  it('leaves out heads that alternate between even and odd pages, numbered without page labels', async () => {
    const STEPS = [
      'Stop writes to the database.',
      'Flush the buffers to disk.',
      'Take a snapshot of the volume.',
      'Let writes go on again.',
      'Copy the snapshot off the host.',
      'Compare the checksums.',
      'Drop the snapshot.',
      'Mail the report.',
    ];
    // As gnuplot's manual: `150 gnuplot 5.4` on even pages, `gnuplot 5.4 151` on odd ones.
    const pages: PdfLine[][] = [
      [
        { text: 'Backup Guide', y: 600, size: 24 },
        { text: 'Version 5.4', y: 560 },
      ],
    ];
    for (let n = 1; n <= 8; n++) {
      const running =
        n % 2
          ? head('Backup Guide 5.4', String(n))
          : [
              { text: String(n), y: 760, size: 9 },
              { text: 'Backup Guide 5.4', y: 760, x: 100, size: 9 },
            ];
      pages.push([...running, ...text([STEPS[n - 1]!])]);
    }
    // A footnote whose number happens to be its page's.
    pages[4]!.push({ text: '4 Only full backups count here.', y: 80, size: 9 });
    const read = await pdfToMarkdown(writePdf(pages));
    expect(read.text).toBe(
      [
        '# Backup Guide',
        '',
        'Version 5.4',
        '',
        ...Array.from({ length: 8 }, (_, i) => [
          STEPS[i]!,
          ...(i === 3 ? ['', '4 Only full backups count here.'] : []),
          '',
        ]).flat(),
      ].join('\n'),
    );
  });

  it("leaves out a chapter's head without a number where its pages repeat it, the number at the foot", async () => {
    // Each page's last line sits at the foot of the text, over the page number. On three pages
    // running it is the same `Example:`, as a head would be, but that place holds other lines on
    // other pages: it is text.
    const middle = [
      'Opening words on backups.',
      'Keep the archive on a second disk.',
      'Prune it every Sunday.',
      'Watch the free space.',
      'Opening words on restoring.',
      'Stop the server first.',
      'Move the data aside.',
      'Unpack the base backup.',
    ];
    const closing = [
      'Backups run at night.',
      'Example:',
      'Example:',
      'Example:',
      'Restores are run by hand.',
      'Check the logs after.',
      'Tell the users when done.',
      'Then close the ticket.',
    ];
    const pages = closing.map((last, p) => {
      const chapter = p < 4 ? '1 Backups' : '2 Restoring';
      const top =
        p % 4 === 0
          ? [{ text: chapter, y: 700, size: 16 }, ...text([middle[p]!], 670)]
          : [{ text: `Chapter ${chapter.replace(' ', '. ')}`, y: 760, size: 9 }, ...text([middle[p]!])];
      return [...top, { text: last, y: 100 }, { text: String(p + 1), y: 40, size: 9 }];
    });
    const read = await pdfToMarkdown(writePdf(pages));
    expect(read.text).toBe(
      closing
        .flatMap((last, p) => {
          const chapter = p < 4 ? '1 Backups' : '2 Restoring';
          const top = p % 4 === 0 ? [`# ${chapter}`, '', middle[p]!] : [middle[p]!];
          return [...top, '', last, ''];
        })
        .join('\n'),
    );
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
  it('shows a code line opening with `#` as the page prints it, as text and not a heading', async () => {
    const code = [
      '#include <R.h>',
      '#include <Rinternals.h>',
      'SEXP convolve2(SEXP a, SEXP b)',
      '#! /usr/bin/env Rscript',
      '# a comment, not a title',
      '### neither is this',
    ];
    const bytes = writePdf([
      [
        { text: 'Calling .Call', y: 740, size: 16 },
        { text: 'The C code of the finite convolution starts with its headers:', y: 700 },
        ...text(code, 686),
        { text: 'and is compiled by R CMD SHLIB.', y: 580 },
      ],
    ]);
    const read = await pdfToMarkdown(bytes);
    // Escaped for the parser, which would read `# a comment` as a heading.
    expect(read.text).toContain('\\#include <R.h>');
    const chunks = await markdownChunker.chunk({ path: '/docs/r-exts.pdf', text: '', bytes }, limits(256, 0));
    expect(chunks.map((c) => [c.headingPath, body(c)])).toEqual([
      [
        ['Calling .Call'],
        [
          '# Calling .Call',
          '',
          'The C code of the finite convolution starts with its headers:',
          ...code,
          '',
          'and is compiled by R CMD SHLIB.',
        ].join('\n'),
      ],
    ]);
    // Cut into pieces, each piece's lines still read as the page prints them.
    const pieces = await markdownChunker.chunk({ path: '/docs/r-exts.pdf', text: '', bytes }, limits(20, 0));
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.map(body).join('\n')).not.toContain('\\');
    for (const line of code.filter((l) => l.startsWith('#')))
      expect(
        pieces.some((c) => body(c).split('\n').includes(line)),
        line,
      ).toBe(true);
    expect(pieces.every((c) => c.headingPath.join() === 'Calling .Call')).toBe(true);
  });

  it('gives the numbers the pages print beside their places, where the page labels differ', async () => {
    const pages = [
      text(['Preface: this guide is for the operators of the backup service.']),
      text(['Contents: backups, then restoring them from the archive.']),
      text(['Backups: take a base backup every night with pg_basebackup.']),
      text(['Restoring: stop the server and unpack the latest base backup.']),
    ];
    const labelled = writePdf(pages, {
      pageLabels: [
        { page: 0, style: 'r' },
        { page: 2, style: 'D' },
      ],
    });
    expect((await pdfToMarkdown(labelled)).labels).toEqual(['i', 'ii', '1', '2']);
    const chunks = await markdownChunker.chunk(
      { path: '/docs/guide.pdf', text: '', bytes: labelled },
      limits(24, 0),
    );
    expect(chunks.map((c) => [c.startLine, c.endLine, meta(c).pageLabels])).toEqual([
      [1, 1, 'i'],
      [2, 2, 'ii'],
      [3, 3, '1'],
      [4, 4, '2'],
    ]);
    // Labels that are the pages' own numbers say nothing new.
    const plain = writePdf(pages, { pageLabels: [{ page: 0, style: 'D' }] });
    expect((await pdfToMarkdown(plain)).labels).toBeUndefined();
    const unlabelled = await markdownChunker.chunk(
      { path: '/docs/guide.pdf', text: '', bytes: plain },
      limits(24, 0),
    );
    expect(unlabelled.map((c) => meta(c).pageLabels)).toEqual([undefined, undefined, undefined, undefined]);
    // Labels that hold a hyphen (libtasn1's title pages, `T-1-i`) make a range in words.
    const prefixed = writePdf(pages, { pageLabels: [{ page: 0, style: 'r', prefix: 'T-1-' }] });
    const wide = await markdownChunker.chunk(
      { path: '/docs/guide.pdf', text: '', bytes: prefixed },
      limits(256, 64),
    );
    expect(wide.map((c) => meta(c).pageLabels)).toEqual(['T-1-i to T-1-iv']);
  });

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
