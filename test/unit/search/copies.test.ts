import { describe, expect, it } from 'vitest';
import { FOLD_WINDOW, foldCopies } from '../../../src/search/copies.js';
import type { SearchHit } from '../../../src/store/types.js';

let ids = 0;
const hit = (path: string, body: string, crumb = 'Guide > Install'): SearchHit => ({
  id: String(++ids),
  path,
  root: '/docs',
  engine: 'md',
  startLine: 1,
  endLine: 9,
  headingPath: crumb.split(' > '),
  text: `${crumb}\n\n${body}`,
  score: 1 / ids,
  mtimeMs: 0,
  metadata: { bodyOffset: crumb.length },
});

const install =
  'Run the installer with `--prefix ~/.local` to keep it out of the system folders. It writes a ' +
  'config file the first time it runs, and [the upgrade notes](upgrade.md) say what changes between versions.';
// The same passage as an HTML page renders it: no backticks or link syntax, a sentence more.
const rendered =
  'Run the installer with --prefix ~/.local to keep it out of the system folders. It writes a config ' +
  'file the first time it runs, and the upgrade notes say what changes between versions. See also: FAQ.';

/** Piece `n` of a long section of a journal, and the passage it is of (the markdown mapper's `passageOf`). */
const piece = (n: number): SearchHit => ({
  ...hit('/docs/journal.md', `Entry ${n} about the database migration.`, 'Journal'),
  startLine: 10 * n + 1,
  endLine: 10 * n + 9,
  metadata: { bodyOffset: 'Journal'.length, section: 1, piece: n },
});
const passageOf = (h: SearchHit) => ({ key: 'Journal', piece: h.metadata.piece as number });

