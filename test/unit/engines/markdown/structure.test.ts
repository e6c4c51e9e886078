import { describe, expect, it } from 'vitest';
import {
  body,
  chunk,
  chunkWith,
  expectAllTextCovered,
  expectValidChunks,
  fileLines,
  fixture,
  limits,
  meta,
  prose,
  proseOfTokens,
  tokens,
} from './helpers.js';

describe('heading paths', () => {
  it('follows ATX headings, outermost first', () => {
    const text = `# Guide\n\n${prose(60)}\n\n## Install\n\n${prose(60, 1)}\n\n### macOS\n\n${prose(60, 2)}\n`;
    const chunks = chunk(text, limits(256, 0));
    expect(chunks.map((c) => c.headingPath)).toEqual([
      ['Guide'],
      ['Guide', 'Install'],
      ['Guide', 'Install', 'macOS'],
    ]);
    expect(chunks.map((c) => c.startLine)).toEqual([1, 5, 9]);
    expectValidChunks(text, chunks, limits(256, 0));
  });

  it('reads setext headings as H1 (===) and H2 (---)', () => {
    const text = `Guide\n=====\n\n${prose(40)}\n\nInstall\n-------\n\n${prose(40, 1)}\n\n### macOS\n\n${prose(40, 2)}\n`;
    const chunks = chunk(text, limits(256, 0));
    expect(chunks.map((c) => c.headingPath)).toEqual([
      ['Guide'],
      ['Guide', 'Install'],
      ['Guide', 'Install', 'macOS'],
    ]);
    expect(body(chunks[1]!).startsWith('Install\n-------\n')).toBe(true);
  });

  it('leaves no gap for skipped levels and pops deeper headings', () => {
    const text = `# A\n\n${prose(30)}\n\n### C\n\n${prose(30, 1)}\n\n## B\n\n${prose(30, 2)}\n\n# D\n\n${prose(30, 3)}\n`;
    const chunks = chunk(text, limits(256, 0));
    expect(chunks.map((c) => c.headingPath)).toEqual([['A'], ['A', 'C'], ['A', 'B'], ['D']]);
  });

  it('says a heading under one of the same title once, as a one-page edition nests them', () => {
    const text = `# Lifetimes\n\n## Lifetimes\n\n${prose(30)}\n\n### Elision\n\n${prose(30, 1)}\n`;
    const chunks = chunk(text, limits(256, 0));
    expect(chunks.map((c) => c.headingPath)).toEqual([['Lifetimes'], ['Lifetimes', 'Elision']]);
  });

  it('follows HTML headings as Markdown ones, as an FAQ written with <h3> anchors has them', () => {
    const text = `## FAQ\n\n${prose(30)}\n\n<h3 name="order">\nHow can I sort the output?\n</h3>\n\n${prose(30, 1)}\n\n<h3 name="zip">\nHow do I search compressed files?\n</h3>\n\n${prose(30, 2)}\n`;
    const chunks = chunk(text, limits(256, 0));
    expect(chunks.map((c) => c.headingPath)).toEqual([
      ['FAQ'],
      ['FAQ', 'How can I sort the output?'],
      ['FAQ', 'How do I search compressed files?'],
    ]);
    expect(body(chunks[1]!).startsWith('<h3 name="order">\nHow can I sort the output?\n</h3>')).toBe(true);
    expectValidChunks(text, chunks, limits(256, 0));
  });

  it('keeps heading text as plain text: no markup, link targets or escapes', () => {
    const text = [
      '# Install *quickly* with [the installer](https://example.com/x "title") and `npm`',
      '',
      prose(20),
      '',
      '## ![logo](logo.png) Logo &amp; __bold__ \\* [ref link][r]',
      '',
      prose(20, 1),
      '',
      '[r]: https://example.com/r',
    ].join('\n');
    const chunks = chunk(text, limits(256, 0));
    expect(chunks[1]!.headingPath).toEqual([
      'Install quickly with the installer and npm',
      'logo Logo & bold * ref link',
    ]);
  });

  it('does not open sections for headings inside lists or quotes, nor add empty headings', () => {
    const text = `# Top\n\n- # inside a list\n- item\n\n> ## inside a quote\n\n##\n\n${prose(20)}\n`;
    const chunks = chunk(text, limits(256, 0));
    expect(chunks.map((c) => c.headingPath)).toEqual([['Top'], ['Top']]);
    expect(body(chunks[0]!)).toContain('# inside a list');
  });

  it('makes no chunk of a title alone when the next chunk is full: its breadcrumb carries the title', () => {
    const text = `Release Notes\n=============\n\nFeatures\n--------\n\n${proseOfTokens(150)}\n\n${proseOfTokens(150, 1)}\n`;
    const chunks = chunk(text);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => body(c).trim() !== 'Release Notes\n=============')).toBe(true);
    expect(chunks[0]!.headingPath).toEqual(['Release Notes', 'Features']);
    expect(chunks[0]!.text.startsWith('Release Notes > Features\n\n')).toBe(true);
    expectValidChunks(text, chunks, limits());
    // Where the text after it has room, the title is glued to it as before.
    const short = chunk(`Release Notes\n=============\n\nFeatures\n--------\n\n${prose(30)}\n`);
    expect(short).toHaveLength(1);
    expect(body(short[0]!).startsWith('Release Notes\n=============')).toBe(true);
  });

  it('puts text before the first heading under an empty path', () => {
    const chunks = chunk(`${prose(40)}\n\n# Later\n\n${prose(40, 1)}\n`, limits(256, 0));
    expect(chunks[0]!.headingPath).toEqual([]);
    expect(meta(chunks[0]!).bodyOffset).toBe(0);
  });
});

