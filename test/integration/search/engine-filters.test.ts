import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../../src/app.js';
import { buildProgram } from '../../../src/cli/main.js';
import type { Embedder } from '../../../src/embed/types.js';
import { isRagError } from '../../../src/errors.js';
import { request } from '../../../src/ipc/client.js';
import type { SearchResult } from '../../../src/ipc/protocol.js';
import { silentLogger } from '../../../src/log.js';
import { createRegistry } from '../../../src/registry/builtins.js';
import { type SearchParams, searchParamsSchema } from '../../../src/search/params.js';
import { toJson } from '../../../src/search/types.js';
import { countedMapper, wordCount } from '../../helpers/counted-mapper.js';
import { readChunks, realEmbedder, Workspace } from '../../helpers/index-workspace.js';
import { writeCorpus } from '../../helpers/search-corpus.js';
import { fakeDaemon, Harness } from '../ipc/helpers.js';

/** Sections of 6 to 66 words, all about the same thing, so every search finds all of them. */
function wordsFile(i: number): string {
  const sections = [1, 4, 8, 11].map((n) => {
    const body = Array.from({ length: n }, (_, s) => `Kiwi ${i}.${s} grows well.`).join(' ');
    return `## Kiwi part ${n}\n\n${body}\n`;
  });
  return `# Kiwi ${i}\n\n${sections.join('\n')}`;
}

/**
 * A second engine registered the way a later one will be (its own mapper, table and column,
 * and filter fields declared on the mapper), proven end to end: the CLI grows its flags, the
 * socket its params, both check them, and LanceDB applies the `where` to the real table.
 */
