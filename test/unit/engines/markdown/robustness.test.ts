import { describe, expect, it } from 'vitest';
import { RagError } from '../../../../src/errors.js';
import {
  body,
  chunk,
  expectAllTextCovered,
  expectValidChunks,
  fileLines,
  fixture,
  limits,
  meta,
  prose,
} from './helpers.js';

/** Chunks without the fields that legitimately differ between two encodings of one text. */
function comparable(text: string) {
  return chunk(text, limits(64, 8)).map(({ id, contentHash, text, startLine, endLine, headingPath }) => ({
    id,
    contentHash,
    text,
    startLine,
    endLine,
    headingPath,
  }));
}

describe('line endings, BOM and bad bytes', () => {
  const lf = fixture('guide.md');

  it('gives CRLF and lone-CR files the same chunks as LF, with the same line numbers', () => {
    expect(comparable(lf.replace(/\n/g, '\r\n'))).toEqual(comparable(lf));
    expect(comparable(lf.replace(/\n/g, '\r'))).toEqual(comparable(lf));
    const crlf = lf.replace(/\n/g, '\r\n');
    expectValidChunks(crlf, chunk(crlf, limits(64, 8)), limits(64, 8));
  });

  it('ignores a UTF-8 byte-order mark', () => {
    const withBom = `\uFEFF${lf}`;
    expect(comparable(withBom)).toEqual(comparable(lf));
    const chunks = chunk(withBom, limits(64, 8));
    expect(chunks.some((c) => c.text.includes('\uFEFF'))).toBe(false);
    expect(meta(chunks[0]!).frontMatter).toBeDefined();
  });

  it('chunks text decoded from invalid UTF-8 (replacement characters) and NUL bytes', () => {
    const bytes = Buffer.concat([
      Buffer.from(`# Bad bytes\n\nbefore `),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0x00]),
      Buffer.from(` after\n\n${prose(20)}\n`),
    ]);
    const text = new TextDecoder('utf-8').decode(bytes);
    expect(text).toContain('\uFFFD');
    const chunks = chunk(text);
    expect(chunks).toHaveLength(1);
    expect(body(chunks[0]!)).toContain('before \uFFFD');
    expectValidChunks(text, chunks, limits());
  });
});

describe('empty and degenerate files', () => {
  it.each([
    ['empty', ''],
    ['spaces', '   '],
    ['blank lines', '\n\n\n'],
    ['mixed whitespace', ' \t\r\n \n\t\t\r\n  '],
    ['a BOM only', '\uFEFF'],
  ])('gives %s no chunks', (_name, text) => {
    expect(chunk(text)).toEqual([]);
  });

  it('chunks a file of one word', () => {
    const chunks = chunk('hello');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ text: 'hello', startLine: 1, endLine: 1, headingPath: [] });
  });

  it('refuses a token limit that leaves no room for text', () => {
    expect(() => chunk('hello', limits(4, 0))).toThrow(RagError);
  });
});

describe('HTML blocks', () => {
  it('keeps an HTML block as text and splits a large one between lines', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `  <li>${prose(8, i)} row${i}</li>`);
    const text = ['# Page', '', '<ul class="x">', ...rows, '</ul>', '', prose(20)].join('\n');
    const lim = limits(96, 8);
    const chunks = chunk(text, lim);
    expect(chunks.length).toBeGreaterThan(2);
    for (let i = 0; i < 40; i++) expect(chunks.some((c) => body(c).includes(`row${i}</li>`))).toBe(true);
    expectValidChunks(text, chunks, lim);
    expectAllTextCovered(text, chunks);
  });
});

