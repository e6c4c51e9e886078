import { basename, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paragraph, Workspace } from '../../helpers/index-workspace.js';
import { type CliResult, oneJsonLine, runCli } from '../../helpers/run-cli.js';
import { OLD_FILE, writeCorpus } from '../../helpers/search-corpus.js';

/** The keys of one result in `ragctl search --json`, with their JSON types. */
const HIT_TYPES: Record<string, string> = {
  id: 'string',
  path: 'string',
  root: 'string',
  engine: 'string',
  start_line: 'number',
  end_line: 'number',
  heading_path: 'array',
  text: 'string',
  score: 'number',
  mtime_ms: 'number',
  metadata: 'object',
};

const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

describe('ragctl search (no daemon: reads the index directly)', () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });
  const results = (r: CliResult) => oneJsonLine(r).results as Record<string, unknown>[];

  beforeAll(async () => {
    ws = await Workspace.create('cli-search');
    await writeCorpus(ws);
    config = await ws.writeConfig({ engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } } });
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
    expect(oneJsonLine(indexed)).toMatchObject({ filesAdded: 4, chunksEmbedded: 7 });
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('--json prints exactly {query, mode, k, took_ms, results, via} with typed hits', async () => {
    const result = await ragctl('search', '--json', 'how', 'do', 'I', 'restore', 'a', 'backup');
    expect(result.code, result.stderr).toBe(0);
    const json = oneJsonLine(result);
    expect(Object.keys(json).sort()).toEqual(['k', 'mode', 'query', 'results', 'took_ms', 'via']);
    expect(json).toMatchObject({ query: 'how do I restore a backup', mode: 'hybrid', k: 10, via: 'index' });
    expect(typeof json.took_ms).toBe('number');
    const hits = json.results as Record<string, unknown>[];
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) {
      expect(Object.keys(hit).sort()).toEqual(Object.keys(HIT_TYPES).sort());
      for (const [key, type] of Object.entries(HIT_TYPES)) expect(typeOf(hit[key]), key).toBe(type);
      expect((hit.heading_path as unknown[]).every((h) => typeof h === 'string')).toBe(true);
      expect(hit.engine).toBe('md');
      expect(hit.root).toBe(ws.notes);
    }
    expect(hits[0]).toMatchObject({ path: ws.path('ops/backups.md'), heading_path: ['Backups', 'Restore'] });
    const scores = hits.map((h) => h.score as number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('prints path:lines, the heading path, a snippet and the score for people', async () => {
    const result = await ragctl('search', 'blossom end rot', '-k', '2');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('(no daemon running: searched the index directly)');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^ 1\. notes\/garden\/tomatoes\.md:8-10 {2}Tomatoes › Watering {2}\(score [01]\.\d{4}\)$/,
    );
    // The snippet is the chunk's text without its breadcrumb and the heading line the hit's name
    // already prints, whitespace folded.
    expect(lines[1]).toBe(
      '    Water deeply at the base twice a week; uneven watering causes blossom end rot and split fruit.',
    );
    expect(lines[2]).toMatch(/^ 2\. notes\/\S+:\d+(-\d+)? {2}.+ {2}\(score [01]\.\d{4}\)$/);
  });

  it('--explain gives each hit its legs, the fusion that made its score and the filter, in --json and for people', async () => {
    // The fused order: each hit's score is its own fusion's sum (re-ranked, it is its place's).
    const args = ['search', '-k', '3', '--path', 'garden/**', '--explain', '--no-rerank', 'blossom end rot'];
    const json = await ragctl(...args, '--json');
    expect(json.code, json.stderr).toBe(0);
    const hits = results(json);
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) {
      const e = hit.explain as {
        vector: { rank: number; distance: number } | null;
        text: { rank: number; bm25: number } | null;
        fusion: {
          weights: { vector: number; text: number };
          normalized: { vector: number | null; text: number | null };
          file: { weight: number; evidence: number };
        };
        where: string;
        score: number;
      };
      expect(Object.keys(e).sort()).toEqual(['fusion', 'score', 'text', 'vector', 'where']);
      const f = e.fusion;
      const sum =
        f.weights.vector * (f.normalized.vector ?? 0) +
        f.weights.text * (f.normalized.text ?? 0) +
        f.file.weight * f.file.evidence;
      expect(hit.score as number).toBeCloseTo(sum, 9);
      expect(e.where).toContain('garden');
    }
    // The answer is first by both legs.
    expect(hits[0]!.explain).toMatchObject({ vector: { rank: 1 }, text: { rank: 1 } });
    expect((hits[0]!.explain as { text: { bm25: number } }).text.bm25).toBeGreaterThan(0);

    const human = await ragctl(...args);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /^ {4}explain: vector #1 \(distance 0\.\d{4}\) · text #1 \(BM25 \d+\.\d{3}\)$/m,
    );
    expect(human.stdout).toMatch(/^ {6}relative-score: 0\.50×1\.000 \+ 0\.50×1\.000 = 1\.0000$/m);
    expect(human.stdout).toMatch(/^ {6}filter: .*garden/m);
    // Re-ranked (the default), each hit also says where the fused order had it.
    const reranked = await ragctl('search', '-k', '3', '--path', 'garden/**', '--explain', 'blossom end rot');
    expect(reranked.code, reranked.stderr).toBe(0);
    expect(reranked.stdout).toMatch(
      /^ {6}re-ranked: late interaction 0\.\d{4}; #\d+ in the fused order, whose first 10 were read against the query \(the score shown is its new place's, so scores still fall down the list\)$/m,
    );
    // Without --explain, hits carry none.
    expect(results(await ragctl('search', '--json', 'blossom end rot')).every((h) => !('explain' in h))).toBe(
      true,
    );
  });

  it('text mode finds a note of ordinary length right after `ragctl index` wrote it', async () => {
    // Chunks near the token limit, as real notes are; a second run writes them into a table
    // that already holds the corpus.
    await ws.write('travel/zanzibar.md', `# Zanzibar\n\n${paragraph('Zanzibar ferry', 12)}\n`);
    expect(oneJsonLine(await ragctl('index', '--json'))).toMatchObject({ filesAdded: 1 });
    const hits = results(await ragctl('search', '--json', '--mode', 'text', 'zanzibar'));
    expect(hits.map((h) => h.path)).toEqual([ws.path('travel/zanzibar.md')]);
  });

  it('vector mode says similarity; text mode finds exact words right after `ragctl index`', async () => {
    const vector = await ragctl('search', '--mode', 'vector', '-k', '1', 'pasta sauce without cream');
    expect(vector.stdout).toMatch(
      /^ 1\. notes\/cooking\/carbonara\.md:\d+-\d+ {2}Carbonara › \w+ {2}\(similarity 0\.\d{3}\)$/m,
    );
    const text = await ragctl('search', '--json', '--mode', 'text', 'guanciale');
    expect(text.code, text.stderr).toBe(0);
    const hits = results(text);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => String(h.text).toLowerCase().includes('guanciale'))).toBe(true);
  });

  it('-k, --path and --after filter the results', async () => {
    expect(results(await ragctl('search', '--json', '-k', '3', 'notes'))).toHaveLength(3);
    const garden = results(await ragctl('search', '--json', '--path', 'garden/**', 'eggs and cheese'));
    expect(new Set(garden.map((h) => h.path))).toEqual(new Set([ws.path('garden/tomatoes.md')]));
    // The same folder named from the source folder's own name, as the CLI shows paths from above it.
    for (const named of [`${basename(ws.notes)}/garden/**`, `**/${basename(ws.notes)}/garden`]) {
      for (const mode of ['hybrid', 'vector', 'text']) {
        const found = results(
          await ragctl('search', '--json', '--mode', mode, '--path', named, 'eggs and cheese'),
        );
        expect(new Set(found.map((h) => h.path)), `${mode} ${named}`).toEqual(
          new Set([ws.path('garden/tomatoes.md')]),
        );
      }
    }
    expect(
      results(await ragctl('search', '--json', '--path', 'elsewhere/garden/**', 'eggs and cheese')),
    ).toEqual([]);
    // Nothing passing the filter is said, not left as "no results" for the words.
    const none = await ragctl('search', '--path', 'elsewhere/garden/**', 'eggs and cheese');
    expect(none.stderr).toContain(
      '(no indexed chunk passes the filter path "elsewhere/garden/**", whatever its words)',
    );
    // Named from where the user stands, as the CLI prints paths: above the source, and inside it.
    const from = async (cwd: string, glob: string) =>
      results(
        await runCli(['search', '--json', '--path', glob, 'eggs and cheese', '--config', config], { cwd }),
      ).map((h) => h.path);
    const tomatoes = new Set([ws.path('garden/tomatoes.md')]);
    expect(
      new Set(await from(dirname(ws.root), `${basename(ws.root)}/${basename(ws.notes)}/garden/**`)),
    ).toEqual(tomatoes);
    expect(new Set(await from(ws.path('ops'), '../garden/'))).toEqual(tomatoes);

    const query = ['--json', '--mode', 'vector', 'meeting notes about the office move'];
    const unfiltered = results(await ragctl('search', ...query));
    expect(unfiltered[0]?.path).toBe(ws.path(OLD_FILE));
    const recent = await ragctl('search', ...query, '--after', '7d');
    expect(recent.code, recent.stderr).toBe(0);
    const paths = results(recent).map((h) => h.path);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths).not.toContain(ws.path(OLD_FILE));
    expect(results(await ragctl('search', ...query, '--after', '2019-12-31')).map((h) => h.path)).toContain(
      ws.path(OLD_FILE),
    );
    // A range that ends before it starts is a mistake to name, not a search that finds nothing.
    const inverted = await ragctl('search', 'notes', '--after', '2024-03-01', '--before', '2024-02-01');
    expect(inverted.code).toBe(2);
    expect(inverted.stderr).toContain('after 2024-03-01 is not before 2024-02-01');
  });

  it("--before and --heading (the markdown engine's own field) filter the results", async () => {
    const query = ['search', '--json', '--mode', 'vector', '-k', '50', 'meeting notes about the office move'];
    const old = results(await ragctl(...query, '--before', '2021-01-01'));
    expect(old.map((h) => h.path)).toEqual([ws.path(OLD_FILE)]);
    const watering = results(await ragctl(...query, '--heading', 'Watering'));
    expect(watering.map((h) => h.heading_path)).toEqual([['Tomatoes', 'Watering']]);
  });

  it('a quoted phrase filters the hits; one nothing holds falls back with a note on stderr and in --json', async () => {
    const quoted = await ragctl('search', '--json', '"egg yolks"', 'sauce');
    expect(quoted.code, quoted.stderr).toBe(0);
    const json = oneJsonLine(quoted);
    expect(json.note).toBeUndefined();
    expect((json.results as { path: string }[]).map((h) => h.path)).toEqual([
      ws.path('cooking/carbonara.md'),
    ]);
    const loose = await ragctl('search', '"yolks of eggs"', 'sauce');
    expect(loose.code, loose.stderr).toBe(0);
    expect(loose.stderr).toContain(
      '(nothing indexed holds "yolks of eggs" as written: these results are ranked by its words alone)',
    );
    expect(loose.stdout).toMatch(/^ 1\. notes\/cooking\/carbonara\.md/);
    expect(oneJsonLine(await ragctl('search', '--json', '"yolks of eggs"')).note).toMatch(
      /^nothing indexed holds/,
    );
  });

  it('bad usage exits 2 with a message saying what is wrong', async () => {
    const mode = await ragctl('search', '--mode', 'bogus', 'anything');
    expect(mode.code).toBe(2);
    expect(mode.stdout).toBe('');
    expect(mode.stderr).toContain('--mode must be one of hybrid, vector, text');

    const engine = await ragctl('search', '--json', '--engine', 'nope', 'anything');
    expect(engine.code).toBe(2);
    expect(oneJsonLine(engine)).toEqual({
      error: {
        code: 'E_USAGE',
        message: "no engine 'nope' (engines: md)",
        fix: expect.stringContaining(
          'define it under `engines:` in your config and put `engine: nope` on the sources it reads',
        ),
      },
    });
    // A built-in engine needs only naming on a source.
    const sql = await ragctl('search', '--json', '--engine', 'sql', 'anything');
    expect(sql.code).toBe(2);
    expect(oneJsonLine(sql)).toMatchObject({
      error: {
        fix: expect.stringContaining('add `engine: sql` to the sources in your config that hold its files'),
      },
    });
    // A kind of file is no engine: the filter that keeps it is named.
    const pdf = await ragctl('search', '--json', '--engine', 'pdf', 'anything');
    expect(pdf.code).toBe(2);
    expect(oneJsonLine(pdf)).toMatchObject({
      error: {
        fix: "to search .pdf files only, use `--path '**/*.pdf'`; an engine is what reads a source (md)",
      },
    });

    const k = await ragctl('search', '-k', 'many', 'anything');
    expect(k.code).toBe(2);
    expect(k.stderr).toContain('-k must be an integer from 1 to 1000, not "many"');

    const after = await ragctl('search', '--after', 'last tuesday', 'anything');
    expect(after.code).toBe(2);
    expect(after.stderr).toContain('--after must be a date (2024-05-01, UTC)');
    expect(after.stderr).toContain('not "last tuesday"');
  });
});
