import { describe, expect, it } from 'vitest';
import { foldCopies } from '../../../src/search/copies.js';
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
    expect(foldCopies([a, b], 10, (h) => h.path !== '/docs/b.md')).toHaveLength(2);
    expect(foldCopies([a, hit('/docs/a.md', install)], 10)).toHaveLength(2);
    expect(
      foldCopies([hit('/docs/x.md', 'See the FAQ.'), hit('/docs/y.md', 'See the FAQ.')], 10),
    ).toHaveLength(1);
    expect(
      foldCopies([hit('/docs/x.md', 'See the FAQ.'), hit('/docs/y.md', 'See the FAQ page.')], 10),
    ).toHaveLength(2);
  });
});
