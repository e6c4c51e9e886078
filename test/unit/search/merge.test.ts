import { describe, expect, it } from 'vitest';
import { mergeEngines } from '../../../src/search/merge.js';
import type { HitExplanation, SearchHit } from '../../../src/store/types.js';

function hit(id: string, engine: string, score: number, explain?: HitExplanation): SearchHit {
  return {
    id,
    path: `/${engine}/${id}`,
    root: `/${engine}`,
    engine,
    startLine: 1,
    endLine: 1,
    headingPath: [],
    text: id,
    score,
    mtimeMs: 0,
    metadata: {},
    ...(explain ? { explain } : {}),
  };
}

/**
 * A hybrid candidate as the store returns it for a merge: each leg's raw score in `explain`.
 * `pool`: its table's legs' size; 1 by default, so that each table's text leg is full (it may
 * hold more matches than it returned).
 */
function candidate(
  id: string,
  engine: string,
  similarity: number | null,
  bm25: number | null,
  pool = 1,
): SearchHit {
  return hit(id, engine, 0, {
    vector: similarity === null ? null : { rank: 1, distance: 1 - similarity },
    text: bm25 === null ? null : { rank: 1, bm25 },
    fusion: {
      method: 'relative-score',
      weights: { vector: 0.5, text: 0.5 },
      normalized: { vector: null, text: null },
      file: { weight: 0.01, evidence: 0 },
      pool,
      scale: pool,
    },
    where: null,
    score: 0,
  });
}

const x = (h: SearchHit): HitExplanation => h.explain!;

const options = { k: 3, rrfK: 60, oneModel: true, explain: false };

