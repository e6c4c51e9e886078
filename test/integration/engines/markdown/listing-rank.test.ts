import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../../helpers/index-workspace.js';
import { explainedHits, type FusionOfHit, fusedBeforeRankDown, runCli } from '../../../helpers/run-cli.js';

/** A back-of-book index as DocBook writes one: every entry names a topic and links to its page. */
const TOPICS = [
  'transaction ID wraparound',
  'autovacuum launcher',
  'visibility map',
  'free space map',
  'checkpoint',
  'deadlock timeout',
  'hot standby',
  'logical replication',
];
const BOOK_INDEX = `<html><head><title>Index</title></head><body><div class="index"><h1>Index</h1><dl>
${TOPICS.flatMap((topic, i) =>
  ['configuration parameter', 'monitoring', 'storage parameter'].map(
    (context, j) =>
      `<dt id="ie-${i}-${j}">${topic}</dt><dd><dl><dt>${context}, <a href="p${i}.html#a${j}">Routine Maintenance</a></dt><dt>and VACUUM, <a href="v${i}.html">Preventing Failures</a></dt></dl></dd>`,
  ),
).join('\n')}
</dl></div></body></html>`;

/** The page that answers. */
const VACUUM = `<html><head><title>Routine Vacuuming</title></head><body><div role="main"><h1>Routine Vacuuming</h1>
<h2>Preventing Transaction ID Wraparound Failures</h2><p>Every row carries the transaction that wrote it.
Transaction numbers are 32 bits wide, so after about four billion transactions they start over, and
old rows would suddenly look as if they were written in the future. To prevent this, every table must be
vacuumed at least once every two billion transactions; VACUUM marks old rows as frozen so they stay
visible forever. The autovacuum launcher starts these freezing vacuums on its own.</p>
<h2>Updating Planner Statistics</h2><p>The planner relies on statistics about the contents of tables.
ANALYZE collects them; run it after large changes to a table so that plans stay good.</p>
</div></body></html>`;

/** Another page, so that re-ranking has two pages to read. */
const REPLICATION = `<html><head><title>Replication</title></head><body><div role="main"><h1>Replication</h1>
<h2>Hot Standby</h2><p>A standby server can answer read-only queries while it replays the primary's
changes. Queries that conflict with replay may be cancelled after a delay you can set.</p>
<h2>Logical Replication</h2><p>Publications on the primary and subscriptions on another server copy
the changes of chosen tables, row by row, between servers of different major versions.</p>
</div></body></html>`;

interface Hit extends FusionOfHit {
  path: string;
  metadata: { listing?: boolean };
  explain: FusionOfHit['explain'] & { rerank?: unknown };
}

describe('a listing (an index page) in hybrid search: ranked down, and left there by re-ranking', () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const file = (hit: Hit | undefined) => hit?.path.split('/').at(-1);

  beforeAll(async () => {
    ws = await Workspace.create('listing-rank');
    await ws.write('docs/bookindex.html', BOOK_INDEX);
    await ws.write('docs/vacuum.html', VACUUM);
    await ws.write('docs/replication.html', REPLICATION);
    // Re-ranking on, as shipped: it must not undo the rank-down.
    config = await ws.writeConfig({ search: { rerank: 10 } });
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('the page that answers comes before the index entry that names the query word for word', async () => {
    const hits = await explainedHits<Hit>(ragctl, 'md', 'hybrid', 'transaction ID wraparound');
    const entry = hits.find((h) => file(h) === 'bookindex.html');
    const page = hits.find((h) => file(h) === 'vacuum.html');
    expect(entry?.metadata.listing).toBe(true);
    expect(page?.metadata.listing).toBeUndefined();
    // Both legs prefer the index entry: without ranking it down it would be first.
    expect(fusedBeforeRankDown(entry, 'index entry')).toBeGreaterThan(fusedBeforeRankDown(page, 'page'));
    expect(file(hits[0])).toBe('vacuum.html');
    expect(entry?.explain.fusion?.rankDown).toBe(0.5);
    expect(entry?.explain.fusion?.rankDownFor).toEqual(['a listing of links']);
    // Re-ranking read the page, not the listing: that keeps the place fusion gave it.
    expect(page?.explain.rerank).toBeDefined();
    for (const hit of hits.filter((h) => h.metadata.listing))
      expect(hit.explain.rerank, hit.path).toBeUndefined();
  });

  it('text mode leaves listings where BM25 puts them', async () => {
    const hits = await explainedHits<Hit>(ragctl, 'md', 'text', 'transaction ID wraparound');
    expect(file(hits[0])).toBe('bookindex.html');
  });
});
