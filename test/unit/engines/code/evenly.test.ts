import { describe, expect, it } from 'vitest';
import { evenly, type Piece } from '../../../../src/engines/code/evenly.js';

/** The pieces greedy packing makes: each filled to the budget, an item over it alone. */
function greedy(weights: readonly number[], budget: number): Piece[] {
  const pieces: Piece[] = [];
  let first = 0;
  let tokens = 0;
  weights.forEach((w, i) => {
    if (i > first && tokens + w > budget) {
      pieces.push({ first, last: i, tokens });
      [first, tokens] = [i, 0];
    }
    tokens += w;
    if (w > budget) {
      pieces.push({ first, last: i + 1, tokens });
      [first, tokens] = [i + 1, 0];
    }
  });
  if (first < weights.length) pieces.push({ first, last: weights.length, tokens });
  return pieces;
}

/** A small deterministic generator, so a failure names weights that can be replayed. */
function* randomWeights(seed: number): Generator<number[]> {
  let state = seed;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  for (let round = 0; round < 500; round++) {
    const length = 1 + next(60);
    yield Array.from({ length }, () => (next(20) === 0 ? 150 + next(100) : next(40)));
  }
}

describe('evenly', () => {
  it('cuts into as few pieces as greedy packing, each within the budget, in order, none left out', () => {
    for (const weights of randomWeights(7)) {
      const budget = 100;
      const pieces = evenly(weights, budget);
      const label = JSON.stringify(weights);
      expect(pieces.length, label).toBe(greedy(weights, budget).length);
      expect(pieces[0]!.first, label).toBe(0);
      expect(pieces.at(-1)!.last, label).toBe(weights.length);
      pieces.forEach((piece, i) => {
        if (i > 0) expect(piece.first, label).toBe(pieces[i - 1]!.last);
        expect(piece.last, label).toBeGreaterThan(piece.first);
        const tokens = weights.slice(piece.first, piece.last).reduce((a, b) => a + b, 0);
        expect(piece.tokens, label).toBe(tokens);
        // Over the budget only an item alone.
        if (tokens > budget) expect(piece.last - piece.first, label).toBe(1);
      });
    }
  });

  it('leaves no piece much smaller than the rest where the items allow it', () => {
    // Twenty items of 10 in pieces of 60: greedy gives 60, 60, 60, 20; evenly 50 each.
    const weights = Array.from({ length: 20 }, () => 10);
    expect(greedy(weights, 60).map((p) => p.tokens)).toEqual([60, 60, 60, 20]);
    expect(evenly(weights, 60).map((p) => p.tokens)).toEqual([50, 50, 50, 50]);
    // 31 of 19 in pieces of 126 (six lines fit, seven do not): five or six lines each.
    const lines = evenly(
      Array.from({ length: 31 }, () => 19),
      126,
    ).map((p) => p.last - p.first);
    expect(lines.length).toBe(6);
    expect(Math.min(...lines)).toBe(5);
  });

  it('keeps an item over the budget alone and balances the runs around it', () => {
    const pieces = evenly([10, 10, 10, 10, 10, 10, 10, 300, 10, 10], 50);
    expect(pieces.map((p) => [p.first, p.last])).toEqual([
      [0, 4],
      [4, 7],
      [7, 8],
      [8, 10],
    ]);
  });

  it('gives one piece when everything fits, and none for nothing', () => {
    expect(evenly([5, 5, 5], 100)).toEqual([{ first: 0, last: 3, tokens: 15 }]);
    expect(evenly([], 100)).toEqual([]);
  });
});