describe('code fences are not split; a pasted log of megabytes is, by lines', () => {
  const bigFence = [
    '```python',
    ...Array.from({ length: 80 }, (_, i) => `value_${i} = compute(${i}) + offset`),
    '```',
  ];

  it('makes a fence over the limit a chunk of its own, whole', () => {
    const text = [`# Code`, '', prose(20), '', ...bigFence, '', prose(20, 1), ''].join('\n');
    const lim = limits(128, 0);
    const chunks = chunk(text, lim);
    const fence = chunks.find((c) => meta(c).oversize)!;
    expect(body(fence)).toBe(bigFence.join('\n'));
    expect(tokens(fence.text)).toBeGreaterThan(128);
    expect([fence.startLine, fence.endLine]).toEqual([5, 5 + bigFence.length - 1]);
    expect(chunks.filter((c) => meta(c).oversize)).toHaveLength(1);
    expect(chunks.filter((c) => !meta(c).oversize).every((c) => !body(c).includes('value_'))).toBe(true);
    expectValidChunks(text, chunks, lim);
  });

  it('cuts a pasted log of megabytes into windows of lines, each oversize, together every line', () => {
    const log = Array.from(
      { length: 25_000 },
      (_, i) => `2024-03-12 10:${String(i % 60).padStart(2, '0')} worker ${i} ok`,
    );
    log[20_000] = '2024-03-12 11:00 quokka checksum mismatch';
    const text = ['# Journal', '', 'Pasted the worker log:', '', '```', ...log, '```', ''].join('\n');
    const chunks = chunk(text, limits(128, 0));
    const windows = chunks.filter((c) => meta(c).oversize);
    expect(windows.length).toBeGreaterThan(40);
    for (const w of windows) expect(body(w).length).toBeLessThanOrEqual(16 * 1024);
    // Every line of the fence is in exactly one window, in order.
    const shown = windows.flatMap((w) => body(w).split('\n')).filter((l) => !l.startsWith('#'));
    expect(shown).toEqual(['```', ...log, '```']);
    expect(windows.filter((w) => body(w).includes('quokka'))).toHaveLength(1);
    expect(new Set(windows.map((w) => meta(w).section)).size).toBe(1);
  });

  it('lets only the heading of its own section lead an oversize fence', () => {
    const text = ['## Big', '', ...bigFence, ''].join('\n');
    const chunks = chunk(text, limits(128, 0));
    expect(chunks).toHaveLength(1);
    expect(body(chunks[0]!)).toBe(['## Big', '', ...bigFence].join('\n'));
    expect(meta(chunks[0]!).oversize).toBe(true);
  });

  it('keeps a fence that fits whole even when it does not fit beside its neighbours', () => {
    const fence = ['```', ...Array.from({ length: 8 }, (_, i) => `line ${i} of the fence`), '```'];
    const text = [prose(70), '', ...fence, '', prose(70, 1)].join('\n');
    const lim = limits(128, 0);
    const chunks = chunk(text, lim);
    expect(chunkWith(chunks, 'line 0 of the fence').text).toContain('line 7 of the fence\n```');
    for (const c of chunks) expect((body(c).match(/```/g) ?? []).length % 2).toBe(0);
    expectValidChunks(text, chunks, lim);
  });

  it('keeps a fence inside a list item whole when the list is split', () => {
    const fence = ['  ```sh', ...Array.from({ length: 6 }, (_, i) => `  echo step ${i}`), '  ```'];
    const items = Array.from({ length: 6 }, (_, i) => [
      `- item ${i}: ${prose(25, i)}`,
      '',
      ...fence,
      '',
    ]).flat();
    const text = items.join('\n');
    const lim = limits(128, 0);
    const chunks = chunk(text, lim);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect((body(c).match(/```/g) ?? []).length % 2).toBe(0);
    expectValidChunks(text, chunks, lim);
    expectAllTextCovered(text, chunks);
  });

  it('splits an oversize list item around its fence, which stays whole', () => {
    const fence = [
      '   ```',
      ...Array.from({ length: 70 }, (_, i) => `   run --step ${i} --verbose`),
      '   ```',
    ];
    const text = ['1. Before the fence.', '', ...fence, '', `   ${prose(30)}`, '2. Next item.'].join('\n');
    const lim = limits(128, 0);
    const chunks = chunk(text, lim);
    const oversize = chunks.filter((c) => meta(c).oversize);
    expect(oversize).toHaveLength(1);
    expect(body(oversize[0]!)).toBe(fence.join('\n'));
    expectValidChunks(text, chunks, lim);
    expectAllTextCovered(text, chunks);
  });

  it('treats indented code blocks like fences', () => {
    const code = Array.from({ length: 60 }, (_, i) => `    indented_${i} = ${i} * factor`);
    const text = [prose(10), '', ...code, '', prose(10, 1)].join('\n');
    const chunks = chunk(text, limits(128, 0));
    const oversize = chunks.filter((c) => meta(c).oversize);
    expect(oversize).toHaveLength(1);
    expect(body(oversize[0]!)).toBe(code.join('\n'));
  });
});

