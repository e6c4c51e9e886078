import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import { testModel } from '../../helpers/model.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * The onnx graph is built once from the safetensors and cached: the next start reads it, and a
 * damaged cache file is rebuilt rather than failing every start.
 */
let dir: string;
let cleanup: () => Promise<void>;
const TEXTS = ['where the river bends', 'a short note about onnx graphs'];

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('onnx-cache'));
});
afterAll(() => cleanup());

async function loadAndEmbed(): Promise<{ cached: unknown; graph: string; vectors: Float32Array }> {
  const embedder = new OnnxEmbedder({ model: testModel().dir, batchTokens: 4096, graphCacheDir: dir });
  try {
    const { details } = await embedder.load();
    return {
      cached: details.graphCached,
      graph: String(details.graph),
      vectors: await embedder.embed(TEXTS),
    };
  } finally {
    await embedder.close();
  }
}

describe('onnx graph cache', () => {
  it('builds the graph once, reads it at the next start, and rebuilds a damaged one', async () => {
    const first = await loadAndEmbed();
    expect(first.cached).toBe(false);
    expect(first.graph.startsWith(dir)).toBe(true);
    expect(existsSync(first.graph)).toBe(true);

    const second = await loadAndEmbed();
    expect(second).toMatchObject({ cached: true, graph: first.graph });
    expect(second.vectors).toEqual(first.vectors);

    writeFileSync(first.graph, 'not an onnx model');
    const third = await loadAndEmbed();
    expect(third.cached).toBe(false);
    expect(third.vectors).toEqual(first.vectors);
    expect((await loadAndEmbed()).cached).toBe(true);
  });
});
