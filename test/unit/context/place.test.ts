import { describe, expect, it } from 'vitest';
import { placeOf, spansIn } from '../../../src/context/format.js';

describe('placeOf', () => {
  const at = (path: string, start: number, end = start) =>
    placeOf({ path, start_line: start, end_line: end });

  it('names a text file by its lines, as editors take them', () => {
    expect(at('/n/notes.md', 4, 9)).toBe('/n/notes.md:4-9');
    expect(at('/n/app.py', 12)).toBe('/n/app.py:12');
  });

  it('names a file read from its bytes by its pages, slides, sheets or chapters', () => {
    expect(at('/d/report.PDF', 3, 4)).toBe('/d/report.PDF (pages 3-4)');
    expect(at('/d/q1.docx', 2)).toBe('/d/q1.docx (page 2)');
    expect(at('/d/minutes.odt', 1, 2)).toBe('/d/minutes.odt (pages 1-2)');
    expect(at('/d/plan.pptx', 5)).toBe('/d/plan.pptx (slide 5)');
    expect(at('/d/review.odp', 2, 3)).toBe('/d/review.odp (slides 2-3)');
    expect(at('/d/book.epub', 2, 3)).toBe('/d/book.epub (chapters 2-3)');
    expect(at('/d/budget.xlsx', 2)).toBe('/d/budget.xlsx (sheet 2)');
    expect(placeOf({ path: '/home/me/d/plan.pptx', start_line: 1, end_line: 2 }, (p) => p.slice(9))).toBe(
      'd/plan.pptx (slides 1-2)',
    );
  });

  it("adds the numbers a PDF's pages print, where its chunker found them other than their places", () => {
    const place = { path: '/d/R-exts.pdf', start_line: 146, end_line: 147 };
    expect(placeOf({ ...place, metadata: { pageLabels: '139-140' } })).toBe(
      '/d/R-exts.pdf (pages 146-147, printed 139-140)',
    );
    expect(placeOf({ ...place, start_line: 3, end_line: 3, metadata: { pageLabels: 'i' } })).toBe(
      '/d/R-exts.pdf (page 3, printed i)',
    );
    expect(placeOf({ ...place, metadata: { bodyOffset: 0 } })).toBe('/d/R-exts.pdf (pages 146-147)');
  });
});

describe('spansIn', () => {
  const at = (...pairs: [number, number][]) =>
    pairs.map(([start_line, end_line]) => ({ start_line, end_line }));

  it("lists a section's pieces that follow each other, a blank line between, as one place", () => {
    expect(spansIn('/book/ch11.md', at([838, 858], [805, 836], [860, 873], [912, 943]))).toBe(
      'lines 805-873, 912-943',
    );
    expect(spansIn('/book/ch11.md', at([50, 50]))).toBe('line 50');
  });

  it('joins pages only when they follow each other', () => {
    expect(spansIn('/docs/manual.pdf', at([3, 3], [4, 4], [6, 6]))).toBe('pages 3-4, 6');
  });

  it('lists six places and counts the rest', () => {
    const outline = at(...Array.from({ length: 22 }, (_, i): [number, number] => [i * 10 + 1, i * 10 + 3]));
    expect(spansIn('/src/shop.py', outline)).toBe('lines 1-3, 11-13, 21-23, 31-33, 41-43, 51-53 and 16 more');
  });
});
