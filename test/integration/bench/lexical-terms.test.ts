import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { indexTerms, lexicalFeatures, queryTerms } from '../../../bench/quality/lexical/lexical-features.js';
import type { LanceStore } from '../../../src/store/lance-store.js';
import type { LanceChunkTable } from '../../../src/store/lance-table.js';
import { batchFor, type FileSpec, openStore, ROOT, SPEC, tempDir } from '../store/fixtures.js';

/**
 * Word families that walk the stemmer's steps and exceptions, and the folding and length rules
 * around it: a stem that differed from the index's would split or join one of these groups.
 */
const WORDS = (
  'connect connected connecting connection connections connective ' +
  'install installing installation installed installs ' +
  'generous generously generate generation generations communication communicate arsenic arsenal ' +
  'consist consistency consistent consistently consisting consolation console consoled consoling ' +
  'conspiracy conspirator conspire conspiring constable constancy constant ' +
  'relational relate relation relativity conditional condition rational ration ' +
  'electrical electric electricity adjustable adjust effective effect hopefulness hopeful ' +
  'running run hopping hop hoped hope agreed agree feed feeding cries cry ties tie ponies pony ' +
  'caresses caress gaps gap gas this kiwis kiwi happily happy skies sky skis ski dying die lying lie ' +
  'news only early ugly gently succeed succeeded proceeding inning innings outing ' +
  'yelling playing plays says youth abandoned abandonment beautiful beautifully controllable ' +
  'stash stashed stashing untracked tracking rebase rebasing merging merged committed commits ' +
  'abcde abcd abcdé straße strasse café cafe naïve naive ' +
  // 40 bytes: too long for the index, which leaves such a token out.
  '5040f17eba15504bad66b14a645bddd9b015ebb7'
).split(' ');

describe('lexical features make terms as the full-text index does', () => {
  let cleanup: () => Promise<void>;
  let store: LanceStore;
  let table: LanceChunkTable;

  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    store = await openStore(dir);
    ({ table } = await store.openChunkTable(SPEC));
    // One word a chunk, under a heading that shares no word with any of them.
    const files: FileSpec[] = [
      { path: `${ROOT}/words.md`, texts: WORDS, headings: WORDS.map(() => ['Zzz']) },
    ];
    await table.replaceFiles(
      files.map((f) => f.path),
      batchFor(files, 7).batch,
    );
    await table.optimize();
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  it("groups words exactly as the md table's full-text search matches them", async () => {
    const groups = new Map<string, string[]>();
    for (const w of WORDS) {
      const key = indexTerms(w)[0] ?? `(no term) ${w}`;
      groups.set(key, [...(groups.get(key) ?? []), w]);
    }
    // Families that must stay together (the index's own stems join them), checked here so that
    // a broken group cannot pass by being a group of one on both sides.
    expect(groups.get('instal')).toEqual(['install', 'installing', 'installation', 'installed', 'installs']);
    expect(groups.get('abcd')).toEqual(['abcde', 'abcd']);
    for (const [term, group] of groups) {
      const hits = await table.search({ query: group[0]!, mode: 'text', k: WORDS.length });
      const found = hits.map((h) => h.text).sort();
      expect({ term, found }).toEqual({ term, found: term.startsWith('(no term)') ? [] : [...group].sort() });
    }
  });

  it('scores coverage, heading, proximity and adjacent pairs on the question’s content terms', () => {
    const query = 'How do I keep untracked files when stashing my changes?';
    expect(queryTerms(query)).toEqual(['keep', 'untrack', 'file', 'stash', 'chang']);
    const features = lexicalFeatures(query, [
      {
        id: 'answer',
        text: 'git-stash > Options\nAll untracked files are stashed too, the changes in your index keep.',
        headingPath: ['git-stash', 'Options'],
      },
      { id: 'spread', text: `untracked ${'word '.repeat(20)}files`, headingPath: ['Other'] },
      { id: 'none', text: 'nothing that matters here', headingPath: [] },
    ]);
    const answer = features.get('answer')!;
    expect(answer.coverage).toBe(1);
    expect(answer.heading).toBeCloseTo(1 / 5, 12);
    // Content terms: git stash option [untrack file stash chang index keep]: the window of all
    // five is 6 long; untrack–file, file–stash and stash–chang are the question's pairs in a row.
    expect(answer.proximity).toBeCloseTo((5 / 5) * (5 / 6), 12);
    expect(answer.bigram).toBeCloseTo(3 / 4, 12);
    const spread = features.get('spread')!;
    expect(spread.coverage).toBeCloseTo(2 / 5, 12);
    expect(spread.proximity).toBeCloseTo((2 / 5) * (2 / 22), 12);
    expect(spread.bigram).toBe(0);
    // IDF over the candidates: terms only the answer has weigh more than the two shared ones.
    expect(spread.coverageIdf).toBeLessThan(spread.coverage);
    expect(features.get('none')).toEqual({
      coverage: 0,
      coverageIdf: 0,
      heading: 0,
      headingIdf: 0,
      proximity: 0,
      bigram: 0,
    });
  });
});
