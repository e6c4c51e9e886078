import { describe, expect, it } from 'vitest';
import { SourceText } from '../../../../src/engines/markdown/source.js';
import { adocTitles, orgTitles, rstTitles } from '../../../../src/engines/markdown/titles.js';
import { body, chunk, expectAllTextCovered, expectValidChunks, limits, meta, prose } from './helpers.js';

/** reStructuredText and Org: read as plain text under their own headings (src/engines/markdown/titles.ts). */
const titles = (lines: string[]) =>
  rstTitles(new SourceText(lines.join('\n')), 0).map((t) => [t.title, t.level, t.start, t.end]);

describe('rstTitles', () => {
  it('levels follow the order styles first appear in; an overline makes another style', () => {
    expect(
      titles([
        '#####', // 0: overlined '#': level 1
        'Guide',
        '#####',
        '',
        'Intro text.',
        '',
        'Install', // 6: underlined '=': level 2
        '=======',
        '',
        'On Linux', // 9: underlined '-': level 3
        '--------',
        '',
        '=====', // 12: overlined '=' is not underlined '=': level 4
        'Other',
        '=====',
        '',
        'Upgrade', // 16: '=' again: level 2
        '=========',
      ]),
    ).toEqual([
      ['Guide', 1, 0, 3],
      ['Install', 2, 6, 8],
      ['On Linux', 3, 9, 11],
      ['Other', 4, 12, 15],
      ['Upgrade', 2, 16, 18],
    ]);
  });

  it('is not fooled by short underlines, paragraph lines, indented text or transitions', () => {
    expect(
      titles([
        'A title too long for its underline',
        '-----',
        '',
        'A paragraph that goes on',
        'over two lines',
        '==============',
        '',
        '    indented text',
        '    -------------',
        '',
        'before a transition',
        '',
        '----------',
        '',
        'after it',
      ]),
    ).toEqual([]);
  });

  it("reads Sphinx's object descriptions as headings below their section, methods below their class", () => {
    expect(
      titles([
        'Counter objects', // 0
        '---------------',
        '',
        '.. class:: Counter([iterable-or-mapping])', // 3
        '',
        '   A dict subclass for counting.',
        '',
        '   .. method:: most_common([n])', // 7
        '',
        '      The n most common elements.',
        '',
        '   .. py:attribute:: total', // 11
        '',
        '.. function:: namedtuple(typename, field_names)', // 13
        '',
        '.. note:: not a description', // 15
        '',
        'Deque objects', // 17
        '-------------',
        '',
        '.. class:: deque([iterable])', // 20
      ]),
    ).toEqual([
      ['Counter objects', 1, 0, 2],
      ['Counter([iterable-or-mapping])', 2, 3, 4],
      ['most_common([n])', 3, 7, 8],
      ['total', 3, 11, 12],
      ['namedtuple(typename, field_names)', 2, 13, 14],
      ['Deque objects', 1, 17, 19],
      ['deque([iterable])', 2, 20, 21],
    ]);
  });

  it('takes roles, literals and references out of a title', () => {
    expect(
      titles([
        ':mod:`json` --- JSON encoder and decoder',
        '=========================================',
        '',
        'The ``dumps`` function and :ref:`Its options <dumps-options>`',
        '--------------------------------------------------------------',
        '',
        'See `the spec <https://json.org>`_',
        '----------------------------------',
      ]).map((t) => t[0]),
    ).toEqual(['json --- JSON encoder and decoder', 'The dumps function and Its options', 'See the spec']);
  });
});

describe('the chunker reads .rst and .rst.txt under their titles', () => {
  const text = [
    '****************',
    'Sockets HOWTO',
    '****************',
    '',
    prose(30, 1),
    '',
    'Creating a socket',
    '=================',
    '',
    prose(30, 2),
    '',
    '.. code-block:: python',
    '',
    '    s = socket.socket()',
    '',
    '~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
    '',
    'Blocking and non-blocking',
    '-------------------------',
    '',
    prose(30, 3),
    '',
  ].join('\n');

  it.each([['/home/me/docs/sockets.rst'], ['/home/me/docs/_sources/sockets.rst.txt']])(
    '%s: each part under its title, the file text kept as it is',
    (path) => {
      const lim = limits(64, 0);
      const chunks = chunk(text, lim, path);
      expectValidChunks(text, chunks, lim, { path });
      expectAllTextCovered(text, chunks);
      expect(chunks.filter((c) => meta(c).oversize)).toEqual([]);
      const paths = [...new Set(chunks.map((c) => c.headingPath.join(' > ')))];
      expect(paths).toEqual([
        'Sockets HOWTO',
        'Sockets HOWTO > Creating a socket',
        'Sockets HOWTO > Creating a socket > Blocking and non-blocking',
      ]);
      // The adornments stay in the body: the chunk is the file's own lines.
      expect(body(chunks[0]!).startsWith('****************\nSockets HOWTO\n****************')).toBe(true);
    },
  );

  it('the same text as .txt has only setext headings, not the page title; as .md its ~~~ line would open a fence', () => {
    const lim = limits(64, 0);
    const asText = chunk(text, lim, '/home/me/docs/sockets.txt');
    expect(asText.some((c) => c.headingPath.includes('Sockets HOWTO'))).toBe(false);
    expect(chunk(text, lim, '/home/me/docs/sockets.md').some((c) => meta(c).oversize)).toBe(true);
  });
});

