import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BertModel } from '../../../src/embed/model/bert-model.js';
import { readFloatTensors } from '../../../src/embed/model/safetensors.js';
import { buildBertGraph } from '../../../src/embed/onnx/bert-graph.js';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import { DataType, encodeModel } from '../../../src/embed/onnx/proto.js';
import { type GraphCandidate, loadFirstGraph } from '../../../src/embed/onnx/session-load.js';
import { testModel } from '../../helpers/model.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * The fp32 graph runs ORT's contrib Attention and BiasGelu kernels (bert-graph.ts): same vectors
 * as the plain graph, padding included, so the same model signature. An onnxruntime without
 * one of those kernels refuses the fused graph and the embedder runs the plain one.
 */
const DIM = 384;
/** Same weights, other kernels (one packed QKV GEMM, another softmax): float rounding only. */
const KERNEL_TOLERANCE = 1e-5;
/** One short text padded beside long ones: the fused Attention must mask the padding too. */
const TEXTS = [
  'a',
  'where the river bends past the old mill, the water slows and the fish rest in the shade of the willows',
  'onnxruntime fuses attention',
  'the quick brown fox jumps over the lazy dog, again and again, until the dog finally wakes up and the fox runs off into the forest',
];

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('onnx-fused'));
});
afterAll(() => cleanup());

async function embedWith(ops: 'fused' | 'plain'): Promise<{
  details: Record<string, unknown>;
  modelId: string;
  vectors: Float32Array;
}> {
  const embedder = new OnnxEmbedder({
    model: testModel().dir,
    batchTokens: 1 << 16,
    graphCacheDir: dir,
    ops,
  });
  try {
    const { details } = await embedder.load();
    return { details, modelId: embedder.modelId, vectors: await embedder.embed(TEXTS) };
  } finally {
    await embedder.close();
  }
}

/** A model whose one node is a com.microsoft op that no onnxruntime registers. */
function graphWithMissingKernel(): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsets: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    producerName: 'ragctl-test',
    producerVersion: '0',
    graph: {
      name: 'missing-kernel',
      nodes: [
        { op: 'NoSuchFusedKernel', inputs: ['x'], outputs: ['y'], name: 'n0', domain: 'com.microsoft' },
      ],
      initializers: [],
      inputs: [{ name: 'x', dataType: DataType.FLOAT, dims: [1] }],
      outputs: [{ name: 'y', dataType: DataType.FLOAT, dims: [1] }],
    },
  });
}

describe('onnx fused graph', () => {
  it('runs the fused graph by default, with the plain graph’s vectors and the same model id', async () => {
    const fused = await embedWith('fused');
    const plain = await embedWith('plain');
    expect(fused.details.graphOps).toBe('fused');
    expect(plain.details.graphOps).toBe('plain');
    expect(fused.details.graph).not.toBe(plain.details.graph);
    // The graph files themselves: the fused one names ORT's contrib kernels, the plain one none.
    const fusedBytes = readFileSync(String(fused.details.graph));
    expect(fusedBytes.includes('com.microsoft')).toBe(true);
    expect(fusedBytes.includes('Attention')).toBe(true);
    expect(fusedBytes.includes('BiasGelu')).toBe(true);
    expect(readFileSync(String(plain.details.graph)).includes('com.microsoft')).toBe(false);
    expect(fused.modelId).toBe(plain.modelId);
    expect(fused.vectors.length).toBe(TEXTS.length * DIM);
    let worst = 0;
    for (let i = 0; i < fused.vectors.length; i++)
      worst = Math.max(worst, Math.abs(fused.vectors[i]! - plain.vectors[i]!));
    expect(worst).toBeLessThanOrEqual(KERNEL_TOLERANCE);
  });

  it('falls back to the plain graph when onnxruntime lacks a kernel of the fused one', async () => {
    const ort = await import('onnxruntime-node');
    const model = new BertModel(testModel().dir, { maxTokens: null });
    const read = readFloatTensors(model.files.weights, model.tensors, model.spec.prefix);
    const candidates: GraphCandidate[] = [
      { ops: 'fused', file: join(dir, 'missing-kernel.onnx'), build: graphWithMissingKernel },
      {
        ops: 'plain',
        file: join(dir, 'plain.onnx'),
        build: () => buildBertGraph(model.spec, read, { ops: 'plain' }),
      },
    ];
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const loaded = await loadFirstGraph(
      candidates,
      (bytes) => ort.InferenceSession.create(bytes),
      model.files.weights,
      pino({ level: 'warn' }, sink),
    );
    try {
      expect(loaded).toMatchObject({ ops: 'plain', file: candidates[1]!.file, cached: false });
      // The refused graph is not cached, so the next start does not take it for a damaged file.
      expect(existsSync(candidates[0]!.file)).toBe(false);
      expect(existsSync(candidates[1]!.file)).toBe(true);
      const ids = new ort.Tensor('int64', BigInt64Array.from([101n, 7592n, 102n]), [1, 3]);
      const mask = new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n]), [1, 3]);
      const out = await loaded.session.run({ input_ids: ids, attention_mask: mask });
      expect(out.pooled!.dims).toEqual([1, DIM]);
      const warned = lines.map((l) => JSON.parse(l) as { graph?: string; err?: string });
      expect(warned).toHaveLength(1);
      expect(warned[0]!.graph).toBe('fused');
      expect(warned[0]!.err).toContain('NoSuchFusedKernel');
    } finally {
      await loaded.session.release();
    }
  });

  it('fails with E_MODEL naming the weights when no graph loads', async () => {
    const ort = await import('onnxruntime-node');
    const only: GraphCandidate = {
      ops: 'fused',
      file: join(dir, 'only.onnx'),
      build: graphWithMissingKernel,
    };
    await expect(
      loadFirstGraph(
        [only],
        (bytes) => ort.InferenceSession.create(bytes),
        '/weights/model.safetensors',
        pino({ level: 'silent' }),
      ),
    ).rejects.toMatchObject({
      code: 'E_MODEL',
      message: expect.stringContaining('/weights/model.safetensors'),
    });
  });
});
