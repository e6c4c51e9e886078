import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { Embedder } from '../../../src/embed/types.js';
import type { SearchHit } from '../../../src/store/types.js';
import { openApp, realEmbedder, Workspace } from '../../helpers/index-workspace.js';

/** Notes where two files answer a question about orchids, and others about unrelated chores. */
const NOTES: Record<string, string> = {
  'orchids.md':
    '# Oolong orchids\n\nOolong orchids need bright indirect light, watering once a week, and a bark mix that drains fast. Let the roots dry between waterings.\n',
  'orchid-repotting.md':
    '# Repotting oolong orchids\n\nRepot oolong orchids every two years in spring, after flowering, into fresh orchid bark; trim dead roots first.\n',
  'bread.md':
    '# Sourdough\n\nFeed the starter the night before, mix flour and water, rest the dough, fold it four times, and bake in a hot covered pot.\n',
  'bike.md':
    '# Bicycle chain\n\nClean the chain with a rag, apply a drop of oil to each link, and wipe off the excess so it does not collect grit.\n',
  'tax.md':
    '# Taxes\n\nKeep receipts for the home office in one folder and file the return before the end of April.\n',
  'car.md':
    '# Winter tyres\n\nSwap to winter tyres when nights drop below seven degrees; check the pressure monthly.\n',
  'passport.md':
    '# Passport\n\nRenew the passport six months before it expires; the photo must be recent and unsmiling.\n',
  'coffee.md':
    '# Espresso\n\nGrind finer when the shot runs fast; eighteen grams in, thirty-six out, in about thirty seconds.\n',
  'tomatoes.md':
    '# Tomatoes\n\nPinch out the side shoots, tie the stems to canes, and water the soil, not the leaves.\n',
  'fridge.md':
    '# Fridge\n\nDefrost the freezer twice a year and vacuum the coils at the back to save power.\n',
  'running.md':
    '# Running\n\nIncrease the weekly distance by no more than a tenth and take one easy week in four.\n',
  'wifi.md':
    '# Wi-Fi\n\nMove the router off the floor and away from the microwave; pick a less crowded channel.\n',
};

/**
 * A second engine's folder about something else entirely (database maintenance), one file of
 * which shares a common word with the question ("need"), so its table has a text hit and a
 * nearest vector, both weak: by rank alone its first hit would tie with the notes' first.
 */
const OTHER: Record<string, string> = {
  'vacuum.md':
    '# Vacuum\n\nTables need a vacuum after bulk deletes so that dead tuples are reclaimed and the planner statistics are refreshed.\n',
  'indexes.md':
    '# Index bloat\n\nRebuild a bloated B-tree index concurrently to avoid locking writes; check pg_stat_user_indexes for unused ones.\n',
  'replication.md':
    '# Replication lag\n\nWatch the replay lag on the standby; a long-running query there holds back WAL replay.\n',
  'backups.md':
    '# Backups\n\nTake a base backup nightly and archive the WAL so that any point in time can be restored.\n',
  'locks.md':
    '# Locks\n\nFind the blocking session in pg_locks joined to pg_stat_activity before cancelling anything.\n',
  'upgrade.md':
    '# Upgrades\n\nRun pg_upgrade with --check first, then analyze every database once the new cluster starts.\n',
};

/** Searching several engines at once ranks by evidence: a weak match in one table stays below strong ones in another. */
describe('search across engines of one model', () => {
  let model: Embedder;
  let ws: Workspace;
  let app: App;

  beforeAll(async () => {
    model = realEmbedder();
    ws = await Workspace.create('merge-engines');
    for (const [name, text] of Object.entries(NOTES)) await ws.write(name, text);
    const other = join(ws.root, 'other');
    await mkdir(other);
    for (const [name, text] of Object.entries(OTHER)) await writeFile(join(other, name), text);
    const config = ws.config({
      engines: { md: { chunker: 'markdown' }, other: { chunker: 'markdown' } },
      sources: [
        { path: ws.notes, engine: 'md' },
        { path: other, engine: 'other' },
      ],
    });
    app = await openApp(config, model);
    await app.indexer.reconcile();
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await ws?.cleanup();
  });

  const names = (hits: readonly SearchHit[]) => hits.map((h) => `${h.engine}:${h.path.split('/').at(-1)}`);
  const question = 'what do oolong orchids need';

  for (const mode of ['hybrid', 'vector', 'text'] as const) {
    it(`${mode}: both answering notes come before the other engine's best (a rank merge put it second)`, async () => {
      const all = await app.search.search({ query: question, mode, k: 2 });
      expect(new Set(names(all.results))).toEqual(new Set(['md:orchids.md', 'md:orchid-repotting.md']));
      // The other table does answer the question, weakly: it is not filtered out, only ranked.
      const other = await app.search.search({ query: question, mode, k: 2, engine: 'other' });
      expect(other.results.length).toBeGreaterThan(0);
      const wider = await app.search.search({ query: question, mode, k: 10 });
      expect(wider.results.some((h) => h.engine === 'other')).toBe(true);
      expect(wider.results.map((h) => h.score)).toEqual(
        [...wider.results.map((h) => h.score)].sort((a, b) => b - a),
      );
    });
  }

  it('hybrid --explain: the merge fused every table’s candidates again, and says with what', async () => {
    // The fused order, as merged (re-ranking would move hits to other hits' places and scores).
    const { results } = await app.search.search({ query: question, k: 5, explain: true, rerank: false });
    expect(results.length).toBe(5);
    const candidates = new Set(results.map((h) => (h.explain!.merge as { candidates: number }).candidates));
    expect(candidates.size).toBe(1);
    for (const hit of results) {
      const merge = hit.explain!.merge!;
      if (merge.method !== 'relative-score') throw new Error(`merged by ${merge.method}`);
      expect(merge.score).toBe(hit.score);
      expect(merge.candidates).toBeGreaterThanOrEqual(results.length);
      for (const leg of [merge.normalized.vector, merge.normalized.text])
        if (leg !== null) expect(leg >= 0 && leg <= 1).toBe(true);
      const { vector, text } = merge.normalized;
      const fused = 0.5 * (vector ?? 0) + 0.5 * (text ?? 0) + merge.file.weight * merge.file.evidence;
      expect(hit.score).toBeCloseTo(fused, 9);
      // The table's own ranking is still shown beside it.
      expect(hit.explain!.fusion?.method).toBe('relative-score');
    }
    // Without --explain the hits carry none, however they were merged.
    const plain = await app.search.search({ query: question, k: 5, rerank: false });
    expect(plain.results.every((h) => h.explain === undefined)).toBe(true);
    expect(names(plain.results)).toEqual(names(results));
  });

  it('one engine named: its own ranking, untouched by the merge', async () => {
    const own = await app.search.search({ query: question, k: 4, engine: 'md', explain: true });
    expect(own.results.every((h) => h.explain!.merge === undefined)).toBe(true);
    expect(own.results.map((h) => h.score)).toEqual(own.results.map((h) => h.explain!.score));
  });
});
