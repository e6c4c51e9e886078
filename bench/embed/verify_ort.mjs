#!/usr/bin/env node
// Checks that the transformers.js peer computes the same embeddings as sentence-transformers, so
// the benchmark compares equal work: embeds test/fixtures/parity/texts.json through the exact
// pipeline peer_ort.mjs times and compares with test/fixtures/parity/reference.json.
//
//   node bench/embed/verify_ort.mjs [--model-root bench/data] [--model onnx-minilm] [--batch-size 16]
//
// Exit 1 if a text within the 256-token limit has a cosine below 0.9999 or different token ids.
// export_onnx.py checks the graph itself with onnxruntime in Python; this adds transformers.js'
// tokenizer, truncation and pooling.
//
// Texts over the limit are reported, not failed: transformers.js 3.8.1 truncates AFTER adding
// the special tokens, so it keeps 256 tokens ending in a text token and drops the final [SEP]
// that sentence-transformers (and ragctl's WordPieceTokenizer) keep. Their vectors differ a
// little (cosine ~0.995). The benchmark texts are exactly 32/128/256 tokens, so no truncation
// happens there and the runners do the same work.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { env, pipeline } from '@huggingface/transformers';
import { REPO, toBatches } from './common.mjs';

const MIN_COSINE = 0.9999;

const { values: args } = parseArgs({
  options: {
    'model-root': { type: 'string', default: join(REPO, 'bench', 'data') },
    model: { type: 'string', default: 'onnx-minilm' },
    'batch-size': { type: 'string', default: '16' },
    texts: { type: 'string', default: join(REPO, 'test', 'fixtures', 'parity', 'texts.json') },
    reference: { type: 'string', default: join(REPO, 'test', 'fixtures', 'parity', 'reference.json') },
  },
});

const texts = JSON.parse(readFileSync(args.texts, 'utf8'));
const ref = JSON.parse(readFileSync(args.reference, 'utf8'));
const dim = ref.dimension;
const refVectors = new Float32Array(new Uint8Array(Buffer.from(ref.vectors_f32_base64, 'base64')).buffer);

env.allowRemoteModels = false;
env.localModelPath = `${resolve(args['model-root'])}/`;
const extractor = await pipeline('feature-extraction', args.model, {
  dtype: 'fp32',
  device: 'cpu',
  session_options: { intraOpNumThreads: 2, interOpNumThreads: 1 },
});

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const isTruncated = texts.map((t) => extractor.tokenizer(t).input_ids.size > ref.max_seq_length);
let idMismatches = 0;
let truncatedIdMismatches = 0;
texts.forEach((text, i) => {
  const ids = Array.from(extractor.tokenizer(text, { truncation: true }).input_ids.data, Number);
  const want = ref.input_ids[i];
  if (same(ids, want)) return;
  // Over the limit the only expected difference is the last position: a text token, not [SEP].
  if (isTruncated[i] && same(ids.slice(0, -1), want.slice(0, -1))) {
    truncatedIdMismatches++;
    return;
  }
  idMismatches++;
  console.error(`text ${i}: token ids differ (${ids.length} vs ${want.length} tokens)`);
});

const worst = [
  { cosine: 1, index: -1 },
  { cosine: 1, index: -1 },
]; // [within the limit, truncated]
let index = 0;
for (const batch of toBatches(texts, Number.parseInt(args['batch-size'], 10))) {
  const out = await extractor(batch, { pooling: 'mean', normalize: true });
  for (let r = 0; r < batch.length; r++, index++) {
    let dot = 0;
    for (let k = 0; k < dim; k++) dot += out.data[r * dim + k] * refVectors[index * dim + k];
    const w = worst[isTruncated[index] ? 1 : 0];
    if (!(dot >= w.cosine)) Object.assign(w, { cosine: dot, index });
  }
}
await extractor.dispose();

const nTruncated = isTruncated.filter(Boolean).length;
console.log(
  `transformers.js vs sentence-transformers, ${texts.length - nTruncated} parity texts within ${ref.max_seq_length} tokens: ` +
    `min cosine ${worst[0].cosine.toFixed(7)} (text ${worst[0].index}), token id mismatches ${idMismatches}`,
);
console.log(
  `${nTruncated} texts over the limit (not failed): min cosine ${worst[1].cosine.toFixed(7)} (text ${worst[1].index}), ` +
    `${truncatedIdMismatches} end in a text token instead of [SEP]`,
);
if (!(worst[0].cosine >= MIN_COSINE) || idMismatches > 0) process.exit(1);