describe('an engine that declares filter fields', () => {
  const registry = createRegistry().registerMapper(countedMapper);
  const schema = searchParamsSchema(registry.searchFilters());
  const harness = new Harness();
  let model: Embedder;
  let ws: Workspace;
  let app: App;
  let socketPath: string;
  const wordsDir = () => join(ws.root, 'words');

  beforeAll(async () => {
    model = realEmbedder();
    ws = await Workspace.create('engine-filters');
    await writeCorpus(ws);
    await mkdir(wordsDir());
    for (const i of [1, 2, 3]) await writeFile(join(wordsDir(), `kiwi-${i}.md`), wordsFile(i));
    const config = ws.config({
      engines: {
        md: { chunker: 'markdown', chunkMinTokens: 8 },
        counted: { chunker: 'markdown', mapper: 'counted', chunkMinTokens: 8 },
      },
      // Deep enough that the notes' hits (the only engine that re-ranks) share its places.
      search: { rerank: 20 },
      sources: [
        { path: ws.notes, engine: 'md' },
        { path: wordsDir(), engine: 'counted' },
      ],
    });
    app = await App.open(config, { logger: silentLogger(), registry, makeEmbedder: () => model });
    await app.indexer.reconcile();
    await app.store.optimize();
    ({ socketPath } = await harness.listening(
      fakeDaemon({
        search: async (params, context) => toJson(await app.search.search(params, context.signal)),
      }),
      {},
      schema,
    ));
  });
  afterAll(async () => {
    await harness.teardown();
    await app?.close();
    await model?.close();
    await ws?.cleanup();
  });

  /** Runs `ragctl search …args` in process, its flags built from the registry, answered over the socket. */
  async function cli(...args: string[]): Promise<{ sent: SearchParams; result: SearchResult }> {
    let sent: SearchParams | undefined;
    let printed = '';
    const program = buildProgram({
      search: {
        filters: registry.searchFilters(),
        answer: async (params) => {
          sent = params;
          return { result: await request(socketPath, 'search', params), via: 'daemon' };
        },
        stdout: { write: (text) => (printed += text) },
      },
    });
    await program.parseAsync(['node', 'ragctl', 'search', '--json', ...args]);
    const { via, ...result } = JSON.parse(printed) as SearchResult & { via: string };
    expect(via).toBe('daemon');
    return { sent: sent!, result };
  }

  async function cliError(...args: string[]): Promise<unknown> {
    return cli(...args).then(
      () => undefined,
      (err: unknown) => err,
    );
  }

  const key = (h: { path: string; start_line: number }) => `${h.path}:${h.start_line}`;

  it('gets a flag, with its description, in `ragctl search --help`', () => {
    const help = (program: Command) => program.commands.find((c) => c.name() === 'search')!.helpInformation();
    const withEngine = help(buildProgram({ search: { filters: registry.searchFilters() } }));
    expect(withEngine).toMatch(/--min-words <n>\s+only chunks of at least this many words/);
    expect(withEngine).toMatch(/--max-words <n>\s+only chunks of at most this many words/);
    expect(withEngine).toMatch(/--heading <text>/);
    const builtin = help(buildProgram());
    expect(builtin).toMatch(/--heading <text>/);
    expect(builtin).not.toContain('--min-words');
  });

  it("filters in LanceDB on the engine's own column, from the flag through the socket", async () => {
    const stored = await readChunks(app.config, 'counted');
    expect(stored.length).toBeGreaterThan(6);
    const longOnes = stored.filter((c) => wordCount(c.text) >= 40).map(key_);
    const shortOnes = stored.filter((c) => wordCount(c.text) <= 20).map(key_);
    expect(longOnes.length).toBeGreaterThan(0);
    expect(shortOnes.length).toBeGreaterThan(0);

    const long = await cli('--mode', 'vector', '-k', '100', '--min-words', '40', 'kiwi growing');
    expect(long.sent).toEqual({ query: 'kiwi growing', mode: 'vector', k: 100, min_words: 40 });
    expect(long.result.results.map(key).sort()).toEqual(longOnes.sort());

    for (const mode of ['text', 'hybrid'] as const) {
      const short = await cli('--mode', mode, '-k', '100', '--max-words', '20', 'kiwi');
      const keys = short.result.results.map(key);
      expect(keys.length, mode).toBeGreaterThan(0);
      expect(
        keys.filter((k) => !shortOnes.includes(k)),
        mode,
      ).toEqual([]);
    }
  });

  it('narrows a search over all engines to those that have the field', async () => {
    const everything = await cli('--mode', 'vector', '-k', '100', 'kiwi');
    expect(new Set(everything.result.results.map((h) => h.engine))).toEqual(new Set(['md', 'counted']));
    const narrowed = await cli('--mode', 'vector', '-k', '100', '--max-words', '1000', 'kiwi');
    expect(new Set(narrowed.result.results.map((h) => h.engine))).toEqual(new Set(['counted']));
    const headed = await cli('--mode', 'vector', '-k', '100', '--heading', 'Backups', 'restore');
    expect(headed.result.results.length).toBeGreaterThan(0);
    expect(headed.result.results.every((h) => h.engine === 'md' && h.heading_path.includes('Backups'))).toBe(
      true,
    );
  });

  it("--explain over several engines: each hit's own table score, and the merge that fused all tables' candidates again", async () => {
    // The fused order: re-ranking (below) moves hits to places whose scores were other hits'.
    const { result, sent } = await cli('--explain', '--no-rerank', '-k', '20', 'kiwi');
    expect(sent.rerank).toBe(false);
    expect(new Set(result.results.map((h) => h.engine))).toEqual(new Set(['md', 'counted']));
    for (const hit of result.results) {
      const e = hit.explain!;
      expect(e.fusion?.method).toBe('relative-score');
      // Relative score: 0 (last in the one leg that found it) to 1, and its file's evidence.
      const fused = e.score - e.fusion!.file.weight * e.fusion!.file.evidence;
      expect(fused).toBeGreaterThanOrEqual(0);
      expect(fused).toBeLessThanOrEqual(1 + 1e-9);
      // One model embeds both tables, so their candidates were fused again as one pool.
      expect(e.merge).toMatchObject({ method: 'relative-score', score: hit.score });
    }
    // Re-ranked, the merge still says what it fused; the score shown is the hit's new place's.
    const reranked = await cli('--explain', '-k', '20', 'kiwi');
    expect(reranked.sent.rerank).toBeUndefined();
    const moved = reranked.result.results.filter((h) => h.explain!.rerank);
    expect(moved.length).toBeGreaterThan(0);
    const fusedScores = result.results.map((h) => h.score);
    expect(reranked.result.results.map((h) => h.score)).toEqual(fusedScores);
    for (const hit of moved) {
      const before = hit.explain!.rerank!.before;
      expect(hit.explain!.merge!.score).toBe(fusedScores[before - 1]);
    }
    // One engine answering (its own field narrows to it): nothing is merged.
    const narrowed = await cli('--explain', '--max-words', '1000', 'kiwi');
    expect(narrowed.result.results.length).toBeGreaterThan(0);
    for (const hit of narrowed.result.results) {
      expect(hit.explain!.merge).toBeUndefined();
      expect(hit.explain!.where).toContain('1000');
    }
  });

  it('refuses a bad value on the command line and on the socket in the same words', async () => {
    const flag = await cliError('--min-words', 'many', 'kiwi');
    expect(isRagError(flag) && flag.code).toBe('E_USAGE');
    expect((flag as Error).message).toBe('--min-words must be a number, not "many"');

    const socket = await request(socketPath, 'search', { query: 'kiwi', min_words: '40' } as never).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isRagError(socket) && socket.code).toBe('E_PROTOCOL');
    expect((socket as Error).message).toBe('params.min_words must be a number, not "40"');
  });

  it('says which engines have a field when the search cannot use it', async () => {
    const usage = async (params: SearchParams) => {
      const err = await request(socketPath, 'search', params).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isRagError(err) && err.code, JSON.stringify(params)).toBe('E_USAGE');
      return (err as Error).message;
    };
    expect(await usage({ query: 'kiwi', engine: 'md', min_words: 5 })).toBe(
      "engine 'md' has no field for min_words (engines with it: counted)",
    );
    expect(await usage({ query: 'kiwi', heading: 'Backups', min_words: 5 })).toBe(
      'no engine of this index has all of heading (engines with it: md), min_words (engines with it: counted) (engines: md, counted)',
    );
  });

  it('is unknown to a socket whose registry lacks the engine', async () => {
    const builtin = await harness.listening(fakeDaemon());
    const err = await request(builtin.socketPath, 'search', { query: 'kiwi', min_words: 5 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(
      /^params\.min_words is not a search parameter \(known: .*heading.*\)$/,
    );
  });
});

function key_(c: { path: string; startLine: number }): string {
  return `${c.path}:${c.startLine}`;
}