describe('Org headlines', () => {
  const org = [
    '#+TITLE: Garden',
    '',
    '* Beds',
    prose(20, 4),
    '** TODO [#A] Water the tomatoes   :daily:garden:',
    '- in the morning',
    '- not on the leaves',
    '*** DONE Mulch',
    prose(20, 5),
    '* :archive:',
    'old notes',
    '*not a headline*, emphasis',
    '',
  ].join('\n');

  it('stars give the level; keyword, priority and tags stay out of the title', () => {
    expect(orgTitles(new SourceText(org), 0).map((t) => [t.title, t.level, t.start])).toEqual([
      ['Beds', 1, 2],
      ['Water the tomatoes', 2, 4],
      ['Mulch', 3, 7],
      ['', 1, 9],
    ]);
  });

  it('the chunker reads .org under its headlines, not as Markdown lists', () => {
    const lim = limits(48, 0);
    const chunks = chunk(org, lim, '/home/me/notes/garden.org');
    expectValidChunks(org, chunks, lim, { path: '/home/me/notes/garden.org' });
    expectAllTextCovered(org, chunks);
    const mulch = chunks.find((c) => body(c).includes('DONE Mulch'));
    // #+TITLE is the root of every path, as a note's front matter title is.
    expect(mulch?.headingPath).toEqual(['Garden', 'Beds', 'Water the tomatoes', 'Mulch']);
    expect(chunks[0]!.headingPath[0]).toBe('Garden');
    // As Markdown, the same headlines are list items, under no heading.
    expect(chunk(org, lim, '/home/me/notes/garden.md').every((c) => c.headingPath.length === 0)).toBe(true);
  });
});

describe('AsciiDoc titles', () => {
  const adoc = [
    '= Operations Guide', // 0
    ':toc:',
    '',
    prose(20, 6),
    '',
    '[[deploy]]',
    '== Deploying', // 6
    prose(20, 7),
    '',
    '[source,bash]',
    '----',
    '== not a title inside a listing', // 11
    '....',
    'still in the listing',
    '----',
    '',
    '=== Rolling back ===', // 16
    'Use the previous tag.',
    '== this line continues the paragraph above, it is not a title',
    '',
    '////',
    '== commented out',
    '////',
    '',
    '## Markdown-style section', // 24
    prose(10, 8),
    '',
  ].join('\n');

  it('equals signs give the level; delimited blocks and paragraph lines hold no titles', () => {
    expect(adocTitles(new SourceText(adoc), 0).map((t) => [t.title, t.level, t.start])).toEqual([
      ['Operations Guide', 1, 0],
      ['Deploying', 2, 6],
      ['Rolling back', 3, 16],
      ['Markdown-style section', 2, 24],
    ]);
  });

  it('the chunker reads .adoc under its titles, its listing kept as text of its section', () => {
    const lim = limits(48, 0);
    const path = '/home/me/docs/ops.adoc';
    const chunks = chunk(adoc, lim, path);
    expectValidChunks(adoc, chunks, lim, { path });
    expectAllTextCovered(adoc, chunks);
    const paths = [...new Set(chunks.map((c) => c.headingPath.join(' > ')))];
    expect(paths).toEqual([
      'Operations Guide',
      'Operations Guide > Deploying',
      'Operations Guide > Deploying > Rolling back',
      'Operations Guide > Markdown-style section',
    ]);
    const listing = chunks.find((c) => body(c).includes('not a title inside a listing'))!;
    expect(listing.headingPath).toEqual(['Operations Guide', 'Deploying']);
  });
});
