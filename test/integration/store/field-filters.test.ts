import { describe, expect, it } from 'vitest';
import type { FieldFilter, SearchMode } from '../../../src/store/types.js';
import { DIM, type FileSpec, ROOT, unitVectors, useTableOf } from './fixtures.js';

/**
 * Every kind of declared filter field, as `fieldWhere` writes it, run by LanceDB itself over the
 * document mapper's columns: each leg of each mode prefilters with it, before and after the
 * indexes exist.
 */
describe('declared filter fields in a real LanceDB table', () => {
  // Three files of three chunks (start lines 1, 11, 21), each word "kiwi" for the text leg.
  const FILES: FileSpec[] = ['a.md', 'docs/b.md', "it's.md"].map((rel, f) => ({
    path: `${ROOT}/${rel}`,
    texts: [0, 1, 2].map((c) => `kiwi ${rel} chunk ${c}`),
    mtimeMs: 1_000 * (f + 1),
    headings: [0, 1, 2].map((c) => ['Title', c === 1 ? "Setup's end" : `Part ${c}`]),
  }));

  const table = useTableOf(FILES, 7);

  const search = async (mode: SearchMode, fields: FieldFilter[]) =>
    (
      await table().search({
        query: 'kiwi',
        vector: unitVectors(1, DIM, 99),
        k: 50,
        mode,
        filter: { fields },
      })
    )
      .map((h) => `${h.path.slice(ROOT.length + 1)}:${h.startLine}`)
      .sort();

  const ALL = FILES.flatMap((f) => [1, 11, 21].map((line) => `${f.path.slice(ROOT.length + 1)}:${line}`));
  const where = (keep: (rel: string, line: number, file: number) => boolean) =>
    ALL.filter((key) => {
      const [rel, line] = key.split(':') as [string, string];
      return keep(
        rel,
        Number(line),
        FILES.findIndex((f) => f.path === `${ROOT}/${rel}`),
      );
    }).sort();

  const CASES: Array<[string, FieldFilter[], string[]]> = [
    ['number-min', [{ kind: 'number-min', column: 'start_line', value: 11 }], where((_, l) => l >= 11)],
    ['number-max', [{ kind: 'number-max', column: 'start_line', value: 11 }], where((_, l) => l <= 11)],
    ['date-after', [{ kind: 'date-after', column: 'mtime_ms', value: 2_000 }], where((_, __, f) => f >= 1)],
    ['date-before', [{ kind: 'date-before', column: 'mtime_ms', value: 2_000 }], where((_, __, f) => f < 1)],
    [
      'string-eq',
      [{ kind: 'string-eq', column: 'rel_path', value: "it's.md" }],
      where((r) => r === "it's.md"),
    ],
    [
      'string-in',
      [{ kind: 'string-in', column: 'rel_path', value: ['a.md', "it's.md", 'nope.md'] }],
      where((r) => r !== 'docs/b.md'),
    ],
    [
      'list-contains',
      [{ kind: 'list-contains', column: 'heading_path', value: "Setup's end" }],
      where((_, l) => l === 11),
    ],
    ['glob (no /)', [{ kind: 'glob', column: 'rel_path', value: '*.md' }], where((r) => !r.includes('/'))],
    ['glob (**)', [{ kind: 'glob', column: 'rel_path', value: '**/b.md' }], where((r) => r === 'docs/b.md')],
    [
      'path-glob',
      [{ kind: 'path-glob', column: 'rel_path', value: 'docs' }],
      where((r) => r === 'docs/b.md'),
    ],
    [
      'two fields at once',
      [
        { kind: 'number-min', column: 'start_line', value: 11 },
        { kind: 'string-in', column: 'rel_path', value: ['a.md'] },
      ],
      ['a.md:11', 'a.md:21'],
    ],
  ];

  for (const indexed of [false, true]) {
    it(`keeps exactly the matching rows in every mode (${indexed ? 'indexed' : 'flat'})`, async () => {
      if (indexed) await table().optimize();
      for (const [name, fields, expected] of CASES) {
        for (const mode of ['vector', 'text', 'hybrid'] as const) {
          expect(await search(mode, fields), `${name}, ${mode}`).toEqual(expected);
        }
      }
    });
  }
});
