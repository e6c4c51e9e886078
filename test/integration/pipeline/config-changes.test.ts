import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../../src/embed/types.js';
import { CountingEmbedder } from '../../helpers/counting-embedder.js';
import {
  countByPath,
  inconsistencies,
  linkedModelCopy,
  paragraph,
  readChunks,
  realEmbedder,
  recordsOf,
  testEmbedderType,
  type Workspace,
} from '../../helpers/index-workspace.js';
import { testModel } from '../../helpers/model.js';
import { usePipeline } from '../../helpers/pipeline.js';

/** Sections of ~70 tokens (one chunk at either limit below) and one of ~200 (split at 128). */
const DOC = `# Handbook\n\n## Short\n\n${paragraph('short', 4)}\n\n## Long\n\n${paragraph('long', 12)}\n\n## Brief\n\n${paragraph('brief', 4)}\n`;

describe('Indexer: a new model rebuilds, new chunker settings re-chunk and reuse what they can', () => {
  const pipeline = usePipeline();
  let modelA: Embedder;
  let modelB: Embedder;
  let modelDir: string;
  let copyDir: string;
  let ws: Workspace;

  beforeAll(async () => {
    modelA = pipeline.model;
    modelDir = await mkdtemp(join(tmpdir(), 'ragctl-model-'));
    copyDir = await linkedModelCopy(join(modelDir, 'minilm-copy'));
    modelB = realEmbedder(copyDir);
    expect(modelB.modelId).not.toBe(modelA.modelId);
  });
  afterAll(async () => {
    await modelB.close();
    await rm(modelDir, { recursive: true, force: true });
  });

  const open = (embedders: CountingEmbedder | Record<string, CountingEmbedder>, raw = {}) =>
    pipeline.open(ws.config(raw), embedders);

  it('another model drops the table and embeds everything again with the new model, saying why', async () => {
    ws = await pipeline.workspace('model');
    await ws.write('handbook.md', DOC);
    await ws.write('other.md', `# Other\n\n${paragraph('other')}\n`);
    const first = new CountingEmbedder(modelA);
    const a = await open(first);
    const initial = await a.indexer.reconcile();
    expect(initial.rebuilt).toEqual([]);
    const rows = (await readChunks(a.config)).length;
    await a.close();

    const second = new CountingEmbedder(modelB);
    const b = await open(second);
    const rebuilt = await b.indexer.reconcile();
    expect(rebuilt.rebuilt).toHaveLength(1);
    expect(rebuilt.rebuilt[0]?.engine).toBe('md');
    expect(rebuilt.rebuilt[0]?.reason).toContain(modelB.modelId);
    expect(rebuilt).toMatchObject({
      filesAdded: 2,
      filesChanged: 0,
      filesUnchanged: 0,
      chunksEmbedded: rows,
    });
    expect(second.indexed).toHaveLength(rows);
    expect(b.indexer.table('md')!.modelId).toBe(modelB.modelId);
    expect((await readChunks(b.config)).length).toBe(rows);
    expect(await inconsistencies(b)).toEqual([]);

    // Reported once: the next run is an ordinary unchanged run.
    expect(await b.indexer.reconcile()).toMatchObject({ rebuilt: [], filesUnchanged: 2, chunksEmbedded: 0 });
  });

  it('a new chunkMaxTokens re-chunks every file; chunks whose text did not change keep their vectors', async () => {
    ws = await pipeline.workspace('chunking');
    const path = await ws.write('handbook.md', DOC);
    const counter = new CountingEmbedder(modelA);
    const a = await open(counter);
    await a.indexer.reconcile();
    const before = await readChunks(a.config);
    expect(before.map((r) => r.headingPath.at(-1))).toEqual(['Short', 'Long', 'Brief']);
    await a.close();

    const recounted = new CountingEmbedder(modelA);
    const b = await open(recounted, { engines: { md: { chunker: 'markdown', chunkMaxTokens: 128 } } });
    const summary = await b.indexer.reconcile();
    const after = await readChunks(b.config);
    expect(summary.rebuilt).toEqual([]);
    expect(summary).toMatchObject({ filesChanged: 1, filesUnchanged: 0 });
    const longParts = after.filter((r) => r.headingPath.at(-1) === 'Long');
    expect(longParts.length).toBeGreaterThan(1);
    // Only the long section's new pieces were embedded; the short ones are the same text.
    expect(summary.chunksEmbedded).toBe(longParts.length);
    expect(summary.chunksReused).toBe(2);
    expect(new Set(recounted.indexed)).toEqual(new Set(longParts.map((r) => r.text)));
    const vectorOf = (rows: typeof after, h: string) => rows.find((r) => r.headingPath.at(-1) === h)!.vector;
    expect(vectorOf(after, 'Brief')).toEqual(vectorOf(before, 'Brief'));
    expect(countByPath(after).get(path)).toBe(after.length);
    expect((await recordsOf(b)).get(path)?.chunkCount).toBe(after.length);
    expect(await inconsistencies(b)).toEqual([]);

    // The new settings are recorded: the next run is stat-only.
    expect(await b.indexer.reconcile()).toMatchObject({ filesUnchanged: 1, chunksEmbedded: 0 });
  });

  it("vectors remembered from one engine's deletes are never reused by an engine with another model", async () => {
    ws = await pipeline.workspace('engines');
    const journal = join(ws.root, 'journal');
    await mkdir(journal);
    const raw = {
      embedders: {
        default: { type: testEmbedderType(), model: testModel().dir },
        other: { type: testEmbedderType(), model: copyDir },
      },
      engines: {
        md: { chunker: 'markdown', embedder: 'default' },
        log: { chunker: 'markdown', embedder: 'other' },
      },
      sources: [
        { path: ws.notes, engine: 'md' },
        { path: journal, engine: 'log' },
      ],
    };
    const a = new CountingEmbedder(modelA);
    const b = new CountingEmbedder(modelB);
    const app = await open({ default: a, other: b }, raw);
    const body = `# Same words\n\n${paragraph('moved between engines')}\n`;
    const inNotes = await ws.write('note.md', body);
    await app.indexer.reconcile();
    expect(a.indexed).toHaveLength(1);

    // Moved from the md source to the log source, reported as two events, delete first.
    await rm(inNotes);
    const inJournal = join(journal, 'note.md');
    await writeFile(inJournal, body);
    await app.indexer.syncPaths([inNotes]);
    const added = await app.indexer.syncPaths([inJournal]);
    expect(added).toMatchObject({ filesAdded: 1, chunksEmbedded: 1 });
    expect(b.indexed).toHaveLength(1);
    expect(await readChunks(app.config, 'log')).toHaveLength(1);
    expect(await inconsistencies(app, 'log')).toEqual([]);
  });

  it("a source switched to another engine moves its files to that engine's table", async () => {
    ws = await pipeline.workspace('engine-switch');
    const engines = {
      md: { chunker: 'markdown' },
      notes: { chunker: 'markdown' },
    };
    const path = await ws.write('page.md', `# Page\n\n${paragraph('page')}\n`);
    const first = await open(new CountingEmbedder(modelA), { engines });
    await first.indexer.reconcile();
    expect(await readChunks(first.config, 'md')).toHaveLength(1);
    await first.close();

    const second = await open(new CountingEmbedder(modelA), {
      engines,
      sources: [{ path: ws.notes, engine: 'notes' }],
    });
    const summary = await second.indexer.reconcile();
    expect(summary.filesUnchanged).toBe(0);
    expect(await readChunks(second.config, 'md')).toEqual([]);
    expect((await readChunks(second.config, 'notes')).map((r) => r.path)).toEqual([path]);
    expect((await recordsOf(second)).get(path)).toMatchObject({ engine: 'notes', status: 'indexed' });
    expect(await inconsistencies(second, 'notes')).toEqual([]);
    expect(
      (await second.search.search({ query: 'page', mode: 'vector', engine: 'notes' })).results,
    ).toHaveLength(1);
  });
});
