#!/usr/bin/env node
// Where an MLX forward pass spends its time, step by step, on the real encoder and weights.
//
//   npm run build && node bench/embed/profile-mlx.mjs [--tokens 128] [--batches 8]
//
// Each step of each layer is evaluated on its own (BertEncoder.profile), so the numbers add
// up to a little more than a normal pass (no overlap between steps); the script prints both.
// GEMM rows also show the GFLOP/s they reached.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readTextsFile } from './common.mjs';

const { values: args } = parseArgs({
  options: { tokens: { type: 'string', default: '128' }, batches: { type: 'string', default: '8' } },
});
const S = Number(args.tokens);
const B = Math.floor(4096 / S);
const data = readTextsFile(`bench/data/texts-${S}.json`);
const { MlxEmbedder } = await import('../../dist/embed/mlx-embedder.js');
const embedder = new MlxEmbedder({
  model: 'sentence-transformers/all-MiniLM-L6-v2',
  batchTokens: B * S,
  jitCacheDir: mkdtempSync(join(tmpdir(), 'ragctl-profile-jit-')),
});
const encoder = embedder.encoder();
const { hiddenSize: H, heads: NH, intermediateSize: I, layers: L } = encoder.spec;
const d = H / NH;
const batches = Array.from({ length: Number(args.batches) }, (_, i) =>
  data.texts.slice((i * B) % data.texts.length, ((i * B) % data.texts.length) + B),
);
for (const b of batches.slice(0, 2)) await embedder.embed(b); // compile and warm up

let t = performance.now();
for (const b of batches) await embedder.embed(b);
const plainMs = (performance.now() - t) / batches.length;

encoder.profile = new Map();
t = performance.now();
for (const b of batches) await embedder.embed(b);
const profiledMs = (performance.now() - t) / batches.length;

const flops = {
  'gemm: qkv': 2 * B * S * H * 3 * H,
  'gemm: q·k': 2 * B * NH * S * S * d,
  'gemm: p·v': 2 * B * NH * S * S * d,
  'gemm: out': 2 * B * S * H * H,
  'gemm: ffn up': 2 * B * S * H * I,
  'gemm: ffn down': 2 * B * S * I * H,
  'layernorm: stats (gemv)': 2 * 2 * 2 * B * S * H,
};
const perLayer = [...encoder.profile.entries()].map(([name, ms]) => [name, ms / batches.length / L]);
const total = perLayer.reduce((a, [, ms]) => a + ms, 0);
const gemm = perLayer.filter(([n]) => n.startsWith('gemm')).reduce((a, [, ms]) => a + ms, 0);
console.log(
  `MLX encoder profile: ${B} texts × ${S} tokens per batch, ${L} layers, OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? 'auto'}\n`,
);
console.log('| step (per layer) | ms | share | GFLOP/s |\n|---|---:|---:|---:|');
for (const [name, ms] of perLayer.sort((a, b) => b[1] - a[1])) {
  const gf = flops[name]
    ? ((flops[name] * (name.startsWith('layernorm') ? 1 : 1)) / (ms / 1000) / 1e9).toFixed(0)
    : '';
  console.log(`| ${name} | ${ms.toFixed(1)} | ${((100 * ms) / total).toFixed(1)}% | ${gf} |`);
}
console.log(`| **all steps** | ${total.toFixed(1)} | GEMMs ${((100 * gemm) / total).toFixed(0)}% | |`);
console.log(
  `\nper batch: ${plainMs.toFixed(0)} ms normally (${((B * S) / (plainMs / 1000)).toFixed(0)} tokens/s), ${profiledMs.toFixed(0)} ms step by step`,
);
await embedder.close();