describe('mergeEngines', () => {
  it('vector: one model, so by similarity across tables, not by rank in each', () => {
    const md = [hit('a', 'md', 0.8), hit('b', 'md', 0.7)];
    const sql = [hit('x', 'sql', 0.1)];
    const merged = mergeEngines([md, sql], { ...options, mode: 'vector' });
    expect(merged.map((h) => h.id)).toEqual(['a', 'b', 'x']);
  });

  it('hybrid: a hit its table ranked down (a test file) keeps the factor in the merged pool', () => {
    const code = [candidate('test_app', 'code', 0.8, 9), candidate('app', 'code', 0.75, 8)];
    // As the store marks it: on the hit, and in its explanation.
    code[0]!.rankedDown = 0.7;
    code[0]!.explain!.fusion!.rankDown = 0.7;
    const md = [candidate('note', 'md', 0.2, 1)];
    const merged = mergeEngines([code, md], { ...options, mode: 'hybrid', explain: true });
    // test_app fuses to 1 (best in both legs), ×0.7 = 0.7; app to 0.5·(0.55/0.6) + 0.5·(7/8) ≈ 0.896.
    expect(merged.map((h) => h.id)).toEqual(['app', 'test_app', 'note']);
    expect(merged[1]!.score).toBeCloseTo(0.7, 6);
  });

  it('hybrid: every table’s candidates fused again, each leg scaled over all of them', () => {
    const md = [candidate('a', 'md', 0.8, 9), candidate('b', 'md', 0.6, null)];
    const sql = [candidate('x', 'sql', 0.2, 3)];
    const merged = mergeEngines([md, sql], { ...options, mode: 'hybrid', explain: true });
    expect(merged.map((h) => h.id)).toEqual(['a', 'b', 'x']);
    // a: best in both legs; b: vector (0.6 − 0.2) / 0.6, no text; x: worst vector, worst text.
    const scores = merged.map((h) => h.score);
    for (const [i, want] of [1, 0.5 * (0.4 / 0.6), 0].entries()) expect(scores[i]).toBeCloseTo(want, 6);
    expect(merged[0]!.explain!.merge).toEqual({
      method: 'relative-score',
      candidates: 3,
      normalized: { vector: 1, text: 1 },
      file: { weight: 0.01, evidence: 0 },
      score: 1,
    });
  });

  it('hybrid: text legs that returned fewer than their pools hold every match, scaled from BM25 0', () => {
    const md = [candidate('a', 'md', 0.8, 9, 50), candidate('b', 'md', 0.6, null, 50)];
    const sql = [candidate('x', 'sql', 0.2, 3, 50)];
    const merged = mergeEngines([md, sql], { ...options, mode: 'hybrid', explain: true });
    // x holds the words: a third of a's BM25, not the text leg's 0.
    expect(merged.map((h) => h.id)).toEqual(['a', 'b', 'x']);
    expect(merged[2]!.score).toBeCloseTo(0.5 * (3 / 9), 6);
    expect(merged[2]!.explain!.merge).toMatchObject({ normalized: { vector: 0, text: 3 / 9 } });
  });

  it("hybrid: only the candidates among their table's first `scale` in a leg set its scale, as in each table", () => {
    const md = [candidate('a', 'md', 0.8, 9, 80), candidate('b', 'md', 0.6, 5, 80)];
    const sql = [candidate('x', 'sql', 0.2, 3, 80)];
    for (const c of [...md, ...sql]) c.explain!.fusion!.scale = 50;
    // x is past its table's first 50 in both legs (a larger k read deeper): it counts as 0 in
    // each, and does not stretch the scale of a and b.
    x(sql[0]!).vector!.rank = 60;
    x(sql[0]!).text!.rank = 60;
    const merged = mergeEngines([md, sql], { ...options, mode: 'hybrid', explain: true });
    expect(merged.map((h) => h.explain!.merge)).toMatchObject([
      { normalized: { vector: 1, text: 1 } },
      { normalized: { vector: 0, text: 0 } },
      { normalized: { vector: 0, text: 0 } },
    ]);
  });

  it("hybrid: a candidate past its table's first `scale` in a leg adds nothing there, however near: a larger k must not move the first hits", () => {
    const tables = (deeper: boolean) => {
      const md = [candidate('a', 'md', 0.8, 9, 80), candidate('b', 'md', 0.6, 5, 80)];
      const code = [candidate('x', 'code', 0.65, 3, 80)];
      // Read only with a larger k: the code table's 60th nearest, below its first (and worst
      // of its first 50) but above the notes' worst, in b's file (as a changelog's entries are).
      const deep = candidate('z', 'code', 0.62, null, 80);
      x(deep).vector!.rank = 60;
      deep.path = md[1]!.path;
      if (deeper) code.push(deep);
      for (const c of [...md, ...code]) c.explain!.fusion!.scale = 50;
      return [md, code];
    };
    const merge = (deeper: boolean) =>
      mergeEngines(tables(deeper), { ...options, k: 4, mode: 'hybrid', explain: true });
    const scores = (hits: SearchHit[]) => hits.filter((h) => h.id !== 'z').map((h) => [h.id, h.score]);
    expect(scores(merge(true))).toEqual(scores(merge(false)));
    const z = merge(true).find((h) => h.id === 'z')!;
    expect(z.explain!.merge).toMatchObject({ normalized: { vector: 0, text: null } });
  });

  it('tables of different models cannot compare similarities: by rank, and says so', () => {
    const md = [hit('a', 'md', 0.9), hit('b', 'md', 0.8)];
    const code = [hit('x', 'code', 0.1)];
    const merged = mergeEngines([md, code], { ...options, mode: 'vector', oneModel: false, explain: true });
    expect(merged.map((h) => h.id)).toEqual(['a', 'x', 'b']);
    expect(merged[1]!.explain).toBeUndefined(); // none was attached by a table: nothing to add to
    const explained = mergeEngines([[candidate('a', 'md', 0.9, null)], [candidate('x', 'code', 0.1, null)]], {
      ...options,
      mode: 'hybrid',
      oneModel: false,
      explain: true,
    });
    expect(explained.map((h) => h.explain!.merge)).toEqual([
      { method: 'rrf', k: 60, rank: 1, score: 1 / 61 },
      { method: 'rrf', k: 60, rank: 1, score: 1 / 61 },
    ]);
  });

  it('hits go back without explain unless it was asked for', () => {
    const merged = mergeEngines([[candidate('a', 'md', 0.9, 1)], [candidate('x', 'sql', 0.1, 1)]], {
      ...options,
      mode: 'hybrid',
    });
    expect(merged.every((h) => h.explain === undefined)).toBe(true);
  });
});
