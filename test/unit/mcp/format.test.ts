import { describe, expect, it } from 'vitest';
import type { WireSearchHit } from '../../../src/ipc/protocol.js';
import { renderSearch } from '../../../src/mcp/format.js';

const crumb = 'Backups > Restoring';
const hit: WireSearchHit = {
  id: 'a',
  path: '/home/me/docs/backups.md',
  root: '/home/me/docs',
  engine: 'md',
  start_line: 12,
  end_line: 20,
  heading_path: ['Backups', 'Restoring'],
  text: `${crumb}\n\nStop the database, then unpack the newest archive.`,
  score: 0.91,
  mtime_ms: 0,
  metadata: { bodyOffset: crumb.length + 2 },
  copies: [
    { path: '/home/me/docs/_build/backups.html', start_line: 40, end_line: 52 },
    { path: '/home/me/docs/all.html', start_line: 7, end_line: 7 },
  ],
};

describe('renderSearch', () => {
  it("names a hit's copies in other files, with their lines, before the chunk's text", () => {
    const text = renderSearch({ query: 'restore', mode: 'hybrid', k: 5, took_ms: 3, results: [hit] });
    const lines = text.split('\n');
    expect(lines[2]).toBe('[1] /home/me/docs/backups.md:12-20 (engine md, score 0.9100)');
    expect(lines).toContain(
      'the same text is also in /home/me/docs/_build/backups.html:40-52, /home/me/docs/all.html:7',
    );
    expect(text.endsWith('\n---\nStop the database, then unpack the newest archive.\n---')).toBe(true);
    const { copies: _copies, ...alone } = hit;
    expect(
      renderSearch({ query: 'restore', mode: 'hybrid', k: 5, took_ms: 3, results: [alone] }),
    ).not.toContain('also in');
  });

  it("lists the other rows of a hit's section or definition that matched, by their lines", () => {
    const { copies: _copies, ...alone } = hit;
    const section = {
      ...alone,
      parts: [
        { start_line: 31, end_line: 40 },
        { start_line: 21, end_line: 30 },
      ],
    };
    expect(
      renderSearch({ query: 'restore', mode: 'hybrid', k: 5, took_ms: 3, results: [section] }),
    ).toContain('\nmore of this section matched, ranked lower: lines 21-40\n');
    const definition = {
      ...section,
      path: '/home/me/shop/cart.py',
      metadata: { symbol: 'shop/cart.py:Cart.total', bodyOffset: 24 },
      parts: [{ start_line: 50, end_line: 50 }],
    };
    expect(
      renderSearch({ query: 'total', mode: 'hybrid', k: 5, took_ms: 3, results: [definition] }),
    ).toContain('\nmore of this definition matched, ranked lower: line 50\n');
    // A PDF's places are pages.
    const pdf = { ...section, path: '/home/me/docs/manual.pdf' };
    expect(renderSearch({ query: 'restore', mode: 'hybrid', k: 5, took_ms: 3, results: [pdf] })).toContain(
      'matched, ranked lower: pages 21-40',
    );
  });

  it("passes the search's note on: the model must know the results are not what it asked for", () => {
    const note =
      'nothing indexed holds "restore the archive" as written: these results are ranked by its words alone';
    const text = renderSearch({
      query: '"restore the archive"',
      mode: 'hybrid',
      k: 5,
      took_ms: 3,
      results: [hit],
      note,
    });
    expect(text.split('\n')[0]).toBe(
      `1 result for ""restore the archive"" (hybrid search, best first): Note: ${note}.`,
    );
    expect(renderSearch({ query: 'x', mode: 'text', k: 5, took_ms: 3, results: [], note: 'n' })).toBe(
      'No results for "x" (text search). Note: n.',
    );
  });

  it('says when a code hit shows fewer lines than its place holds (a long function as its header)', () => {
    const symbolLine = 'shop/cart.py:Cart.total';
    const head: WireSearchHit = {
      ...hit,
      path: '/home/me/shop/cart.py',
      engine: 'code',
      start_line: 40,
      end_line: 75,
      heading_path: ['Cart'],
      text: `${symbolLine}\n    def total(self):\n        """The sum of the lines, with tax."""`,
      metadata: { symbol: symbolLine, kind: 'method', bodyOffset: symbolLine.length + 1 },
    };
    const { copies: _copies, ...alone } = head;
    const text = renderSearch({ query: 'cart total', mode: 'hybrid', k: 5, took_ms: 3, results: [alone] });
    expect(text).toContain(
      'this shows 2 of the 36 lines at /home/me/shop/cart.py:40-75: read the file, or ask the context tool, for the rest',
    );
    // The symbol by its name in the file: its path is already in the line above.
    expect(text).toContain(
      '[1] /home/me/shop/cart.py:40-75 (engine code, score 0.9100)\nsymbol: Cart.total\n',
    );
    const topLevel = {
      ...alone,
      metadata: { symbol: 'shop/cart.py', bodyOffset: 'shop/cart.py'.length + 1 },
    };
    expect(renderSearch({ query: 'cart', mode: 'hybrid', k: 5, took_ms: 3, results: [topLevel] })).toContain(
      '\nsymbol: (top level of the file)\n',
    );
    // A whole definition, and a document (its lines may be its source's), say nothing of it.
    const whole = { ...alone, end_line: 41 };
    expect(
      renderSearch({ query: 'cart total', mode: 'hybrid', k: 5, took_ms: 3, results: [whole] }),
    ).not.toContain('this shows');
    expect(
      renderSearch({ query: 'restore', mode: 'hybrid', k: 5, took_ms: 3, results: [hit] }),
    ).not.toContain('this shows');
  });
});
