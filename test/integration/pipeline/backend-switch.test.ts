import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { MlxEmbedder } from '../../../src/embed/mlx-embedder.js';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import type { Embedder } from '../../../src/embed/types.js';
import { CountingEmbedder } from '../../helpers/counting-embedder.js';
import { inconsistencies, openApp, paragraph, readChunks, Workspace } from '../../helpers/index-workspace.js';
import { testModel } from '../../helpers/model.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * Switching the embedding backend keeps an index only when parity says the vectors are the same
 * model and precision: MLX fp32 → onnx fp32 reuses every vector; onnx fp32 → int8 (and back)
 * rebuilds the table, naming the new signature.
 */
const DOC = `# Field notes\n\n## Wombats\n\n${paragraph('wombat', 4)}\n\n## Quolls\n\n${paragraph('quoll', 4)}\n`;

const graphs = await makeTempDir('switch-graphs');
const dir = testModel().dir;
const mlx = new MlxEmbedder({ model: dir, batchTokens: 4096 });
const onnx = new OnnxEmbedder({ model: dir, batchTokens: 4096, graphCacheDir: graphs.dir });
const int8 = new OnnxEmbedder({
  model: dir,
  batchTokens: 4096,
  precision: 'int8',
  graphCacheDir: graphs.dir,
});
let ws: Workspace;
const apps: App[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await ws?.cleanup();
});
afterAll(async () => {
  for (const e of [mlx, onnx, int8]) await e.close();
  await graphs.cleanup();
});

async function reconcileWith(embedder: Embedder) {
  const counter = new CountingEmbedder(embedder);
  const app = await openApp(ws.config(), counter);
  apps.push(app);
  const summary = await app.indexer.reconcile();
  return { app, summary, counter };
}

describe('switching backends and precisions', () => {
  it('MLX fp32 → onnx fp32 keeps the index; onnx fp32 → int8 → fp32 rebuilds it each time, saying why', async () => {
    ws = await Workspace.create('switch');
    await ws.write('notes.md', DOC);

    const first = await reconcileWith(mlx);
    const rows = (await readChunks(first.app.config)).length;
    expect(rows).toBeGreaterThan(0);
    expect(first.summary.chunksEmbedded).toBe(rows);
    await first.app.close();

    // Same weights, same precision, parity-equal vectors: nothing is embedded again.
    const sameModel = await reconcileWith(onnx);
    expect(sameModel.summary).toMatchObject({ rebuilt: [], filesUnchanged: 1, chunksEmbedded: 0 });
    expect(sameModel.counter.indexed).toEqual([]);
    await sameModel.app.close();

    // int8 vectors are other vectors: the table is dropped and every chunk embedded again.
    const quantised = await reconcileWith(int8);
    expect(quantised.summary.rebuilt).toHaveLength(1);
    expect(quantised.summary.rebuilt[0]?.reason).toContain(int8.modelId);
    expect(quantised.summary).toMatchObject({ filesAdded: 1, chunksEmbedded: rows });
    expect(quantised.app.indexer.table('md')!.modelId).toBe(int8.modelId);
    expect(await inconsistencies(quantised.app)).toEqual([]);
    await quantised.app.close();

    // And back: the fp32 signature does not accept int8 vectors either.
    const back = await reconcileWith(onnx);
    expect(back.summary.rebuilt).toHaveLength(1);
    expect(back.summary.rebuilt[0]?.reason).toContain(`vectors of ${int8.modelId}`);
    expect(back.summary.chunksEmbedded).toBe(rows);
  });
});
