import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { CountingEmbedder } from '../../helpers/counting-embedder.js';
import {
  countByPath,
  inconsistencies,
  paragraph,
  readChunks,
  recordsOf,
  type Workspace,
} from '../../helpers/index-workspace.js';
import { usePipeline } from '../../helpers/pipeline.js';

/** Three sections at one level, each well over chunkMinTokens: three chunks, one per section. */
function garden(sections: Record<string, string>): string {
  return `# Garden\n\n${Object.entries(sections)
    .map(([title, body]) => `## ${title}\n\n${body}\n`)
    .join('\n')}`;
}

const TOMATOES = paragraph('tomato');
const ROSES = paragraph('rose');
const COMPOST = paragraph('compost');

describe('Indexer delta: only what changed is read, chunked and embedded', () => {
  // Its teardown checks that the app closed its embedder (counter.closed).
  const pipeline = usePipeline();
  let ws: Workspace;
  let counter: CountingEmbedder;

  async function start(raw: Record<string, unknown> = {}): Promise<App> {
    let app: App;
    ({ ws, counter, app } = await pipeline.start('delta', raw));
    return app;
  }

  it('embeds every distinct chunk once, then an unchanged re-run costs a stat per file and nothing more', async () => {
    const a = await start();
    await ws.write('garden.md', garden({ Tomatoes: TOMATOES, Roses: ROSES, Compost: COMPOST }));
    // A whole-second mtime, so that setting it again below restores it exactly.
    const mtime = new Date('2024-03-01T12:00:00Z');
    const kitchen = await ws.write('sub/kitchen.md', `# Kitchen\n\n${paragraph('kitchen')}\n`, mtime);
    await ws.write('sub/deeper/hall.md', `# Hall\n\n${paragraph('hall')}\n`);

    const first = await a.indexer.reconcile();
    const rows = await readChunks(a.config);
    expect(first).toMatchObject({ filesSeen: 3, filesAdded: 3, filesChanged: 0, filesSkipped: 0 });
    expect(rows).toHaveLength(5);
    expect(first.chunksEmbedded).toBe(5);
    expect(counter.indexed).toHaveLength(5);
    expect(new Set(counter.indexed)).toEqual(new Set(rows.map((r) => r.text)));

    // Proof that only `stat` is consulted: new bytes of the same size with the old mtime are
    // not noticed (a content read would see them). That is the stat check's contract.
    await ws.write('sub/kitchen.md', `# Kitchen\n\n${paragraph('KITCHEN')}\n`, mtime);
    counter.reset();

    const again = await a.indexer.reconcile();
    expect(again).toMatchObject({
      filesSeen: 3,
      filesUnchanged: 3,
      filesAdded: 0,
      filesChanged: 0,
      filesDeleted: 0,
      chunksEmbedded: 0,
      chunksReused: 0,
    });
    expect(counter.indexed).toEqual([]);
    expect((await readChunks(a.config)).find((r) => r.path === kitchen)?.text).toContain('kitchen note');
  });

  it('a touched file (new mtime, same bytes) is not re-embedded, its rows are dated anew, and it is stat-only next time', async () => {
    const a = await start();
    const path = await ws.write('garden.md', garden({ Tomatoes: TOMATOES, Roses: ROSES, Compost: COMPOST }));
    await a.indexer.reconcile();
    const table = a.indexer.table('md')!;
    const version = (await table.stats()).version;
    const ids = (await readChunks(a.config)).map((r) => r.id).sort();
    // As `touch -d`, a checkout or `cp -p` leave it: dated in the past.
    const earlier = new Date(Date.UTC(2024, 2, 18));
    await utimes(path, earlier, earlier);
    counter.reset();

    const touched = await a.indexer.reconcile();
    expect(touched).toMatchObject({ filesUnchanged: 0, filesChanged: 1, chunksEmbedded: 0, chunksReused: 3 });
    expect(counter.indexed).toEqual([]);
    // Its rows written again with the new time: the same chunks, their vectors reused.
    expect((await table.stats()).version).toBeGreaterThan(version);
    expect((await readChunks(a.config)).map((r) => r.id).sort()).toEqual(ids);
    const record = (await recordsOf(a)).get(path)!;
    expect(record.mtimeMs).toBe((await stat(path)).mtimeMs);
    // --before and --after read the rows' time: the file is found by its date now.
    const before = await a.search.search({ query: 'tomatoes', mode: 'vector', before: '2024-04-01' });
    expect(before.results.map((h) => h.path)).toContain(path);
    const after = await a.search.search({ query: 'tomatoes', mode: 'vector', after: '2024-04-01' });
    expect(after.results).toEqual([]);

    const next = await a.indexer.reconcile();
    expect(next).toMatchObject({ filesUnchanged: 1, chunksEmbedded: 0 });
  });

  it('an edit that kept size and time is seen only when the file is forced (`ragctl reindex <file>`)', async () => {
    const a = await start();
    // A whole second, so that putting it back is exact.
    const when = new Date(Date.UTC(2026, 0, 5, 12));
    const path = await ws.write(
      'garden.md',
      garden({ Tomatoes: TOMATOES, Roses: ROSES, Compost: COMPOST }),
      when,
    );
    await a.indexer.reconcile();
    // Same length, other words, the old time put back (`sed -i` then `touch -r`).
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('Tomatoes', 'Potatoes'));
    await utimes(path, when, when);
    expect((await stat(path)).mtimeMs).toBe(when.getTime());
    counter.reset();
    expect(await a.indexer.syncPaths([path])).toMatchObject({ filesUnchanged: 1, chunksEmbedded: 0 });
    expect((await readChunks(a.config)).some((r) => r.text.includes('Potatoes'))).toBe(false);
    const forced = await a.indexer.syncPaths([path], { forced: new Set([path]) });
    expect(forced).toMatchObject({ filesChanged: 1, chunksEmbedded: 1, chunksReused: 2 });
    expect((await readChunks(a.config)).some((r) => r.text.includes('Potatoes'))).toBe(true);
    // Forced and unchanged: hashed, nothing re-chunked.
    counter.reset();
    const again = await a.indexer.syncPaths([path], { forced: new Set([path]) });
    expect(again).toMatchObject({ filesUnchanged: 1, chunksEmbedded: 0 });
  });

  it('editing one paragraph of a multi-section file embeds exactly that chunk and reuses the others', async () => {
    const a = await start();
    const path = await ws.write('garden.md', garden({ Tomatoes: TOMATOES, Roses: ROSES, Compost: COMPOST }));
    await a.indexer.reconcile();
    const before = await readChunks(a.config);
    expect(before).toHaveLength(3);
    counter.reset();

    const edited = paragraph('rose', 10, 'pruned ');
    await ws.write('garden.md', garden({ Tomatoes: TOMATOES, Roses: edited, Compost: COMPOST }));
    const summary = await a.indexer.syncPaths([path]);
    expect(summary).toMatchObject({ filesChanged: 1, chunksEmbedded: 1, chunksReused: 2 });
    expect(counter.indexed).toHaveLength(1);
    expect(counter.indexed[0]).toContain('pruned');

    const after = await readChunks(a.config);
    expect(after).toHaveLength(3);
    const byHeading = (rows: typeof after, h: string) => rows.find((r) => r.headingPath.includes(h))!;
    expect(byHeading(after, 'Roses').text).toContain(edited);
    for (const h of ['Tomatoes', 'Compost']) {
      // Reused, not recomputed: the very same stored vector.
      expect(byHeading(after, h).contentHash).toBe(byHeading(before, h).contentHash);
      expect(byHeading(after, h).vector).toEqual(byHeading(before, h).vector);
    }
    expect(await inconsistencies(a)).toEqual([]);
  });

  it('swapping two sections at the same level embeds nothing: chunks are reused by content hash', async () => {
    const a = await start();
    const path = await ws.write('garden.md', garden({ Tomatoes: TOMATOES, Roses: ROSES, Compost: COMPOST }));
    await a.indexer.reconcile();
    const before = await readChunks(a.config);
    counter.reset();

    await ws.write('garden.md', garden({ Tomatoes: TOMATOES, Compost: COMPOST, Roses: ROSES }));
    const summary = await a.indexer.reconcile();
    expect(summary).toMatchObject({ filesChanged: 1, chunksEmbedded: 0, chunksReused: 3 });
    expect(counter.indexed).toEqual([]);

    const after = await readChunks(a.config);
    expect(after.map((r) => r.headingPath.at(-1))).toEqual(['Tomatoes', 'Compost', 'Roses']);
    expect(new Set(after.map((r) => r.contentHash))).toEqual(new Set(before.map((r) => r.contentHash)));
    // Line numbers follow the move.
    const roses = (rows: typeof after) => rows.find((r) => r.headingPath.includes('Roses'))!.startLine;
    expect(roses(after)).toBeGreaterThan(roses(before));
    expect(countByPath(after).get(path)).toBe(3);
  });

  it('the same text in two files is embedded once, and a third copy later is not embedded at all', async () => {
    const a = await start();
    const body = `# Shared\n\n${paragraph('shared')}\n`;
    await ws.write('one.md', body);
    await ws.write('two.md', body);
    const first = await a.indexer.reconcile();
    expect(first).toMatchObject({ filesAdded: 2, chunksEmbedded: 1, chunksReused: 1 });
    expect(counter.indexed).toHaveLength(1);

    counter.reset();
    const three = await ws.write('three.md', body);
    const second = await a.indexer.syncPaths([three]);
    expect(second).toMatchObject({ filesAdded: 1, chunksEmbedded: 0, chunksReused: 1 });
    expect(counter.indexed).toEqual([]);
    const counts = countByPath(await readChunks(a.config));
    expect([...counts.values()]).toEqual([1, 1, 1]);
    expect(await inconsistencies(a)).toEqual([]);
  });

  it('commits a changed file with one replaceFiles (one table version), then its record (one more)', async () => {
    const a = await start();
    const path = await ws.write('garden.md', garden({ Tomatoes: TOMATOES, Roses: ROSES, Compost: COMPOST }));
    await ws.write('other.md', `# Other\n\n${paragraph('other')}\n`);
    await a.indexer.reconcile();
    const chunks = a.indexer.table('md')!;
    const [chunksBefore, recordsBefore] = [
      (await chunks.stats()).version,
      (await a.store.files.stats()).version,
    ];

    await ws.write(
      'garden.md',
      garden({ Tomatoes: TOMATOES, Roses: paragraph('rose', 12), Compost: COMPOST }),
    );
    await a.indexer.syncPaths([path]);
    expect((await chunks.stats()).version).toBe(chunksBefore + 1);
    expect((await a.store.files.stats()).version).toBe(recordsBefore + 1);
  });

  it('syncPaths given the same path twice indexes it once', async () => {
    const a = await start();
    const path = await ws.write('twice.md', `# Twice\n\n${paragraph('twice')}\n`);
    const summary = await a.indexer.syncPaths([path, path]);
    expect(summary).toMatchObject({ filesAdded: 1, chunksEmbedded: 1 });
    expect(countByPath(await readChunks(a.config)).get(path)).toBe(1);
    expect(await inconsistencies(a)).toEqual([]);
  });
});
