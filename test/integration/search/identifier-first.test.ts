import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { Workspace } from '../../helpers/index-workspace.js';
import { usePipeline } from '../../helpers/pipeline.js';

/**
 * A query that is one identifier ranks the chunk defining it first and those naming it next,
 * through the real pipeline:
 * markdown and code in two tables of one model (merged by evidence), the real model, LanceDB.
 * Notes about memory for sorts sit close to `work_mem` in meaning but never name it.
 */
const NOTES: Record<string, string> = {
  'db/memory.md': `# Memory for sorts and hashes

## Sorting

Large sorts spill to temporary files on disk when the memory given to each sort runs out;
giving the session more sort memory keeps them in RAM and makes big ORDER BY queries faster.

## Work memory

Each sort and each hash gets its own work memory; reports that sort a lot want more of it.

## Hashing

Hash joins and hash aggregates also need memory per operation, and spill the same way.
`,
  'db/settings.md': `# Settings we changed

## Per-session memory

We raised work_mem to 64MB on the reporting replica after the nightly export started spilling;
work_mem is per sort, so the replica's other sessions keep the default work_mem.
`,
  'db/reference.md': `# Reference

## work_mem (integer)

Default: four megabytes. Takes a unit (kB, MB, GB).
`,
  'ops/checklist.md': `# Release checklist

## Before the release

Tag the build, write the release notes, tell support which day it ships, check the dashboards
for the error rate of the last week, and rotate the on-call pager to whoever owns the release.
Confirm the backups of the last night restored cleanly on the staging host, that the mobile
clients were given the new endpoint a week before, that the feature flags for the release are
off in production, that the translations came back from the agency, that the status page has
the maintenance window on it, that the marketing site links to the new docs, and that the
replica's work_mem is what the runbook says.
`,
  'web/login.md': `# Logging in

## Cookies

A Session starts when a user logs in: the Session cookie is signed, and the Session ends when
the browser closes or after a day. Each Session keeps the user's id and nothing else.
`,
  'src/web.py': `class Session:
    """What the server remembers about one signed-in browser."""

    def __init__(self, user_id):
        self.user_id = user_id

    def expired(self, now):
        return now - self.started > 86400
`,
  'src/app.py': `from pool import pool_size


def open_pool(config):
    """The connections the app talks to the database through."""
    return Pool(size=pool_size(config))
`,
  'src/pool.py': `def pool_size(config):
    """How many connections the pool keeps open."""
    return config.get("pool_size", 10)


def work_memory_budget(sessions, total_mb):
    """Split the memory we may use for sorting between sessions."""
    return total_mb // max(sessions, 1)
`,
};