describe('foldCopies', () => {
  it("folds a passage's rendering into the better ranked copy, which names it, and keeps k distinct hits", () => {
    const source = hit('/docs/install.md', install);
    const page = hit('/docs/html/install.html', rendered, 'Manual > Guide > Install');
    const other = hit(
      '/docs/backup.md',
      'Backups run nightly at two and keep thirty days of archives on the NAS.',
    );
    const folded = foldCopies([source, page, other], 2);
    expect(folded.map((h) => h.path)).toEqual(['/docs/install.md', '/docs/backup.md']);
    expect(folded[0]!.copies).toEqual([{ path: '/docs/html/install.html', startLine: 1, endLine: 9 }]);
    expect(folded[1]!.copies).toBeUndefined();
    // The hits given are not changed.
    expect(source.copies).toBeUndefined();
  });

  it('shows the live note where an archived, old or conflicted copy of it ranked first, at that place', () => {
    for (const side of [
      '/notes/Archive/install.md',
      '/notes/install (old).md',
      '/notes/install (conflicted copy).md',
    ]) {
      const archived = hit(side, install);
      const live = hit('/notes/Guides/install.md', install);
      const [shown] = foldCopies([archived, live], 1);
      expect(shown!.path, side).toBe('/notes/Guides/install.md');
      expect(shown!.score).toBe(archived.score);
      expect(shown!.copies).toEqual([{ path: side, startLine: 1, endLine: 9 }]);
    }
    // Two live copies, or two kept aside: the better ranked stays first.
    const a = hit('/notes/a.md', install);
    const b = hit('/notes/Archive/b.md', install);
    expect(foldCopies([a, b], 1)[0]!.path).toBe('/notes/a.md');
  });

  it('keeps apart passages that share their words but not their order, or only a paragraph', () => {
    const untracked = hit(
      '/docs/stash.md',
      'Also stash untracked files, then clean them up with git clean so the working tree is left tidy.',
    );
    const all = hit(
      '/docs/stash-all.md',
      'Then clean up untracked files and ignored files so the working tree is tidy: stash them all also.',
    );
    expect(foldCopies([untracked, all], 10)).toHaveLength(2);
    // One parameter described alike under two classes, each chunk with more of its own.
    const strategy =
      'highWaterMark number The maximum internal queue size before backpressure is applied. size Function a user-defined function used to identify the size of each chunk of data.';
    const writable = hit(
      '/docs/writable.md',
      `${strategy} abort Function called to abruptly close the WritableStream, reason any, returns a promise fulfilled with undefined; type is reserved for future use.`,
    );
    const transform = hit(
      '/docs/transform.md',
      `flush Function called immediately before the writable side of the TransformStream is closed, signaling the end of the transformation process. ${strategy}`,
    );
    expect(foldCopies([writable, transform], 10)).toHaveLength(2);
  });

  it('folds only what the caller lets it, never two chunks of one file, and short chunks only when equal', () => {
    const a = hit('/docs/a.md', install);
    const b = hit('/docs/b.md', install);
    expect(foldCopies([a, b], 10, { folds: (h) => h.path !== '/docs/b.md' })).toHaveLength(2);
    expect(foldCopies([a, hit('/docs/a.md', install)], 10)).toHaveLength(2);
    expect(
      foldCopies([hit('/docs/x.md', 'See the FAQ.'), hit('/docs/y.md', 'See the FAQ.')], 10),
    ).toHaveLength(1);
    expect(
      foldCopies([hit('/docs/x.md', 'See the FAQ.'), hit('/docs/y.md', 'See the FAQ page.')], 10),
    ).toHaveLength(2);
  });

  it("lists no part twice, nor one that holds the hit's own lines (a class summary, a function's header)", () => {
    const whole = (body: string): SearchHit => ({
      ...hit('/src/adapters.py', body, 'HTTPAdapter'),
      startLine: 167,
      endLine: 719,
    });
    const passage = () => ({ key: 'HTTPAdapter' });
    const summary = foldCopies(
      [whole('class HTTPAdapter: send, close'), whole('def get_connection'), whole('def add_headers')],
      5,
      { passageOf: passage },
    );
    expect(summary).toHaveLength(1);
    expect(summary[0]!.parts).toBeUndefined();
    const part = (startLine: number, endLine: number, body: string): SearchHit => ({
      ...hit('/src/adapters.py', body, 'HTTPAdapter'),
      startLine,
      endLine,
    });
    const parts = foldCopies(
      [
        part(200, 240, 'def send'),
        part(300, 340, 'retries'),
        part(300, 340, 'timeouts'),
        part(210, 220, 'x'),
      ],
      5,
      { passageOf: passage },
    );
    // A part within the hit's lines still says where in it the match is.
    expect(parts[0]!.parts).toEqual([
      { startLine: 300, endLine: 340 },
      { startLine: 210, endLine: 220 },
    ]);
    // Under a part of a function, its header (which spans all of it) says nothing more.
    const body = foldCopies([part(20, 40, 'retries'), part(10, 90, 'def send'), part(50, 70, 'backoff')], 5, {
      passageOf: passage,
    });
    expect(body[0]!.parts).toEqual([{ startLine: 50, endLine: 70 }]);
  });

  it("folds later rows of one file's passage into the first as its parts, so k hits are k passages", () => {
    const at = (h: SearchHit, startLine: number, endLine: number): SearchHit => ({
      ...h,
      startLine,
      endLine,
    });
    const passage = (h: SearchHit) => ({ key: h.headingPath.join(' > ') });
    const first = at(
      hit('/docs/readline.md', 'Read a file line by line with a stream.', 'Readline > Example'),
      10,
      30,
    );
    const second = at(
      hit('/docs/readline.md', 'The for await loop ends at the end of the file.', 'Readline > Example'),
      31,
      50,
    );
    const otherSection = at(
      hit('/docs/readline.md', 'A close event is emitted on end.', 'Readline > Events'),
      60,
      70,
    );
    const otherFile = at(hit('/docs/fs.md', 'Streams read big files in pieces.', 'Readline > Example'), 1, 9);
    const third = at(
      hit('/docs/readline.md', 'Each line is a string without its newline.', 'Readline > Example'),
      51,
      58,
    );
    const folded = foldCopies([first, second, otherSection, otherFile, third], 3, { passageOf: passage });
    expect(folded.map((h) => [h.path, h.startLine])).toEqual([
      ['/docs/readline.md', 10],
      ['/docs/readline.md', 60],
      ['/docs/fs.md', 1],
    ]);
    // Rows past the k-th passage still fold into the hit they belong to.
    expect(folded[0]!.parts).toEqual([
      { startLine: 31, endLine: 50 },
      { startLine: 51, endLine: 58 },
    ]);
    expect(folded[1]!.parts).toBeUndefined();
    expect(first.parts).toBeUndefined();
    expect(
      foldCopies([first, second, otherSection, otherFile, third], 10, { passageOf: passage })[0]!.parts,
    ).toEqual([
      { startLine: 31, endLine: 50 },
      { startLine: 51, endLine: 58 },
    ]);
    // Rows without a passage stand alone, and so do the rows the caller does not let fold.
    expect(foldCopies([first, second], 10, { passageOf: () => undefined })).toHaveLength(2);
    expect(foldCopies([first, second], 10, { passageOf: passage, folds: () => false })).toHaveLength(2);
    // Another engine's rows of the same file and passage name are not this passage.
    expect(foldCopies([first, { ...second, engine: 'code' }], 10, { passageOf: passage })).toHaveLength(2);
  });

  it("folds a long section's pieces only into a neighbour: matches far apart in it are two answers", () => {
    // Ranked 3, 9, 4, 2, 8: 4 and 2 join 3's run, 8 joins 9's.
    const folded = foldCopies([piece(3), piece(9), piece(4), piece(2), piece(8)], 10, { passageOf });
    expect(folded.map((h) => h.metadata.piece)).toEqual([3, 9]);
    expect(folded[0]!.parts).toEqual([
      { startLine: 41, endLine: 49 },
      { startLine: 21, endLine: 29 },
    ]);
    expect(folded[1]!.parts).toEqual([{ startLine: 81, endLine: 89 }]);
    // A run grows from either end: 5 neighbours 4, which joined 3's.
    const chain = foldCopies([piece(3), piece(4), piece(5), piece(7)], 10, { passageOf });
    expect(chain.map((h) => [h.metadata.piece, h.parts?.length ?? 0])).toEqual([
      [3, 2],
      [7, 0],
    ]);
    // A piece between two runs shown apart joins them: the later run's hit leaves the list, and
    // the next passage takes its place.
    const bridged = foldCopies([piece(3), piece(5), piece(4), piece(9)], 2, { passageOf });
    expect(bridged.map((h) => h.metadata.piece)).toEqual([3, 9]);
    expect(bridged[0]!.parts).toEqual([
      { startLine: 51, endLine: 59 },
      { startLine: 41, endLine: 49 },
    ]);
  });

  it('lets only the first FOLD_WINDOW rows change which hits are shown, so a larger k shows the same first hits', () => {
    const filler = (n: number) =>
      hit(`/docs/other${n}.md`, `Unrelated note number ${n} on gardening and ${n} tomatoes.`, 'Other');
    // Pieces 3 and 5 are shown apart; piece 4, which would join them, comes only past the window.
    const ranked = [
      piece(3),
      piece(5),
      ...Array.from({ length: FOLD_WINDOW - 2 }, (_, i) => filler(i)),
      piece(4),
    ];
    const shown = foldCopies(ranked, 40, { passageOf });
    expect(shown.slice(0, 2).map((h) => h.metadata.piece)).toEqual([3, 5]);
    // It still folds into a hit it neighbours, and is no hit of its own.
    expect(shown[0]!.parts).toEqual([{ startLine: 41, endLine: 49 }]);
    expect(shown.some((h) => h.metadata.piece === 4)).toBe(false);
    // Within the window the same piece joins the two runs.
    const within = foldCopies([piece(3), piece(5), piece(4)], 40, { passageOf });
    expect(within.map((h) => h.metadata.piece)).toEqual([3]);
  });
});
