import { describe, expect, it } from 'vitest';
import { withoutHiddenMarkup } from '../../../../src/engines/markdown/hidden.js';
import {
  body,
  chunk,
  expectAllTextCovered,
  expectValidChunks,
  fixture,
  limits,
  meta,
  prose,
} from './helpers.js';

describe('front matter', () => {
  it('becomes metadata on every chunk; only its tags are in the text, after the breadcrumb, and not embedded', () => {
    const text = fixture('guide.md');
    const lim = limits(64, 8);
    const chunks = chunk(text, lim);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(meta(c).frontMatter).toEqual({ title: 'Field Guide', tags: ['install', 'usage'], draft: false });
      expect(meta(c).frontMatterRaw).toBeUndefined();
      expect(c.text).not.toContain('tags:');
      expect(c.text).not.toMatch(/^---$/m);
      const crumb = c.headingPath.length ? `${c.headingPath.join(' > ')}\n\n` : '';
      expect(c.text.slice(0, meta(c).bodyOffset)).toBe(`${crumb}install, usage\n\n`);
      // The page's link reference definition (its last line) is the file's text, not embedded.
      expect(c.embedText).toBe(crumb + withoutHiddenMarkup(c.text.slice(meta(c).bodyOffset)));
    }
    expectValidChunks(text, chunks, lim);
  });

  it('takes tags, aliases, keywords and categories in any case, as a list or one value, each once', () => {
    const fm = [
      'Tags: ["#postgres", backups, "#postgres"]',
      'aliases: Point-in-time recovery',
      'keywords: [wal, 42]',
      'category: ops',
      'owner: ann',
      'links: {a: 1}',
      'tag: [{nested: x}, "  spaced   out  "]',
    ].join('\n');
    const [c] = chunk(`---\n${fm}\n---\n# Restore\n\n${prose(20)}\n`);
    expect(c!.text.slice(0, meta(c!).bodyOffset)).toBe(
      'Restore\n\npostgres, backups, Point-in-time recovery, wal, 42, ops, spaced out\nowner: ann\n\n',
    );
    expect(c!.embedText).toBe(`Restore\n\n${c!.text.slice(meta(c!).bodyOffset)}`);
  });

  it('a tag added or changed keeps the vector: the embedded text and its hash stay', () => {
    const body = `# Restore\n\n${prose(20)}\n`;
    const [plain] = chunk(body);
    const [tagged] = chunk(`---\ntags: [ops]\n---\n${body}`);
    const [retagged] = chunk(`---\ntags: [ops, db]\n---\n${body}`);
    expect(plain!.embedText).toBeUndefined();
    expect(tagged!.embedText).toBe(plain!.text);
    expect(tagged!.contentHash).toBe(plain!.contentHash);
    expect(retagged!.contentHash).toBe(plain!.contentHash);
    expect(retagged!.text).not.toBe(tagged!.text);
  });

  it('puts its other properties in the text a line each, for full-text search only: text, numbers, lists of them', () => {
    const fm = [
      'title: Maria Keller',
      'tags: [person]',
      'phone: "+49 170 5550123"',
      'status: in-progress',
      'rating: 4',
      'description: >',
      '  Carpenter who built the',
      "  neighbours' pergola.",
      'projects: [fence, "raised beds", true]',
      'draft: false',
      'publish: true',
      'layout: docs',
      'Weight: 20',
      'cssclasses: [wide]',
      'links: {site: "https://example.com"}',
      'empty: ""',
      'nothing:',
      'punctuation: "---"',
    ].join('\n');
    const [c] = chunk(`---\n${fm}\n---\n## Notes\n\n${prose(20)}\n`);
    expect(c!.text.slice(0, meta(c!).bodyOffset)).toBe(
      [
        'Maria Keller > Notes',
        '',
        'person',
        'phone: +49 170 5550123',
        'status: in-progress',
        'rating: 4',
        "description: Carpenter who built the neighbours' pergola.",
        'projects: fence, raised beds',
        '',
        '',
      ].join('\n'),
    );
    // Not embedded: a property changed keeps the vector.
    expect(c!.embedText).toBe(`Maria Keller > Notes\n\n${c!.text.slice(meta(c!).bodyOffset)}`);
    const [changed] = chunk(`---\n${fm.replace('in-progress', 'done')}\n---\n## Notes\n\n${prose(20)}\n`);
    expect(changed!.contentHash).toBe(c!.contentHash);
  });

  it('caps how many properties a note adds, and how long each is', () => {
    const many = Array.from({ length: 100 }, (_, i) => `p${i}: value ${i}`).join('\n');
    const [c] = chunk(`---\n${many}\nlong: ${'x'.repeat(2000)}\n---\n# T\n\n${prose(20)}\n`);
    const lines = c!.text.slice(0, meta(c!).bodyOffset).trim().split('\n').slice(2);
    expect(lines).toHaveLength(32);
    const [l] = chunk(`---\nlong: ${'x'.repeat(2000)}\n---\n# T\n\n${prose(20)}\n`);
    expect(l!.text.slice(0, meta(l!).bodyOffset).trim().split('\n').at(-1)).toHaveLength(500);
  });

  it('caps how many keywords a note adds', () => {
    const tags = Array.from({ length: 500 }, (_, i) => `t${i}`).join(', ');
    const [c] = chunk(`---\ntags: [${tags}]\n---\n# T\n\n${prose(20)}\n`);
    expect(c!.text.slice(0, meta(c!).bodyOffset).split(', ')).toHaveLength(64);
  });

  it('counts its lines in the line numbers of the file', () => {
    const chunks = chunk(`---\na: 1\nb: 2\n---\n\n# Title\n\n${prose(20)}\n`);
    expect(chunks[0]!.startLine).toBe(6);
    expect(chunks[0]!.endLine).toBe(8);
  });

  it('keeps invalid YAML as raw text and still chunks the file', () => {
    const raw = 'title: [unclosed\nkey: : :';
    const text = `---\n${raw}\n---\n# Doc\n\n${prose(20)}\n`;
    const chunks = chunk(text);
    expect(chunks).toHaveLength(1);
    expect(meta(chunks[0]!).frontMatterRaw).toBe(raw);
    expect(meta(chunks[0]!).frontMatter).toBeUndefined();
    expect(chunks[0]!.startLine).toBe(5);
    expectValidChunks(text, chunks, limits());
  });

  it('keeps a block that starts with a key but is not a mapping as raw text', () => {
    expect(meta(chunk(`---\ntitle: x\n- b\n---\n${prose(10)}`)[0]!).frontMatterRaw).toBe('title: x\n- b');
  });

  it('is not front matter when the block is neither a mapping nor starts with a key', () => {
    // A note that opens with a thematic break and has another one later: all of it is text.
    const blocks = [
      '- a\n- b',
      'Just a sentence',
      '<div>\nhtml\n</div>\n\nSome text: with a colon.',
      '# A heading',
    ];
    for (const inner of blocks) {
      const text = `---\n${inner}\n---\n${prose(10)}\n`;
      const chunks = chunk(text);
      expect(meta(chunks[0]!).frontMatter).toBeUndefined();
      expect(meta(chunks[0]!).frontMatterRaw).toBeUndefined();
      expect(chunks[0]!.startLine).toBe(1);
      expectAllTextCovered(text, chunks);
    }
  });

  it('refuses alias bombs without throwing', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const text = `---\n${lines.join('\n')}\n---\n${prose(10)}`;
    const c = chunk(text)[0]!;
    expect(meta(c).frontMatterRaw).toBe(lines.join('\n'));
  });

  it('reads an empty block as an empty mapping and accepts `...` as the closing fence', () => {
    expect(meta(chunk(`---\n---\n${prose(10)}`)[0]!).frontMatter).toEqual({});
    expect(meta(chunk(`---\nk: v\n...\n${prose(10)}`)[0]!).frontMatter).toEqual({ k: 'v' });
  });

  it('is not front matter without a closing fence, or when not on the first line', () => {
    const unclosed = `---\nk: v\n\n${prose(10)}\n`;
    const a = chunk(unclosed);
    expect(meta(a[0]!).frontMatter).toBeUndefined();
    expect(body(a[0]!)).toContain('k: v');
    const later = `\n---\nk: v\n---\n${prose(10)}\n`;
    expect(meta(chunk(later)[0]!).frontMatter).toBeUndefined();
  });

  it('handles CRLF front matter', () => {
    const chunks = chunk(`---\r\ntitle: Win\r\n---\r\n${prose(10)}\r\n`);
    expect(meta(chunks[0]!).frontMatter).toEqual({ title: 'Win' });
    expect(chunks[0]!.startLine).toBe(4);
  });

  it('gives a file with only front matter, and blank lines after it, one chunk of its properties', () => {
    expect(chunk('---\ntitle: Empty\n---\n').map((c) => c.text)).toEqual(['title: Empty']);
    expect(chunk('---\ntitle: Empty\n---\n\n  \n').map((c) => c.text)).toEqual(['title: Empty']);
  });
});