describe('one-identifier queries', () => {
  const pipeline = usePipeline('file');
  let ws: Workspace;
  let app: App;

  beforeAll(async () => {
    ws = await pipeline.workspace('identifier-first');
    for (const [rel, text] of Object.entries(NOTES)) await ws.write(rel, text);
    app = await pipeline.open(
      ws.config({
        sources: [
          { path: ws.notes, engine: 'md' },
          { path: ws.notes, engine: 'code' },
        ],
        engines: { md: { chunker: 'markdown', chunkMinTokens: 8 }, code: { chunker: 'code' } },
      }),
      pipeline.counter(),
    );
    await app.indexer.reconcile();
    await app.store.optimize();
  });

  it("--explain's sums add up, and a hit held below the hits ranked before it says what fusion gave it", async () => {
    const sumOf = (
      f: {
        normalized: { vector: number | null; text: number | null };
        file: { weight: number; evidence: number };
      },
      w: { vector: number; text: number },
      rankDown = 1,
    ) =>
      (w.vector * (f.normalized.vector ?? 0) + w.text * (f.normalized.text ?? 0)) * rankDown +
      f.file.weight * f.file.evidence;
    // One table: the store's fusion.
    const md = await app.search.search({ query: 'work_mem', engine: 'md', k: 10, explain: true });
    for (const hit of md.results) {
      const f = hit.explain!.fusion!;
      expect(f.capped ?? hit.score).toBeCloseTo(sumOf(f, f.weights, f.rankDown), 6);
      if (f.capped !== undefined) expect(f.capped).toBeGreaterThan(hit.score);
    }
    expect(md.results.some((h) => h.explain?.fusion?.capped !== undefined)).toBe(true);
    // Both tables: fused again in the merge.
    const both = await app.search.search({ query: 'work_mem', k: 10, explain: true });
    for (const hit of both.results) {
      const m = hit.explain!.merge!;
      expect(m.method).toBe('relative-score');
      expect(m.heldAt ?? m.score).toBeCloseTo(hit.score, 9);
      if (m.heldAt !== undefined) expect(m.score).toBeGreaterThan(m.heldAt);
    }
    expect(both.results.some((h) => h.explain?.merge?.heldAt !== undefined)).toBe(true);
  });

  it('ranks the chunk defining the identifier first, then those naming it, in every engine and in text mode', async () => {
    for (const mode of ['hybrid', 'text'] as const) {
      const { results } = await app.search.search({ query: 'work_mem', mode, k: 10, explain: true });
      expect(results[0]?.headingPath, mode).toEqual(['Reference', 'work_mem (integer)']);
      expect(results[0]?.explain?.exact, mode).toEqual({ term: 'work_mem', held: true, defines: true });
      expect(results[1]?.text, mode).toContain('We raised work_mem to 64MB');
      expect(results[1]?.explain?.exact, mode).toEqual({ term: 'work_mem', held: true });
      const held = results.map((h) => h.explain?.exact?.held);
      // Every holder before every other hit, and scores still fall down the list.
      expect(
        held.slice(held.lastIndexOf(true) + 1).every((h) => h === false),
        mode,
      ).toBe(true);
      expect(held.filter(Boolean), mode).toHaveLength(3);
      const scores = results.map((h) => h.score);
      expect(scores, mode).toEqual([...scores].sort((a, b) => b - a));
    }
    const code = await app.search.search({ query: 'pool_size', engine: 'code', explain: true });
    expect(code.results[0]?.text).toMatch(/^def pool_size/m);
    expect(code.results[0]?.explain?.exact).toEqual({ term: 'pool_size', held: true, defines: true });
    // Vector mode asks for meaning: nothing is put first there.
    const vector = await app.search.search({ query: 'work_mem', mode: 'vector', explain: true });
    expect(vector.results[0]?.explain?.exact).toBeUndefined();
  });

  it('answers a question about where a name is used with the code using it, then its definition', async () => {
    const { results } = await app.search.search({
      query: 'what calls pool_size?',
      engine: 'code',
      explain: true,
    });
    const definition = results.findIndex((h) => /^def pool_size/m.test(h.text));
    expect(definition).toBeGreaterThan(0);
    expect(results[definition]?.explain?.exact).toMatchObject({ defines: true, usages: true });
    // Before it, the file using it: its call, and its import.
    const uses = results.slice(0, definition);
    expect(uses.some((h) => h.text.includes('return Pool(size=pool_size(config))'))).toBe(true);
    for (const hit of uses) {
      expect(hit.path).toBe(ws.path('src/app.py'));
      expect(hit.explain?.exact).toEqual({ term: 'pool_size', held: true, usages: true });
    }
    // Asked by its name alone, the definition comes first.
    const named = await app.search.search({ query: 'pool_size', engine: 'code' });
    expect(named.results[0]?.text).toMatch(/^def pool_size/m);
  });

  it('says so when no result holds the name, rather than passing neighbours off as matches', async () => {
    // No note names it: hybrid gives its neighbours; text mode, nothing.
    const code = await app.search.search({ query: 'ENOSPC', k: 5 });
    expect(code.results.length).toBeGreaterThan(0);
    expect(code.note).toBe('no result holds ENOSPC as written: these are the nearest in meaning and words');
    expect((await app.search.search({ query: 'ENOSPC', mode: 'text', k: 5 })).results).toEqual([]);
    // Its parts are words of the notes (sort, memory), the name itself is in none.
    for (const mode of ['hybrid', 'text'] as const) {
      const missing = await app.search.search({ query: 'sort_memory', mode, k: 5 });
      expect(missing.results.length, mode).toBeGreaterThan(0);
      expect(missing.note, mode).toMatch(/^no result holds sort_memory as written: these are /);
      const found = await app.search.search({ query: 'work_mem', mode, k: 5 });
      expect(found.note, mode).toBeUndefined();
    }
    // Vector mode asks for meaning: its neighbours need no excuse.
    expect((await app.search.search({ query: 'ENOSPC', mode: 'vector', k: 5 })).note).toBeUndefined();
    // A code name remembered from somewhere, letters and digits: the same.
    const codename = await app.search.search({ query: 'zorbulax7', k: 5 });
    expect(codename.results.length).toBeGreaterThan(0);
    expect(codename.note).toMatch(/^no result holds zorbulax7 as written: /);
    // Of letters only, a word no chunk holds in any form: said too.
    const word = await app.search.search({ query: 'zorbulax', k: 5 });
    expect(word.results.length).toBeGreaterThan(0);
    expect(word.note).toBe('no result holds zorbulax: these are the nearest in meaning');
    // A word held in another form (a plural of one the notes use) needs no note.
    expect((await app.search.search({ query: 'Sessions', k: 5 })).note).toBeUndefined();
    // An operator has no words for the full-text index: its neighbours are said to be only that.
    const operator = await app.search.search({ query: '<<-', k: 5 });
    expect(operator.results.length).toBeGreaterThan(0);
    expect(operator.note).toBe(
      'full-text search reads words of letters and digits, and "<<-" has none: these are the nearest in meaning',
    );
    const text = await app.search.search({ query: '@>', mode: 'text', k: 5 });
    expect(text.results).toEqual([]);
    expect(text.note).toMatch(/"@>" has none: search for a word that comes with it$/);
    expect((await app.search.search({ query: '<<-', mode: 'vector', k: 5 })).note).toBeUndefined();
    // Quoted, it is named once in quotes.
    expect((await app.search.search({ query: '"<<-"', k: 5 })).note).toContain('and "<<-" has none');
  });

  it('puts the definitions of a one-word query first, and only them', async () => {
    const { results, note } = await app.search.search({ query: 'Session', k: 10, explain: true });
    // The class first; the prose that says the word four times, under another heading, after it.
    expect(results[0]?.metadata.symbol).toBe('src/web.py:Session');
    expect(results.filter((h) => h.explain?.exact?.defines)).toEqual([results[0]]);
    expect(results.every((h) => h.explain?.exact?.soft === true)).toBe(true);
    // A word may be only a word: no note that nothing holds it.
    expect(note).toBeUndefined();
    // In lower case too: a function or method of that name, as typed.
    const method = await app.search.search({ query: 'expired', k: 5, explain: true });
    expect(method.results[0]?.metadata.symbol).toBe('src/web.py:Session.expired');
    expect(method.results[0]?.explain?.exact).toEqual({
      term: 'expired',
      held: true,
      defines: true,
      soft: true,
    });
    // A word no note holds in any form: its neighbours are said to be only that.
    const word = await app.search.search({ query: 'Tomatoes', k: 5 });
    expect(word.note).toBe('no result holds Tomatoes: these are the nearest in meaning');
  });

  it('leaves queries of several words, quoted ones, and a config that turns it off alone', async () => {
    const words = await app.search.search({ query: 'work_mem setting', explain: true });
    expect(words.results.every((h) => h.explain?.exact === undefined)).toBe(true);
    const off = await pipeline.open(
      ws.config({
        sources: [
          { path: ws.notes, engine: 'md' },
          { path: ws.notes, engine: 'code' },
        ],
        engines: { md: { chunker: 'markdown', chunkMinTokens: 8 }, code: { chunker: 'code' } },
        search: { identifierFirst: false },
      }),
      pipeline.counter(),
    );
    await off.indexer.reconcile();
    const plain = await off.search.search({ query: 'work_mem', explain: true });
    expect(plain.results.length).toBeGreaterThan(0);
    expect(plain.results.every((h) => h.explain?.exact === undefined)).toBe(true);
    // Without it, the prose that says "Session" four times outranks the class.
    const word = await off.search.search({ query: 'Session', explain: true });
    expect(word.results[0]?.metadata.symbol).not.toBe('src/web.py:Session');
  });
});
