#!/usr/bin/env node
// Checks a model folder made by onnx_to_folder.py: ragctl's onnx embedder on the folder and
// onnxruntime on the original export (CLS token, L2-normalised) must give the same vectors.
//
//   node bench/quality/other-model/parity.mjs MODEL_DIR MODEL.onnx
import { register } from 'node:module';

register('../../store/ts-loader.mjs', import.meta.url);
const { OnnxEmbedder } = await import('../../../src/embed/onnx/onnx-embedder.ts');
const ort = await import('onnxruntime-node');

const [dir, onnxFile] = process.argv.slice(2);
const texts = [
  'How do I undo the last commit but keep my changes?',
  'git-stash > Options > -u, --include-untracked\nAll untracked files are stashed too.',
  'The quick brown fox jumps over the lazy dog. '.repeat(20),
];
const embedder = new OnnxEmbedder({ model: dir, precision: 'fp32' });
const ours = await embedder.embed(texts);
const session = await ort.InferenceSession.create(onnxFile);
const dim = embedder.dimension;
let worst = 1;
for (const [t, text] of texts.entries()) {
  const ids = Array.from(embedder.tokenizer.encode(text));
  const long = (xs) => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, ids.length]);
  const out = await session.run({
    input_ids: long(ids),
    attention_mask: long(ids.map(() => 1)),
    token_type_ids: long(ids.map(() => 0)),
  });
  const cls = out.last_hidden_state.data.slice(0, dim);
  const norm = Math.hypot(...cls);
  let cosine = 0;
  for (let i = 0; i < dim; i++) cosine += (cls[i] / norm) * ours[t * dim + i];
  worst = Math.min(worst, cosine);
}
await embedder.close();
console.log(`parity: worst cosine ${worst.toFixed(6)} over ${texts.length} texts`);
if (worst < 0.9999) process.exit(1);
