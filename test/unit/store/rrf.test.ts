import { describe, expect, it } from 'vitest';
import { fuseRrf } from '../../../src/store/search.js';
import type { SearchHit } from '../../../src/store/types.js';

function hit(id: string, score = 0): SearchHit {
  return {
    id,
    path: `/n/${id}.md`,
    root: '/n',
    engine: 'md',
    startLine: 1,
    endLine: 2,
    headingPath: [],
    text: id,
    score,
    mtimeMs: 0,
    metadata: {},
  };
}

describe('fuseRrf', () => {
  it('sums 1/(k + rank) over the lists a hit appears in', () => {
    const fused = fuseRrf(
      [
        [hit('a', 0.9), hit('b', 0.8)],
        [hit('b', 12), hit('c', 7)],
      ],
      60,
      10,
    );
    expect(fused.map((h) => h.id)).toEqual(['b', 'a', 'c']);
    expect(fused[0]?.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[1]?.score).toBeCloseTo(1 / 61, 12);
    expect(fused[2]?.score).toBeCloseTo(1 / 62, 12);
  });

  it('keeps only k and does not mutate its input', () => {
    const list = [hit('a', 5), hit('b', 4), hit('c', 3)];
    const fused = fuseRrf([list], 1, 2);
    expect(fused.map((h) => h.id)).toEqual(['a', 'b']);
    expect(list[0]?.score).toBe(5);
  });

  it('breaks ties by id so equal scores come back in a stable order', () => {
    const fused = fuseRrf([[hit('z')], [hit('y')]], 60, 5);
    expect(fused.map((h) => h.id)).toEqual(['y', 'z']);
  });
});
