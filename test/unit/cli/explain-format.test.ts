import { describe, expect, it } from 'vitest';
import { formatExplanation } from '../../../src/cli/commands/search.js';
import type { HitExplanation } from '../../../src/store/types.js';

describe('ragctl search --explain for people', () => {
  const explain = (evidence: number): HitExplanation => ({
    vector: { rank: 1, distance: 0.25 },
    text: null,
    fusion: {
      method: 'relative-score',
      weights: { vector: 0.5, text: 0.5 },
      normalized: { vector: 1, text: null },
      file: { weight: 0.01, evidence },
      pool: 50,
      scale: 50,
    },
    where: null,
    score: 0.5 + 0.01 * evidence,
  });

  it("shows the file's evidence as one more term of the sum, only where there is some", () => {
    expect(formatExplanation(explain(2.02))[1]).toBe(
      "  relative-score: 0.50×1.000 + 0.50×0 (not in its top 50) + 0.01×2.020 (its file's other hits) = 0.5202",
    );
    expect(formatExplanation(explain(0))[1]).toBe(
      '  relative-score: 0.50×1.000 + 0.50×0 (not in its top 50) = 0.5000',
    );
  });

  it("shows a ranked-down hit's factor around the legs, so the printed sum adds up", () => {
    const e = explain(0);
    const lowered: HitExplanation = {
      ...e,
      fusion: { ...e.fusion!, rankDown: 0.7, rankDownFor: ['a test file'] },
      score: 0.35,
    };
    expect(formatExplanation(lowered)[1]).toBe(
      '  relative-score: (0.50×1.000 + 0.50×0 (not in its top 50))×0.7 (ranked down: a test file) = 0.3500',
    );
  });

  it('shows the sum fusion gave beside the lower score a one-name query held the hit to', () => {
    const e = explain(0);
    const held: HitExplanation = {
      ...e,
      fusion: { ...e.fusion!, capped: 0.5 },
      score: 0.2,
      exact: { term: 'make_context', held: false },
    };
    expect(formatExplanation(held)[1]).toBe(
      '  relative-score: 0.50×1.000 + 0.50×0 (not in its top 50) = 0.5000, held at 0.2000 below the hits ranked before it',
    );
  });

  it('says whether a hit defines or names the identifier the query is, before the filter', () => {
    const held = formatExplanation({ ...explain(0), exact: { term: 'make_context', held: true } });
    expect(held.slice(2)).toEqual([
      '  names make_context: ranked with the hits that name it, after those that define it',
      '  filter: none',
    ]);
    expect(formatExplanation({ ...explain(0), exact: { term: 'make_context', held: false } })[2]).toBe(
      '  does not name make_context: ranked after the hits that do (its score at most theirs)',
    );
    expect(
      formatExplanation({ ...explain(0), exact: { term: 'make_context', held: true, defines: true } })[2],
    ).toBe('  defines make_context: ranked with the hits that define it, first');
    expect(formatExplanation(explain(0)).some((l) => l.includes('make_context'))).toBe(false);
    // One word: only its definitions moved.
    expect(formatExplanation({ ...explain(0), exact: { term: 'Session', held: true, soft: true } })[2]).toBe(
      '  does not define Session: after the hits that do, in its own order (one word may be a name or only a word)',
    );
    expect(
      formatExplanation({
        ...explain(0),
        exact: { term: 'Session', held: true, defines: true, soft: true },
      })[2],
    ).toBe('  defines Session: ranked with the hits that define it, first');
  });

  it('says where a re-ranked hit was in the fused order and what it scored read against the query', () => {
    const moved = formatExplanation({
      ...explain(0),
      rerank: { method: 'late-interaction', late: 0.61234, before: 4, depth: 20 },
    });
    expect(moved.slice(2)).toEqual([
      "  re-ranked: late interaction 0.6123; #4 in the fused order, whose first 20 were read against the query (the score shown is its new place's, so scores still fall down the list)",
      '  filter: none',
    ]);
  });
});
