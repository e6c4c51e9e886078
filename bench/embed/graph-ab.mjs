#!/usr/bin/env node
// The fused onnx graph against the plain one (standard ONNX ops: the fallback, and the graph
// before the fused Attention), in ONE process: the two embedders take turns batch by batch on
// the same texts, so both see the same load, which a shared machine changes from second to
// second. Per length: median and best batch time of each, and fused/plain throughput ratios.
//
//   npm run build && node bench/embed/graph-ab.mjs [--lengths "32 128 256"] [--rounds 12] \
//        [--threads 2] [--padded]
//
// Texts: bench/data/texts-<n>.json (run.sh builds them). ~4096 tokens a batch, as run.sh.
// --padded: every other text of a batch cut to a quarter of its words, so the batch is padded
// to its longest text, as the pipeline's batches are (src/embed/batching.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { median, readTextsFile, toBatches } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    lengths: { type: 'string', default: '32 128 256' },
    rounds: { type: 'string', default: '12' },
    threads: { type: 'string', default: '2' },
    padded: { type: 'boolean', default: false },
  },
});
const BATCH_TOKENS = 4096;
const rounds = Number.parseInt(args.rounds, 10);
const threads = Number.parseInt(args.threads, 10);

const { OnnxEmbedder } = await import('../../dist/embed/onnx/onnx-embedder.js');
const make = (ops, batchTokens) =>
  new OnnxEmbedder({ model: 'sentence-transformers/all-MiniLM-L6-v2', batchTokens, threads, ops });

const results = [];
for (const n of args.lengths.split(/[ ,]+/).map(Number)) {
  const data = readTextsFile(`bench/data/texts-${n}.json`);
  const batchSize = Math.floor(BATCH_TOKENS / n);
  const texts = args.padded
    ? data.texts.map((t, i) =>
        i % 2
          ? t
              .split(' ')
              .slice(0, Math.ceil(t.split(' ').length / 4))
              .join(' ')
          : t,
      )
    : data.texts;
  const batches = toBatches(texts, batchSize);
  const embedders = { fused: make('fused', batchSize * n), plain: make('plain', batchSize * n) };
  const ms = { fused: [], plain: [] };
  for (const e of Object.values(embedders)) {
    await e.load();
    await e.embed(batches[0]); // warm-up: first-run allocations and prepacking
  }
  for (let r = 0; r < rounds; r++) {
    const batch = batches[r % batches.length];
    // Alternate who goes first, so neither always follows the other's cache footprint.
    const order = r % 2 ? ['plain', 'fused'] : ['fused', 'plain'];
    for (const ops of order) {
      const t0 = performance.now();
      await embedders[ops].embed(batch);
      ms[ops].push(performance.now() - t0);
    }
  }
  for (const e of Object.values(embedders)) await e.close();
  const row = {
    tokens_per_text: n,
    batch_size: batchSize,
    rounds,
    padded: args.padded,
    fused_ms_median: median(ms.fused),
    plain_ms_median: median(ms.plain),
    fused_ms_min: Math.min(...ms.fused),
    plain_ms_min: Math.min(...ms.plain),
  };
  row.ratio_median = row.plain_ms_median / row.fused_ms_median;
  row.ratio_min = row.plain_ms_min / row.fused_ms_min;
  console.error(JSON.stringify(row));
  results.push(row);
}

const fmt = (x, d = 1) => x.toFixed(d);
console.log(
  '| tokens/text | batch | rounds | fused ms (median / best) | plain ms (median / best) | fused/plain speed (median) | (best) |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results)
  console.log(
    `| ${r.tokens_per_text} | ${r.batch_size} | ${r.rounds} | ${fmt(r.fused_ms_median)} / ${fmt(r.fused_ms_min)} | ` +
      `${fmt(r.plain_ms_median)} / ${fmt(r.plain_ms_min)} | ${fmt(r.ratio_median, 3)}× | ${fmt(r.ratio_min, 3)}× |`,
  );
mkdirSync('bench/out', { recursive: true });
const file = `bench/out/graph-ab-${new Date().toISOString().replace(/[:.]/g, '')}.json`;
writeFileSync(file, `${JSON.stringify({ args, results }, null, 2)}\n`);
console.error(`results: ${file}`);