describe('plain text (.txt) has no code or HTML blocks', () => {
  const TXT = '/home/me/notes/journal.txt';
  // A separator line of tildes, as plain-text writers draw them, then indented paragraphs.
  const text = [
    'Trip notes',
    '~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
    '',
    ...Array.from({ length: 12 }, (_, i) => `    ${prose(12, i)}\n`),
    '~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
    '',
    '<b>not html</b>',
    '',
    'Packing list',
    '------------',
    '',
    prose(12, 99),
    '',
  ].join('\n');

  it('splits what Markdown would read as one long fence or code block', () => {
    const lim = limits(64, 0);
    const asText = chunk(text, lim, TXT);
    expect(asText.filter((c) => meta(c).oversize)).toEqual([]);
    expect(asText.length).toBeGreaterThan(5);
    expectValidChunks(text, asText, lim, { path: TXT });
    expectAllTextCovered(text, asText);
    // Setext headings stay headings.
    expect(asText.at(-1)!.headingPath).toEqual(['Packing list']);

    // The same text as .md: the tilde line opens a fence, kept whole.
    const asMarkdown = chunk(text, lim);
    expect(asMarkdown.filter((c) => meta(c).oversize).length).toBeGreaterThan(0);
  });
});

describe('lists, tables and quotes split between items', () => {
  /** Each item (its lines from `first` to `last` marker) lies in one chunk. */
  function expectWhole(chunks: ReturnType<typeof chunk>, first: string, last: string): void {
    const c = chunkWith(chunks, first);
    expect(body(c), `${first} … ${last} in one chunk`).toContain(last);
  }

  it('splits a long list between top-level items, with nested lists inside their item', () => {
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) {
      lines.push(
        `- item ${i} start ${prose(12, i)}`,
        `  continued ${i}`,
        `  - nested ${i}a`,
        `  - nested ${i}b end${i}`,
      );
    }
    const text = lines.join('\n');
    const lim = limits(96, 0);
    const chunks = chunk(text, lim);
    expect(chunks.length).toBeGreaterThan(2);
    for (let i = 0; i < 12; i++) expectWhole(chunks, `item ${i} start`, `end${i}`);
    expectValidChunks(text, chunks, lim);
  });

  it('splits an item over the limit at its own blocks, then lines', () => {
    const text = [`- ${prose(60)}`, '', `  ${prose(60, 1)}`, '', `  ${prose(60, 2)}`, '- short item'].join(
      '\n',
    );
    const lim = limits(96, 0);
    const chunks = chunk(text, lim);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    // Each paragraph of the item fits, so each is whole in one chunk.
    for (const n of [1, 3, 5]) expect(chunks.some((c) => c.startLine === n && c.endLine >= n)).toBe(true);
    expectValidChunks(text, chunks, lim);
    expectAllTextCovered(text, chunks);
  });

  it('splits a table between rows, keeping the header with its delimiter row', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `| r${i} | ${prose(6, i)} | v${i}end |`);
    const text = ['| Name | Notes | Value |', '|------|-------|-------|', ...rows].join('\n');
    const lim = limits(96, 0);
    const chunks = chunk(text, lim);
    expect(chunks.length).toBeGreaterThan(2);
    expect(body(chunks[0]!).startsWith('| Name | Notes | Value |\n|------|')).toBe(true);
    for (const c of chunks) for (const line of body(c).split('\n')) expect(line).toMatch(/^\|.*\|$/);
    for (let i = 0; i < 40; i++) expectWhole(chunks, `| r${i} |`, `v${i}end |`);
    expectValidChunks(text, chunks, lim);
  });

  it('splits a block quote between its paragraphs', () => {
    const paras = Array.from({ length: 8 }, (_, i) => `> q${i} ${prose(18, i)}\n> still q${i} end${i}`);
    const text = paras.join('\n>\n');
    const lim = limits(96, 0);
    const chunks = chunk(text, lim);
    expect(chunks.length).toBeGreaterThan(2);
    for (let i = 0; i < 8; i++) expectWhole(chunks, `q${i} `, `end${i}`);
    expectValidChunks(text, chunks, lim);
  });
});

