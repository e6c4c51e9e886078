import { describe, expect, it } from 'vitest';
import { TEST_PATHS } from '../../../src/engines/code/test-paths.js';
import { RELEASE_NOTES_PATHS, RELEASE_QUESTION } from '../../../src/engines/markdown/release-notes.js';
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
    const out = withRankDown(hits, [{ paths: TEST_PATHS, factor: 0.7, why: 'a test file' }]);
    expect(out.map((h) => h.score)).toEqual([0.7, 0.8]);
    expect(out.map((h) => h.rankedDown)).toEqual([0.7, undefined]);
    expect(out.map((h) => h.rankedDownFor)).toEqual([['a test file'], undefined]);
    expect(hits[0]!.score, 'the input is left as it was').toBe(1);
  });

  it('reads the path relative to the source root: a root inside a tests/ folder is not all test code', () => {
    const hits = [hit('a', '/home/me/tests/proj', 'lib/parse.py', 1)];
    expect(
      withRankDown(hits, [{ paths: TEST_PATHS, factor: 0.7, why: 'a test file' }]).filter(
        (h) => h.rankedDown,
      ),
    ).toEqual([]);
  });

  it("reads a rule's rows by their metadata; a hit two rules match takes both factors", () => {
    const listing = {
      rows: (m: Readonly<Record<string, unknown>>) => m.listing === true,
      factor: 0.5,
      why: 'a listing',
    };
    const hits = [
      { ...hit('a', '/docs', 'CHANGELOG.md', 1), metadata: { listing: true } },
      { ...hit('b', '/docs', 'bookindex.html', 1), metadata: { listing: true } },
      hit('c', '/docs', 'guide.html', 1),
    ];
    const out = withRankDown(hits, [
      { paths: RELEASE_NOTES_PATHS, factor: 0.7, why: 'release notes' },
      listing,
    ]);
    expect(out.map((h) => h.score)).toEqual([0.35, 0.5, 1]);
    expect(out.map((h) => h.rankedDown)).toEqual([0.35, 0.5, undefined]);
    expect(out.map((h) => h.rankedDownFor)).toEqual([
      ['release notes', 'a listing'],
      ['a listing'],
      undefined,
    ]);
  });

  it('without a rank-down the hits are unchanged', () => {
    const hits = [hit('a', '/r', 'tests/x.py', 1)];
    expect(withRankDown(hits, undefined).map((h) => h.score)).toEqual([1]);
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

describe('RELEASE_NOTES_PATHS', () => {
  it.each([
    'CHANGELOG.md',
    'CHANGELOG',
    'docs/changelog.rst',
    'HISTORY.md',
    'History.md',
    'CHANGES.rst',
    'Changes',
    'NEWS',
    'NEWS.md',
    'RELEASE_NOTES.md',
    'Release Notes.md',
    'changelog.d/123.feature.md',
    'docs/release-notes/v2.md',
  ])('%s is a release record', (rel) => {
    expect(RELEASE_NOTES_PATHS.test(rel)).toBe(true);
  });

  it.each([
    'history.md',
    'notes/news.md',
    'News.md',
    'Rome/History of the empire.md',
    'docs/changes-to-the-api.md',
    'exchange-log.md',
    'src/history/index.md',
    'README.md',
  ])('%s is not: a note named for its topic', (rel) => {
    expect(RELEASE_NOTES_PATHS.test(rel)).toBe(false);
  });
});

describe('RELEASE_QUESTION', () => {
  it.each([
    'which version added the json argument',
    'since when can views be async',
    'when did the session interface change',
    'what changed in flask 3.0.0',
    "what's new in 2.4",
    'is before_first_request deprecated',
    'migrate from express 4 to 5',
    'upgrading past v1.7 breaks my proxy settings',
    'release notes for the last release',
    'zope interface validator removed',
    'why does it no longer follow redirects',
    'proxies argument changes',
  ])('%s asks about releases', (query) => {
    expect(RELEASE_QUESTION.test(query)).toBe(true);
  });

  it.each([
    'set a timeout on a request',
    'when the user leaves the page cancel the call',
    'retry a failed connection',
    'history of the roman empire',
    'parse 3 arguments',
    'my app behind nginx sees 127.0.0.1 as the client address',
    'how do I fix a timeout error',
  ])('%s does not', (query) => {
    expect(RELEASE_QUESTION.test(query)).toBe(false);
  });

  it('leaves every hit as it was for a query it names, and ranks down for any other', () => {
    const hits = [hit('a', '/p', 'CHANGELOG.md', 1), hit('b', '/p', 'docs/guide.md', 0.8)];
    const rankDown = {
      paths: RELEASE_NOTES_PATHS,
      factor: 0.7,
      unlessAsked: RELEASE_QUESTION,
      why: 'release notes',
    };
    expect(
      withRankDown(hits, [rankDown], 'which version added timeouts').filter((h) => h.rankedDown),
    ).toEqual([]);
    expect(
      withRankDown(hits, [rankDown], 'set a timeout')
        .filter((h) => h.rankedDown)
        .map((h) => h.id),
    ).toEqual(['a']);
  });
});
