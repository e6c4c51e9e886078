import { describe, expect, it } from 'vitest';
import { withFileEvidence } from '../../../src/store/file-evidence.js';
import type { SearchHit } from '../../../src/store/types.js';

const hit = (id: string, path: string, score: number, rankedDown?: number): SearchHit => ({
  id,
  path,
  root: '/p',
  engine: 'md',
  startLine: 1,
  endLine: 1,
  headingPath: [],
  text: id,
  score,
  mtimeMs: 0,
  metadata: {},
  ...(rankedDown ? { rankedDown } : {}),
});

describe('withFileEvidence', () => {
  it("adds the weighted sum of the file's other candidates, and re-sorts", () => {
    const { hits, evidence } = withFileEvidence(
      [hit('lone', '/p/a.md', 0.5), hit('x', '/p/guide.md', 0.49), hit('y', '/p/guide.md', 0.3)],
      0.1,
    );
    expect(hits.map((h) => h.id)).toEqual(['x', 'lone', 'y']);
    expect(hits[0]!.score).toBeCloseTo(0.52, 12);
    expect(evidence.get('lone')).toBe(0);
  });

  it('gives a ranked-down hit no evidence, and takes none from it: many entries of a changelog match', () => {
    const changelog = [0.45, 0.44, 0.43, 0.42].map((s, i) => hit(`entry${i}`, '/p/CHANGELOG.md', s, 0.7));
    const guide = [hit('answer', '/p/guide.md', 0.5), hit('listing', '/p/guide.md', 0.4, 0.5)];
    const { hits, evidence } = withFileEvidence([...changelog, ...guide], 0.1);
    expect(hits[0]!.id).toBe('answer');
    for (const h of [...changelog, guide[1]!]) expect(evidence.get(h.id), h.id).toBe(0);
    // The guide's ranked-down listing adds nothing to the answer beside it.
    expect(evidence.get('answer')).toBe(0);
    expect(hits.find((h) => h.id === 'entry0')!.score).toBe(0.45);
  });
});
