import { describe, expect, it } from 'vitest';
import { maxSim, unitTokens } from '../../../src/embed/late.js';

describe('late interaction (MaxSim)', () => {
  it('scales each token to unit length and leaves an all-zero token at zero', () => {
    const out = unitTokens(Float32Array.from([9, 9, 3, 4, 0, 0]), 2, 2, 2);
    expect(Array.from(out)).toEqual(Array.from(Float32Array.from([0.6, 0.8, 0, 0])));
  });

  it("averages, over the query's tokens, the best cosine with one of the text's tokens", () => {
    // Query tokens x and y; the text's tokens point along x (scaled) and at 60° from y.
    const query = Float32Array.from([1, 0, 0, 1]);
    const text = Float32Array.from([5, 0, Math.sqrt(3), 1]);
    // x finds 1 (its own direction); y's best is the second token: cos 60° = 0.5.
    expect(maxSim(query, text, 0, 2, 2)).toBeCloseTo(0.75, 6);
    // Read from an offset (a row of a padded batch), and only `length` tokens: the pad is ignored.
    const batch = Float32Array.from([7, 7, 0, 1, 1, 0, 0, 1]);
    expect(maxSim(query, batch, 2, 1, 2)).toBeCloseTo(0.5, 6);
    expect(maxSim(query, batch, 2, 3, 2)).toBeCloseTo(1, 6);
  });

  it('scores an empty query or text 0', () => {
    expect(maxSim(new Float32Array(0), Float32Array.from([1, 0]), 0, 1, 2)).toBe(0);
    expect(maxSim(Float32Array.from([1, 0]), new Float32Array(0), 0, 0, 2)).toBe(0);
  });
});
