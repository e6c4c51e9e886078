import { describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { isRagError } from '../../../src/errors.js';
import type { IndexProgress } from '../../../src/pipeline/types.js';
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

/** Three folders of two one-chunk files; the walk visits a/, then b/, then c/. */
const FILES = ['a/1.md', 'a/2.md', 'b/1.md', 'b/2.md', 'c/1.md', 'c/2.md'];
const body = (rel: string, variant = '') => `# ${rel}\n\n${paragraph(`${rel} ${variant}`, 3)}\n`;

describe('Indexer: an interrupted or failed run leaves a consistent index that the next run completes', () => {
  const pipeline = usePipeline();
  let ws: Workspace;
  let counter: CountingEmbedder;

  /** One commit per file, so a run can be stopped between commits. */
  async function start(failOnCall?: number): Promise<App> {
    ws = await pipeline.workspace('abort');
    for (const rel of FILES) await ws.write(rel, body(rel));
    counter = pipeline.counter(failOnCall === undefined ? {} : { failOnCall });
    return pipeline.open(ws.config({ indexing: { commitFiles: 1 } }), counter);
  }

  /** Aborts once `commits` files have been committed in this run. */
  function abortAfter(commits: number): { signal: AbortSignal; onProgress: (p: IndexProgress) => void } {
    const controller = new AbortController();
    return {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'indexing' && p.filesIndexed >= commits) controller.abort(new Error('test stop'));
      },
    };
  }

  async function expectAborted(run: Promise<unknown>): Promise<void> {
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRagError(err) && err.code === 'E_ABORTED', `rejects with E_ABORTED, got ${String(err)}`).toBe(
      true,
    );
  }

  it('stops after the current commit, records only committed files, and a re-run finishes without duplicates', async () => {
    const a = await start();
    await expectAborted(a.indexer.reconcile(abortAfter(2)));
    const partial = await recordsOf(a);
    expect(partial.size).toBe(2);
    expect(await inconsistencies(a)).toEqual([]);
    const embeddedBefore = counter.indexed.length;

    const rest = await a.indexer.reconcile();
    expect(rest).toMatchObject({ filesAdded: FILES.length - 2, filesUnchanged: 2, filesDeleted: 0 });
    const counts = countByPath(await readChunks(a.config));
    expect(counts.size).toBe(FILES.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Nothing was embedded twice across the two runs.
    expect(counter.indexed).toHaveLength(FILES.length);
    expect(new Set(counter.indexed).size).toBe(FILES.length);
    expect(embeddedBefore).toBeLessThan(FILES.length);
    expect(await inconsistencies(a)).toEqual([]);
  });

  it('an interrupted reconcile deletes nothing it did not get to see', async () => {
    const a = await start();
    await a.indexer.reconcile();
    await ws.write('a/1.md', body('a/1.md', 'edited'));
    await ws.write('a/2.md', body('a/2.md', 'edited'));
    await expectAborted(a.indexer.reconcile(abortAfter(1)));
    // b/ and c/ were never walked: they are not "gone".
    const records = await recordsOf(a);
    expect([...records.keys()].sort()).toEqual(FILES.map((f) => ws.path(f)).sort());
    expect(countByPath(await readChunks(a.config)).size).toBe(FILES.length);
    expect(await inconsistencies(a)).toEqual([]);

    const rest = await a.indexer.reconcile();
    expect(rest).toMatchObject({ filesChanged: 1, filesDeleted: 0, filesUnchanged: FILES.length - 1 });
  });

  it('a run whose signal is already aborted writes nothing', async () => {
    const a = await start();
    const controller = new AbortController();
    controller.abort(new Error('before start'));
    await expectAborted(a.indexer.reconcile({ signal: controller.signal }));
    await expectAborted(a.indexer.syncPaths([ws.path('a/1.md')], { signal: controller.signal }));
    expect((await recordsOf(a)).size).toBe(0);
    expect(counter.indexed).toEqual([]);
  });

  it('an embedder failure part-way rejects the run; committed files stay consistent and the next run completes', async () => {
    const a = await start(3);
    const err = await a.indexer.reconcile().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(err)).toContain('failing indexing call 3');
    expect((await recordsOf(a)).size).toBe(2);
    expect(await inconsistencies(a)).toEqual([]);

    const rest = await a.indexer.reconcile();
    expect(rest).toMatchObject({ filesAdded: FILES.length - 2, filesUnchanged: 2 });
    expect(countByPath(await readChunks(a.config)).size).toBe(FILES.length);
    expect(new Set(counter.indexed).size).toBe(counter.indexed.length);
    expect(await inconsistencies(a)).toEqual([]);
  });

  it('a big file stopped while it embeds: the next run embeds only what the first had not', async () => {
    ws = await pipeline.workspace('abort-big');
    const sections = Array.from({ length: 160 }, (_, i) => `## Part ${i}\n\n${paragraph(`topic${i}`, 4)}\n`);
    await ws.write('big.md', `# Big\n\n${sections.join('\n')}`);
    counter = pipeline.counter();
    const a = await pipeline.open(ws.config(), counter);
    const controller = new AbortController();
    await expectAborted(
      a.indexer.reconcile({
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'embedding' && p.embedding!.chunksDone >= 64)
            controller.abort(new Error('test stop'));
        },
      }),
    );
    expect((await recordsOf(a)).size).toBe(0);
    const first = counter.indexed.length;
    const lastCall = counter.indexCallSizes.at(-1)!;
    counter.reset();

    const rest = await a.indexer.reconcile();
    const chunks = countByPath(await readChunks(a.config)).get(ws.path('big.md'))!;
    expect(chunks).toBeGreaterThan(120);
    expect(rest).toMatchObject({ filesAdded: 1 });
    // The slices embedded before the stop are reused; the one it stopped in is embedded again.
    expect(first).toBeGreaterThanOrEqual(64);
    expect(rest.chunksEmbedded).toBeLessThan(chunks);
    expect(rest.chunksEmbedded).toBeGreaterThanOrEqual(chunks - first);
    expect(rest.chunksEmbedded).toBeLessThanOrEqual(chunks - first + lastCall);
    expect(rest.chunksEmbedded + rest.chunksReused).toBe(chunks);
    expect(await inconsistencies(a)).toEqual([]);
  });
});