describe("Logseq's page properties", () => {
  const page = [
    'title:: Billing',
    'tags:: project, [[finance]]',
    'alias:: invoices',
    'status:: active',
    '',
    '- ## Cron',
    '\t- The billing cron runs at 02:00 UTC.',
  ].join('\n');

  it('are the note front matter: its title, its keywords, its other properties', () => {
    const [c] = chunk(page, limits(256, 0), '/notes/pages/Billing.md');
    expect(c!.headingPath).toEqual(['Billing']);
    expect(c!.startLine).toBe(6);
    expect(meta(c!).frontMatter).toEqual({
      title: 'Billing',
      tags: ['project', 'finance'],
      alias: 'invoices',
      status: 'active',
    });
    expect(c!.text.slice(0, meta(c!).bodyOffset)).toBe(
      'Billing\n\nproject, finance, invoices\nstatus: active\n\n',
    );
    expect(c!.embedText).toBe('Billing\n\n- ## Cron\n\t- The billing cron runs at 02:00 UTC.');
  });

  it('are text where the lines are followed by prose, and in a file that is not Markdown', () => {
    const prose = 'Note:: read this first\nThe rest of the paragraph.\n';
    expect(meta(chunk(prose, limits(256, 0))[0]!).frontMatter).toBeUndefined();
    expect(chunk(prose, limits(256, 0))[0]!.startLine).toBe(1);
    const [txt] = chunk(page, limits(256, 0), '/notes/pages/billing.txt');
    expect(meta(txt!).frontMatter).toBeUndefined();
    expect(txt!.startLine).toBe(1);
  });
});

