#!/usr/bin/env node
// The baseline of bench/ingest/overhead.mjs: the same texts embedded by onnxruntime-node
// directly — the same ONNX graph file and the same tokenizer as ragctl's onnx backend, batches
// of a fixed number of texts padded to their longest, no pipeline around it. Run in its own
// process so that it starts as cold as `ragctl index` does.
//
//   node bench/ingest/raw-onnx.mjs --texts texts.json --graph bert-….onnx --model <hf id or dir> \
//     [--batch 32] [--order corpus|sorted] [--threads N]
//
// Prints one JSON line: seconds to tokenise, seconds in session.run, padded tokens, and a
// checksum of the vectors (so two orders can be checked to give the same vectors).
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..', '..');
const { values: args } = parseArgs({
  options: {
    texts: { type: 'string' },
    graph: { type: 'string' },
    model: { type: 'string', default: 'sentence-transformers/all-MiniLM-L6-v2' },
    batch: { type: 'string', default: '32' },
    order: { type: 'string', default: 'corpus' },
    threads: { type: 'string' },
  },
});
if (!args.texts || !args.graph) throw new Error('--texts and --graph are required');

const ort = await import('onnxruntime-node');
const { BertModel } = await import(join(REPO, 'dist', 'embed', 'model', 'bert-model.js'));

const texts = JSON.parse(readFileSync(args.texts, 'utf8'));
const batchSize = Number(args.batch);
const threads = args.threads ? Number(args.threads) : availableParallelism();

const loadStarted = performance.now();
const model = new BertModel(args.model, { maxTokens: null });
const tokenizer = model.tokenizer;
const session = await ort.InferenceSession.create(args.graph, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
});
const loadSeconds = (performance.now() - loadStarted) / 1000;
const [idsName, maskName] = session.inputNames;
const outName = session.outputNames[0];

const t0 = performance.now();
const encoded = texts.map((t) => tokenizer.encode(t));
const tokenizeSeconds = (performance.now() - t0) / 1000;

const order = encoded.map((_, i) => i);
if (args.order === 'sorted') order.sort((a, b) => encoded[b].length - encoded[a].length || a - b);
else if (args.order !== 'corpus') throw new Error(`--order ${args.order}: corpus or sorted`);

let runSeconds = 0;
let paddedTokens = 0;
let realTokens = 0;
let checksum = 0;
let dimension = 0;
for (let start = 0; start < order.length; start += batchSize) {
  const rows = order.slice(start, start + batchSize);
  const seqLen = Math.max(...rows.map((i) => encoded[i].length));
  const ids = new BigInt64Array(rows.length * seqLen);
  const mask = new BigInt64Array(rows.length * seqLen);
  rows.forEach((i, r) => {
    const e = encoded[i];
    for (let j = 0; j < e.length; j++) {
      ids[r * seqLen + j] = BigInt(e[j]);
      mask[r * seqLen + j] = 1n;
    }
    realTokens += e.length;
  });
  paddedTokens += rows.length * seqLen;
  const t = performance.now();
  const out = await session.run({
    [idsName]: new ort.Tensor('int64', ids, [rows.length, seqLen]),
    [maskName]: new ort.Tensor('int64', mask, [rows.length, seqLen]),
  });
  runSeconds += (performance.now() - t) / 1000;
  const data = out[outName].data;
  dimension = data.length / rows.length;
  // Normalised as ragctl stores them; the sum of first components is order-independent.
  for (let r = 0; r < rows.length; r++) {
    let norm = 0;
    for (let j = 0; j < dimension; j++) norm += data[r * dimension + j] ** 2;
    checksum += data[r * dimension] / Math.sqrt(norm);
  }
}
await session.release();
console.log(
  JSON.stringify({
    texts: texts.length,
    batch: batchSize,
    order: args.order,
    threads,
    loadSeconds,
    tokenizeSeconds,
    runSeconds,
    embedSeconds: tokenizeSeconds + runSeconds,
    realTokens,
    paddedTokens,
    dimension,
    checksum,
  }),
);
