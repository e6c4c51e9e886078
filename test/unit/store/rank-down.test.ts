import { describe, expect, it } from 'vitest';
import { TEST_PATHS } from '../../../src/engines/code/test-paths.js';
import { withRankDown } from '../../../src/store/rank-down.js';
import type { SearchHit } from '../../../src/store/types.js';

const hit = (id: string, root: string, rel: string, score: number): SearchHit => ({
  id,
  path: `${root}/${rel}`,
  root,
  engine: 'code',
  startLine: 1,
  endLine: 2,
  headingPath: [],
  text: '',
  score,
  mtimeMs: 0,
  metadata: {},
});

describe('withRankDown', () => {
  it('multiplies the score of the hits whose path under their root matches, and says which', () => {
    const hits = [hit('a', '/src/app', 'parse_test.go', 1), hit('b', '/src/app', 'parse.go', 0.8)];
    const { hits: out, rankedDown } = withRankDown(hits, { paths: TEST_PATHS, factor: 0.7 });
    expect(out.map((h) => h.score)).toEqual([0.7, 0.8]);
    expect([...rankedDown]).toEqual(['a']);
    expect(hits[0]!.score, 'the input is left as it was').toBe(1);
  });

  it('reads the path relative to the source root: a root inside a tests/ folder is not all test code', () => {
    const hits = [hit('a', '/home/me/tests/proj', 'lib/parse.py', 1)];
    expect(withRankDown(hits, { paths: TEST_PATHS, factor: 0.7 }).rankedDown.size).toBe(0);
  });

  it('without a rank-down the hits are unchanged', () => {
    const hits = [hit('a', '/r', 'tests/x.py', 1)];
    expect(withRankDown(hits, undefined).hits.map((h) => h.score)).toEqual([1]);
  });
});

describe('TEST_PATHS', () => {
  it.each([
    'parse_test.go',
    'pkg/parse_test.go',
    'tests/test_cli.py',
    'test_cli.py',
    'src/cli_test.py',
    'lib/__tests__/cart.ts',
    'src/cart.test.ts',
    'src/cart.spec.tsx',
    'src/test/java/App.java',
  ])('%s is test code', (rel) => {
    expect(TEST_PATHS.test(rel)).toBe(true);
  });

  it.each(['parse.go', 'testing.go', 'src/contest.py', 'attest/x.go', 'lib/latest.ts', 'testdata/a.toml'])(
    '%s is not',
    (rel) => {
      expect(TEST_PATHS.test(rel)).toBe(false);
    },
  );
});