describe('front matter title', () => {
  it('is the root of every heading path when the document has no H1', () => {
    const text = `---\ntitle: Field Guide\n---\n${prose(40)}\n\n## Install\n\n${prose(40, 1)}\n`;
    const chunks = chunk(text, limits(256, 0));
    expect(chunks.map((c) => c.headingPath)).toEqual([['Field Guide'], ['Field Guide', 'Install']]);
    expect(chunks[0]!.text.startsWith('Field Guide\n\n')).toBe(true);
  });

  it('gives way to the document’s own H1', () => {
    const text = `---\ntitle: Field Guide\n---\n# Real Title\n\n${prose(40)}\n\n## Install\n\n${prose(40, 1)}\n`;
    const chunks = chunk(text, limits(256, 0));
    expect(chunks.map((c) => c.headingPath)).toEqual([['Real Title'], ['Real Title', 'Install']]);
  });

  it('is ignored when it is not a string', () => {
    const chunks = chunk(`---\ntitle: 42\n---\n## A\n\n${prose(20)}\n`);
    expect(chunks[0]!.headingPath).toEqual(['A']);
  });
});

describe('a note that is its front matter only', () => {
  it('is one chunk of its front matter lines, embedded, so a title, tag or property finds it', () => {
    const text = '---\ntitle: Learn to play the cello\ntags: [idea, someday]\nstatus: waiting\n---\n';
    const [only, ...rest] = chunk(text, limits(64, 8));
    expect(rest).toEqual([]);
    expect(only).toMatchObject({
      text: 'title: Learn to play the cello\ntags: [idea, someday]\nstatus: waiting',
      startLine: 2,
      endLine: 4,
      headingPath: ['Learn to play the cello'],
    });
    expect(only!.embedText).toBeUndefined();
    expect(meta(only!).bodyOffset).toBe(0);
    expect(meta(only!).frontMatter).toEqual({
      title: 'Learn to play the cello',
      tags: ['idea', 'someday'],
      status: 'waiting',
    });
    // An empty front matter and no body: nothing to find.
    expect(chunk('---\n---\n', limits(64, 8))).toEqual([]);
  });
});