describe('chunk sizes', () => {
  it.each([48, 64, 128, 256])('fits every chunk of the guide fixture into %i tokens', (max) => {
    const text = fixture('guide.md');
    const lim = limits(max, Math.floor(max / 8));
    const chunks = chunk(text, lim);
    expectValidChunks(text, chunks, lim);
    expectAllTextCovered(text, chunks, 6);
  });

  it('re-checks chunks when the tokenizer does not add up where texts are joined', () => {
    // A counter that charges two tokens for every line break: the sum of a chunk's parts then
    // falls short of the whole, and only counting the final chunk finds it.
    const counter = {
      maxTokens: 256,
      countTokens: (text: string) => tokens(text) + 2 * (text.match(/\n/g) ?? []).length,
    };
    const lines = Array.from({ length: 40 }, (_, i) => `${prose(6, i)} l${i}`);
    const text = `# Notes\n\n${lines.join('\n')}\n`;
    const lim = limits(96, 8, counter);
    const chunks = chunk(text, lim);
    expect(chunks.length).toBeGreaterThan(3);
    expectValidChunks(text, chunks, lim);
    expectAllTextCovered(text, chunks);
  });

  it('keeps the guide fixture in one chunk per section group at the model limit', () => {
    const chunks = chunk(fixture('guide.md'), limits(256, 32));
    expect(chunks.every((c) => !c.text.includes('title: Field Guide'))).toBe(true);
    const lists = chunkWith(chunks, 'nested item two');
    expect(body(lists)).toContain('const x = 1;\n    ```');
  });
});

