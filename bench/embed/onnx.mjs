#!/usr/bin/env node
// ragctl's onnx runner: the onnx embedder exactly as the embed worker runs it (the graph ragctl
// builds from the safetensors, the project's tokenizer, token-budget batching), on the same
// texts and batches as the peers.
//
//   npm run build && node bench/embed/onnx.mjs --texts bench/data/texts-128.json --batch-size 32 \
//        [--iterations 3] [--warmup 3] [--threads 2] [--precision fp32|int8] [--ops fused|plain]
//
// --ops plain: the graph of standard ONNX ops only (the fallback, and the graph before the fused
// contrib kernels), to compare the two side by side in one run.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { readTextsFile, resultLine, timeEmbedder } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    texts: { type: 'string' },
    'batch-size': { type: 'string' },
    iterations: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    threads: { type: 'string' },
    'graph-cache': { type: 'string' },
    precision: { type: 'string', default: 'fp32' },
    ops: { type: 'string', default: 'fused' },
  },
});

if (!args.texts || !args['batch-size']) throw new Error('--texts and --batch-size are required');
const batchSize = Number.parseInt(args['batch-size'], 10);
const iterations = Number.parseInt(args.iterations, 10);
const warmup = Number.parseInt(args.warmup, 10);
const data = readTextsFile(args.texts);

const { OnnxEmbedder } = await import('../../dist/embed/onnx/onnx-embedder.js');
const embedder = new OnnxEmbedder({
  model: 'sentence-transformers/all-MiniLM-L6-v2',
  // One forward pass per benchmark batch: the same batches the peers get.
  batchTokens: batchSize * data.tokens_per_text,
  threads: args.threads ? Number.parseInt(args.threads, 10) : null,
  precision: args.precision,
  ops: args.ops,
  // The worker's cache unless given: after its first start the worker reads the built graph,
  // so RSS is measured as it runs then (building it in-process holds the weights a while).
  ...(args['graph-cache'] ? { graphCacheDir: args['graph-cache'] } : {}),
});
const loadStart = performance.now();
const runtime = await embedder.load();
const loadMs = performance.now() - loadStart;
const { batchMs, done, seconds } = await timeEmbedder(embedder, data, {
  file: args.texts,
  batchSize,
  warmup,
  iterations,
});

console.log(
  resultLine({
    runner: `ragctl-onnx${args.precision === 'fp32' ? '' : `-${args.precision}`}${args.ops === 'plain' ? '-plain' : ''}`,
    runtime: {
      onnxruntime: 'onnxruntime-node 1.31.1',
      backend: runtime.backend,
      precision: runtime.details.precision,
      graph_ops: runtime.details.graphOps,
      threads: runtime.details.threads,
      node: process.versions.node,
    },
    tokensPerText: data.tokens_per_text,
    batchSize,
    texts: done,
    seconds,
    tokens: done * data.tokens_per_text,
    batchMs,
    extra: {
      iterations,
      warmup_batches: warmup,
      load_ms: Math.round(loadMs),
      graph_cached: runtime.details.graphCached,
    },
  }),
);
await embedder.close();
