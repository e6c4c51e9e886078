import { describe, expect, it } from 'vitest';
import { parseBlocks } from '../../../../src/engines/markdown/blocks.js';
import { SourceText } from '../../../../src/engines/markdown/source.js';
import type { MdNode } from '../../../../src/engines/markdown/types.js';
import { fixture, prose } from './helpers.js';

function blocks(text: string, windowLines?: number): MdNode[] {
  return parseBlocks(new SourceText(text), 0, windowLines);
}

/** Blocks that run past any small window: a long list, a long fence, an unclosed fence. */
function longBlocks(): string {
  const list = Array.from({ length: 25 }, (_, i) => `- item ${i}\n  more ${i}`).join('\n');
  const fence = ['```', ...Array.from({ length: 30 }, (_, i) => `code ${i}`), '```'].join('\n');
  const html = ['<div>', ...Array.from({ length: 12 }, (_, i) => `<p>${i}</p>`), '</div>'].join('\n');
  const quote = Array.from({ length: 10 }, (_, i) => `> quoted ${i}\n>`).join('\n');
  return [`# A`, prose(20), list, `## B`, fence, html, `Setext\n===`, quote, '```\nnever closed', 'x'].join(
    '\n\n',
  );
}

describe('parseBlocks', () => {
  it.each([1, 2, 3, 7, 16])('gives the same tree when parsing in windows of %i lines', (windowLines) => {
    for (const text of [fixture('guide.md'), longBlocks()]) {
      expect(blocks(text, windowLines)).toEqual(blocks(text, 1_000_000));
    }
  });

  it('reads headings, lists with items, tables with rows, code, html and references', () => {
    const text = [
      '# Title *one*', // 0
      '', // 1
      '- a', // 2
      '  - b', // 3
      '', // 4
      '  ```', // 5
      '  code', // 6
      '  ```', // 7
      '', // 8
      '| h | i |', // 9
      '|---|---|', // 10
      '| 1 | 2 |', // 11
      '| 3 | 4 |', // 12
      '', // 13
      '<div>', // 14
      '</div>', // 15
      '', // 16
      'Under', // 17
      '-----', // 18
      '', // 19
      '[r]: https://example.com', // 20
    ].join('\n');
    const tree = blocks(text);
    expect(tree.map((n) => [n.kind, n.start, n.end])).toEqual([
      ['heading', 0, 1],
      ['list', 2, 9],
      ['table', 9, 13],
      ['html', 14, 16],
      ['heading', 17, 19],
      ['other', 20, 21],
    ]);
    expect(tree[0]).toMatchObject({ level: 1, title: 'Title one' });
    expect(tree[4]).toMatchObject({ level: 2, title: 'Under' });
    const item = tree[1]!.children![0]!;
    expect(item.kind).toBe('item');
    expect(item.children!.map((n) => n.kind)).toEqual(['paragraph', 'list', 'code']);
    expect(tree[2]!.children!.map((n) => [n.start, n.end])).toEqual([
      [9, 11],
      [11, 12],
      [12, 13],
    ]);
  });

  it('reads an HTML heading as a heading: a centred title, an FAQ entry with an anchor of its own', () => {
    const text = [
      '<h1 align="center">', // 0
      '  <img src="logo.svg" alt="">', // 1
      '  <br>My &amp; Tool', // 2
      '</h1>', // 3
      '<p align="center">badges</p>', // 4
      '', // 5
      '<h3 name="order">', // 6
      'How can I get results in a <code>consistent</code> order?', // 7
      '</h3>', // 8
      '', // 9
      '<a name="old"/>', // 10: an anchor kept for old links
      '<h2 id="install">Install</h2>', // 11
      '', // 12
      '<H4>Upper case</H4>', // 13
      '', // 14
      '<p align="center">', // 15: a logo, then the title, in one wrapper
      '  <img src="logo.svg" width="200px" alt="Zod logo" />', // 16
      '  <h1 align="center">Zod</h1>', // 17
      '  <p align="center">TypeScript-first schema validation</p>', // 18
      '</p>', // 19
    ].join('\n');
    expect(blocks(text).map((n) => [n.kind, n.start, n.end, n.level, n.title])).toEqual([
      ['heading', 0, 5, 1, 'My & Tool'],
      ['heading', 6, 9, 3, 'How can I get results in a consistent order?'],
      ['heading', 10, 12, 2, 'Install'],
      ['heading', 13, 14, 4, 'Upper case'],
      ['heading', 15, 20, 1, 'Zod'],
    ]);
  });

  it('leaves HTML that is not a heading, or names nothing, as HTML', () => {
    const text = [
      '<h1><img src="logo.svg"></h1>', // a logo alone: no section, and no H1 to hide a front matter title
      '',
      '<div>Words first, <h2>then a heading</h2></div>',
      '',
      '<h2>Never closed',
      '',
      '<header>Bar</header>',
    ].join('\n');
    expect(blocks(text).map((n) => n.kind)).toEqual(['html', 'html', 'html', 'html']);
    // Plain text has no HTML blocks, so no HTML headings either.
    const plain = parseBlocks(new SourceText('<h2>Title</h2>'), 0, undefined, 'plain');
    expect(plain.map((n) => n.kind)).toEqual(['paragraph']);
  });

  it('starts at the given line, so front matter is never parsed as markdown', () => {
    const source = new SourceText('---\ntitle: x\n---\n# H\n');
    expect(parseBlocks(source, 3).map((n) => [n.kind, n.start])).toEqual([['heading', 3]]);
  });
});