describe('merging small neighbours', () => {
  it('merges a heading with one short line into the next sibling section', () => {
    const text = `# Guide\n\n${prose(90)}\n\n## Install\n\nRun it.\n\n## Usage\n\n${prose(40, 1)}\n`;
    const chunks = chunk(text, limits(256, 32));
    const merged = chunkWith(chunks, 'Run it.');
    expect(body(merged)).toContain('## Usage');
    expect(merged.headingPath).toEqual(['Guide']);
    expect(merged.text.startsWith('Guide\n\n## Install')).toBe(true);
  });

  it('prefers the neighbour under the same parent heading', () => {
    const text = `# A\n\n## A1\n\n${prose(100)}\n\n## A2\n\nTiny.\n\n# B\n\n${prose(60, 1)}\n`;
    const chunks = chunk(text, limits(256, 32));
    const merged = chunkWith(chunks, 'Tiny.');
    expect(body(merged)).toContain('## A1');
    expect(body(merged)).not.toContain('# B');
    expect(merged.headingPath).toEqual(['A']);
  });

  it('gives a merged chunk the headings its parts share', () => {
    const text = `# Guide\n\n## Install\n\nPick one.\n\n### macOS\n\nbrew it.\n\n### Linux\n\napt it.\n`;
    const chunks = chunk(text, limits(256, 32));
    expect(chunks).toHaveLength(1);
    // "# Guide" has nothing under it but its subsection, so it does not shorten the path.
    expect(chunks[0]!.headingPath).toEqual(['Guide', 'Install']);
    const siblings = chunk(`# Guide\n\nIntro.\n\n## A\n\nshort a.\n\n## B\n\nshort b.\n`, limits(256, 32));
    expect(siblings).toHaveLength(1);
    expect(siblings[0]!.headingPath).toEqual(['Guide']);
    const nested = chunk(
      `# Guide\n\n${prose(150)}\n\n## Install\n\nPick one.\n\n### macOS\n\nbrew it.\n`,
      limits(256, 32),
    );
    expect(chunkWith(nested, 'brew it.').headingPath).toEqual(['Guide', 'Install']);
  });

  it("keeps a chapter's small end apart from the next chapter: under no shared heading, it would have no breadcrumb", () => {
    const text = `# 7 Relational databases\n\n${prose(100)}\n\nThe end.\n\n# 8 Network interfaces\n\n${prose(40, 1)}\n`;
    const chunks = chunk(text, limits(128, 32));
    expect(chunkWith(chunks, 'The end.').headingPath).toEqual(['7 Relational databases']);
    for (const c of chunks) expect(c.headingPath, c.text).not.toEqual([]);
    expect(chunkWith(chunks, 'The end.').text).not.toContain('# 8 Network interfaces');
    // Two small sections with no title above them still make one chunk (a note's Log and Tasks).
    expect(
      chunk('## Log\n\ncalled the plumber\n\n## Tasks\n\n- [ ] buy washers\n', limits(256, 32)),
    ).toHaveLength(1);
  });

  it('puts text before the first heading, joined to the first section, under that section', () => {
    const rst = `.. currentmodule:: click\n\nVersion 8.1.3\n-------------\n\n${prose(60)}\n\nVersion 8.1.2\n-------------\n\n${prose(60, 1)}\n`;
    const chunks = chunk(rst, limits(256, 32), '/p/CHANGES.rst');
    expect(chunks.map((c) => c.headingPath)).toEqual([['Version 8.1.3'], ['Version 8.1.2']]);
    expect(chunks[0]!.text).toContain('.. currentmodule:: click');
    // A long introduction keeps its own place: the small section after it joins it under none.
    const intro = chunk(`${prose(120)}\n\n## Notes\n\nSee above.\n`, limits(256, 32));
    expect(intro.map((c) => c.headingPath)).toEqual([[]]);
  });

  it('keeps a small chunk when no neighbour has room for it', () => {
    // Each big section fills 256 tokens to within 4: "# B Small." (4 tokens) fits in neither.
    const text = `# A\n\n${proseOfTokens(249)}\n\n# B\n\nSmall.\n\n# C\n\n${proseOfTokens(249, 1)}\n`;
    const lim = limits(256, 32);
    const chunks = chunk(text, lim);
    expect(chunkWith(chunks, 'Small.').headingPath).toEqual(['B']);
    expect(chunks).toHaveLength(3);
    expectValidChunks(text, chunks, lim);
  });

  it('does not merge neighbours that are both large enough', () => {
    const text = `## One\n\n${prose(40)}\n\n## Two\n\n${prose(40, 1)}\n`;
    expect(chunk(text, limits(256, 32))).toHaveLength(2);
    expect(chunk(text, limits(256, 80))).toHaveLength(1);
  });
});

