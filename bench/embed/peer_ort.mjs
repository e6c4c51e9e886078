#!/usr/bin/env node
// Peer runner: @huggingface/transformers (transformers.js) on onnxruntime-node, CPU, fp32.
//
//   node bench/embed/peer_ort.mjs --texts bench/data/texts-128.json --batch-size 32 \
//        [--iterations 3] [--warmup 3] [--threads 2] [--model-root bench/data] [--model onnx-minilm]
//
// Needs the ONNX export (python3 bench/embed/export_onnx.py). Loads it strictly from disk
// (allowRemoteModels = false), runs the feature-extraction pipeline with mean pooling and L2
// normalisation — the same work as sentence-transformers' Transformer + Pooling + Normalize —
// and prints the shared JSON result line (see common.mjs and docs/bench-embed-peers.md).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { env, pipeline } from '@huggingface/transformers';
import { REPO, readTextsFile, resultLine, toBatches } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    texts: { type: 'string' },
    'batch-size': { type: 'string' },
    iterations: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    'model-root': { type: 'string', default: join(REPO, 'bench', 'data') },
    model: { type: 'string', default: 'onnx-minilm' },
  },
});

function packageVersion(name) {
  const require = createRequire(import.meta.url);
  // Resolve the package's main entry, then walk to its package.json (exports may hide it).
  let dir = require.resolve(name);
  for (;;) {
    const parent = resolve(dir, '..');
    try {
      const pkg = JSON.parse(readFileSync(join(parent, 'package.json'), 'utf8'));
      if (pkg.name === name) return pkg.version;
    } catch {
      // not a package root yet
    }
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

async function main() {
  if (!args.texts || !args['batch-size']) throw new Error('--texts and --batch-size are required');
  const batchSize = Number.parseInt(args['batch-size'], 10);
  const iterations = Number.parseInt(args.iterations, 10);
  const warmup = Number.parseInt(args.warmup, 10);
  const threads = Number.parseInt(args.threads, 10);
  const data = readTextsFile(args.texts);

  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${resolve(args['model-root'])}/`;
  const extractor = await pipeline('feature-extraction', args.model, {
    dtype: 'fp32',
    device: 'cpu',
    // Passed through to onnxruntime-node's InferenceSession.create; its default is one thread per core.
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });

  // Same check as peer_st.py: this runner's tokenizer must see exactly tokens_per_text per text.
  const { attention_mask: mask } = extractor.tokenizer(data.texts, { padding: true, truncation: true });
  const [rows, cols] = mask.dims;
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let c = 0; c < cols; c++) n += Number(mask.data[r * cols + c]);
    if (n !== data.tokens_per_text) {
      throw new Error(`${args.texts}: text ${r} has ${n} tokens here, expected ${data.tokens_per_text}`);
    }
  }

  const batches = toBatches(data.texts, batchSize);
  const embed = (batch) => extractor(batch, { pooling: 'mean', normalize: true });
  for (let i = 0; i < warmup; i++) await embed(batches[i % batches.length]);

  const batchMs = [];
  let done = 0;
  let last;
  const start = performance.now();
  for (let it = 0; it < iterations; it++) {
    for (const batch of batches) {
      const t0 = performance.now();
      last = await embed(batch);
      batchMs.push(performance.now() - t0);
      done += batch.length;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  if (!last.data.every(Number.isFinite)) throw new Error('non-finite embeddings');

  console.log(
    resultLine({
      runner: 'transformers.js+onnxruntime',
      runtime: {
        transformers_js: packageVersion('@huggingface/transformers'),
        onnxruntime_node: packageVersion('onnxruntime-node'),
        node: process.versions.node,
        threads,
      },
      tokensPerText: data.tokens_per_text,
      batchSize,
      texts: done,
      seconds,
      tokens: done * data.tokens_per_text,
      batchMs,
      extra: { iterations, warmup_batches: warmup },
    }),
  );
  await extractor.dispose();
}

await main();
