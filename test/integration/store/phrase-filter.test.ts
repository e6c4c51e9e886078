import { describe, expect, it } from 'vitest';
import type { SearchMode } from '../../../src/store/types.js';
import { DIM, type FileSpec, ROOT, unitVectors, useTableOf } from './fixtures.js';

/**
 * `phraseWhere` run by LanceDB itself: its `regexp_like` is Rust's regex, whose `\W` the unit
 * test only imitates in JavaScript. One chunk per file, so a hit's file names the text it held.
 */
describe('quoted phrases in a real LanceDB table', () => {
  const TEXTS: Record<string, string> = {
    'set.md': 'memory: SET work_mem = 64MB for the sort',
    'maint.md': 'memory: maintenance_work_mem = 1GB for VACUUM',
    'prose.md': 'memory: the work mem of each sort node',
    'limit.md': 'memory: work_mem_limit is not a setting',
    'emph.md': 'memory: the server said _connection refused_ twice',
    'plain.md': 'memory: Connection\n  refused.',
  };
  const FILES: FileSpec[] = Object.entries(TEXTS).map(([rel, text], f) => ({
    path: `${ROOT}/${rel}`,
    texts: [text],
    mtimeMs: 1_000 * (f + 1),
    headings: [['Title']],
  }));

  const table = useTableOf(FILES, 3);

  const holding = async (phrase: string, mode: SearchMode) =>
    (
      await table().search({
        query: 'memory',
        vector: unitVectors(1, DIM, 5),
        k: 50,
        mode,
        filter: { phrases: [phrase] },
      })
    )
      .map((h) => h.path.slice(ROOT.length + 1))
      .sort();

  for (const mode of ['vector', 'text', 'hybrid'] as const) {
    it(`an identifier's phrase is not a part of a longer identifier (${mode})`, async () => {
      expect(await holding('work_mem', mode)).toEqual(['prose.md', 'set.md']);
    });

    it(`a phrase of words matches across punctuation and _emphasis_ (${mode})`, async () => {
      expect(await holding('connection refused', mode)).toEqual(['emph.md', 'plain.md']);
      expect(await holding('work mem', mode)).toEqual(['limit.md', 'maint.md', 'prose.md', 'set.md']);
    });
  }
});