describe('line ranges', () => {
  it('match the lines of the file for every chunk of a mixed document', () => {
    const text = fixture('guide.md');
    const chunks = chunk(text, limits(64, 8));
    const lines = fileLines(text);
    for (const c of chunks) {
      const whole = lines.slice(c.startLine - 1, c.endLine).join('\n');
      expect(whole.trim()).toBe(body(c).trim());
    }
  });
});

describe('a section too long for one chunk, marked as one passage', () => {
  it("gives each piece of a long section its heading's line, and nothing to a whole section", () => {
    const long = Array.from({ length: 4 }, (_, i) => prose(90, i)).join('\n\n');
    const text = `# Guide\n\n${prose(40)}\n\n## Install\n\n${long}\n\n## Upgrade\n\n${prose(40, 5)}\n`;
    const chunks = chunk(text, limits(128, 0));
    const install = chunks.filter((c) => c.headingPath.at(-1) === 'Install');
    expect(install.length).toBeGreaterThan(1);
    const line = fileLines(text).indexOf('## Install') + 1;
    expect(install.map((c) => meta(c).section)).toEqual(install.map(() => line));
    expect(install.map((c) => meta(c).piece)).toEqual(install.map((_, i) => i));
    for (const c of chunks.filter((c) => c.headingPath.at(-1) !== 'Install')) {
      expect(meta(c).section).toBeUndefined();
      expect(meta(c).piece).toBeUndefined();
    }
  });

  it('marks no chunk of small sections merged together, nor of text before the first heading', () => {
    // Small option sections packed into one chunk share their parent's path, not a passage.
    const options = Array.from({ length: 12 }, (_, i) => `#### --option-${i}\n\n${prose(25, i)}`).join(
      '\n\n',
    );
    const text = `# git-fetch\n\n## Options\n\n${options}\n`;
    const chunks = chunk(text, limits(128, 64));
    expect(chunks.filter((c) => c.headingPath.join('/') === 'git-fetch/Options').length).toBeGreaterThan(1);
    expect(chunks.every((c) => meta(c).section === undefined)).toBe(true);
    const headingless = Array.from({ length: 4 }, (_, i) => prose(90, i)).join('\n\n');
    const notes = chunk(`${headingless}\n`, limits(128, 0));
    expect(notes.length).toBeGreaterThan(1);
    expect(notes.every((c) => meta(c).section === undefined)).toBe(true);
  });
});
