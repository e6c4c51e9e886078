import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlxEmbedder } from '../../../src/embed/mlx-embedder.js';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import type { Embedder } from '../../../src/embed/types.js';
import { EmbedWorker } from '../../../src/embed/worker/embed-worker.js';
import { silentLogger } from '../../../src/log.js';
import { modelConfig } from '../../fixtures/worker/harness.js';
import { testModel } from '../../helpers/model.js';

/**
 * Late-interaction scores from the real model on every local backend, against the reference
 * that sentence-transformers' own token embeddings give (scripts/reference/reference_late_scores.py
 * wrote test/fixtures/parity/late.json), and through the embed worker's process.
 */
interface LateReference {
  queries: string[];
  texts: string[];
  scores: number[][];
}
const reference = JSON.parse(
  readFileSync(new URL('../../fixtures/parity/late.json', import.meta.url), 'utf8'),
) as LateReference;

const model = testModel().dir;
const embedders: Record<string, Embedder> = {};

beforeAll(() => {
  embedders.onnx = new OnnxEmbedder({ model, batchTokens: 4096 });
  embedders.mlx = new MlxEmbedder({ model, batchTokens: 4096 });
});
afterAll(async () => {
  await Promise.all(Object.values(embedders).map((e) => e.close()));
});

const worst = (got: Float32Array, want: readonly number[]) =>
  Math.max(...want.map((w, i) => Math.abs(got[i]! - w)));

describe('lateScores', () => {
  // MLX runs slower on a CPU: one query there, every one on onnx.
  it.each([
    ['onnx', reference.queries.length],
    ['mlx', 1],
  ])(
    '%s gives the reference scores of every text, long ones truncated as the model reads them',
    async (name, queries) => {
      const embedder = embedders[name]!;
      // Batched by length with padding: a text's score must not depend on its neighbours.
      for (const [i, query] of reference.queries.slice(0, queries).entries()) {
        const got = await embedder.lateScores!(query, reference.texts);
        expect(got).toHaveLength(reference.texts.length);
        expect(worst(got, reference.scores[i]!), query).toBeLessThan(1e-4);
      }
    },
    180_000,
  );

  it('scores the text that answers above the ones that do not', async () => {
    const got = await embedders.onnx!.lateScores!('how do I undo my last commit but keep my changes', [
      'Python lists are mutable sequences of items.',
      'git reset --soft HEAD~1 moves the branch back one commit and leaves your changes staged.',
      'The fox ran over the hill.',
    ]);
    expect(got[1]).toBeGreaterThan(got[0]!);
    expect(got[1]).toBeGreaterThan(got[2]!);
  });

  it('answers an empty list without loading anything', async () => {
    const fresh = new OnnxEmbedder({ model, batchTokens: 4096 });
    expect(await fresh.lateScores('anything', [])).toHaveLength(0);
    await fresh.close();
    await expect(fresh.lateScores('q', ['t'])).rejects.toMatchObject({ code: 'E_EMBED' });
  });

  it("is the embed worker's too: the same scores through its process, in the query lane", async () => {
    const worker = new EmbedWorker({ config: modelConfig(model, 512, 'onnx'), logger: silentLogger() });
    try {
      const query = reference.queries[0]!;
      // 512 tokens a request: the texts go out as several requests, stitched back in order.
      const got = await worker.lateScores!(query, reference.texts, { priority: 'query' });
      expect(worst(got, reference.scores[0]!)).toBeLessThan(1e-4);
      // Vectors still come back as vectors from the same process.
      expect(await worker.embed(['hello'])).toHaveLength(384);
    } finally {
      await worker.close();
    }
  }, 120_000);

  it('is absent from a worker whose embedder has no token vectors (a remote server)', () => {
    const worker = new EmbedWorker({
      config: {
        type: 'openai',
        model: 'any',
        maxTokens: null,
        batchTokens: 4096,
        settings: { endpoint: 'http://127.0.0.1:9/v1', dimensions: 384, tokenizer: model },
      },
      logger: silentLogger(),
    });
    expect(worker.lateScores).toBeUndefined();
    const local = new EmbedWorker({ config: modelConfig(model), logger: silentLogger() });
    expect(typeof local.lateScores).toBe('function');
  });
});