describe('text with no structure', () => {
  const lim = limits(64, 8);

  it('splits a long paragraph between its lines', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `${prose(10, i)} line${i}`);
    const text = `# Notes\n\n${lines.join('\n')}\n`;
    const chunks = chunk(text, lim);
    expect(chunks.length).toBeGreaterThan(3);
    const all = fileLines(text);
    for (const c of chunks) {
      expect(all.slice(c.startLine - 1, c.endLine).join('\n')).toBe(body(c));
    }
    expectValidChunks(text, chunks, lim);
    expectAllTextCovered(text, chunks);
  });

  it('splits one long line at sentence ends, with the line number on every part', () => {
    const line = prose(400);
    // Another section and no merging, so that the line's last part stays on its own.
    const text = `\n\n${line}\n\n# Outro\n\n${prose(5)}`;
    const chunks = chunk(text, limits(64, 0));
    const parts = chunks.filter((c) => c.startLine === 3);
    expect(parts.length).toBe(chunks.length - 1);
    expect(parts.length).toBeGreaterThan(4);
    for (const c of parts) {
      expect(c.endLine).toBe(3);
      expect(line).toContain(body(c));
      expect(body(c)).toMatch(/^[A-Z].*\.$/s);
    }
    expect(parts.map(body).join(' ')).toBe(line);
    expectValidChunks(text, chunks, limits(64, 0));
  });

  it('splits a long line without sentences between words', () => {
    const line = prose(400).replace(/\./g, '').toLowerCase();
    const chunks = chunk(line, lim);
    expect(chunks.length).toBeGreaterThan(4);
    let at = 0;
    for (const c of chunks) {
      const start = line.indexOf(body(c), at);
      expect(start).toBeGreaterThanOrEqual(at);
      const end = start + body(c).length;
      expect(start === 0 || line[start - 1] === ' ', 'starts at a word').toBe(true);
      expect(end === line.length || line[end] === ' ', 'ends at a word').toBe(true);
      at = end;
    }
    expectValidChunks(line, chunks, lim);
  });

  it('cuts text with no spaces at all (CJK, minified data) into pieces that fit', () => {
    const cjk = '这是一个没有空格的很长的句子'.repeat(40);
    const minified = Array.from({ length: 300 }, (_, i) => `{"k${i}":[${i},${i + 1}]}`).join(',');
    // Emoji are surrogate pairs: a cut between the halves would make invalid text.
    const emoji = '这是😀一个😀句子'.repeat(60);
    for (const text of [cjk, minified, emoji, `${cjk}\n\n${minified}`]) {
      const chunks = chunk(text, lim);
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.map(body).join('')).toBe(text.replace('\n\n', ''));
      for (const c of chunks) expect(body(c)).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
      expectValidChunks(text, chunks, lim);
    }
  });
});

describe('random mixes of every construct', () => {
  /** Blocks that are awkward alone or next to each other; a seeded mix of them makes each file. */
  const blocks = [
    '# H',
    '## H2 *x* [l](u)',
    '### H3',
    '#',
    'Setext\n===',
    'Sub\n---',
    '---',
    '* * *',
    '- a\n- b\n  - c',
    '1. x\n2. y',
    '- [ ] task',
    '-',
    '- a\n  - b\n    - c\n      - d\n        ```\n        deep\n        ```',
    `- ${'item words '.repeat(150)}`,
    '```\ncode\n```',
    '```\nunclosed',
    `\`\`\`\n${'x = 1\n'.repeat(200)}\`\`\``,
    '    indented',
    '> q\n>\n> r',
    '>',
    '> > nested quote\n> > more',
    '> - list in quote\n> ```\n> code in quote\n> ```',
    '| a | b |\n|---|---|\n| 1 | 2 |',
    `| ${'cell words '.repeat(80)} | x |\n|---|---|\n| ${'row words '.repeat(90)} | y |`,
    '<div>\nhtml\n</div>',
    '<!-- comment -->',
    '[r]: http://x',
    'a\r\nb\rc',
    '\u0000nul',
    'Term  \nhard break',
    '😀'.repeat(50),
    '这是一个句子。'.repeat(30),
    'word'.repeat(400),
    `line one of a setext\nline two ${'heading words '.repeat(40)}\n===`,
    `# ${'very long heading words '.repeat(30)}`,
  ];

  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('always gives valid chunks that fit and cover every line of text', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const rand = random(seed);
      const parts = Array.from({ length: 1 + Math.floor(rand() * 25) }, (_, i) =>
        rand() < 0.3
          ? prose(1 + Math.floor(rand() * 300), seed + i)
          : blocks[Math.floor(rand() * blocks.length)]!,
      );
      let text = parts.join(rand() < 0.5 ? '\n\n' : '\n');
      const hasFrontMatter = rand() < 0.2;
      if (hasFrontMatter) text = `---\ntitle: T${seed}\n---\n${text}`;
      if (rand() < 0.1) text = text.replace(/\n/g, '\r\n');
      const max = [16, 32, 64, 128, 256][Math.floor(rand() * 5)]!;
      const lim = limits(max, Math.floor((rand() * max) / 2));
      const chunks = chunk(text, lim);
      expectValidChunks(text, chunks, lim);
      expectAllTextCovered(text, chunks, hasFrontMatter ? 4 : 1);
    }
  });
});
