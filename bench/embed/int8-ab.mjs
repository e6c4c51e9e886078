#!/usr/bin/env node
// Two builds' onnx int8 graphs on the same texts, in ONE process: the two embedders take turns
// batch by batch, so both see the same load. Per length: median batch time of each, their
// speed ratio, and the least cosine between the two builds' vectors of one text. For a change
// to how int8 multiplies (the weights' storage, the kernel ORT picks for it).
//
//   npm run build && node bench/embed/make-texts.mjs && \
//     node bench/embed/int8-ab.mjs <before-dist> <after-dist> [--lengths "32 128 256"] [--rounds 12]
//        [--precisions int8,int8]   # each side's precision: fp32,int8 puts int8 beside fp32
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median, readTextsFile, toBatches } from './common.mjs';

const { values: args, positionals } = parseArgs({
  options: {
    lengths: { type: 'string', default: '32 128 256' },
    rounds: { type: 'string', default: '12' },
    threads: { type: 'string', default: '2' },
    precisions: { type: 'string', default: 'int8,int8' },
  },
  allowPositionals: true,
});
if (positionals.length !== 2) throw new Error('usage: int8-ab.mjs <before-dist> <after-dist>');
const BATCH_TOKENS = 4096;
const rounds = Number.parseInt(args.rounds, 10);
const threads = Number.parseInt(args.threads, 10);
const precisions = args.precisions.split(',');
const builds = await Promise.all(
  positionals.map(async (dist) => {
    const href = pathToFileURL(join(resolve(dist), 'embed/onnx/onnx-embedder.js')).href;
    return (await import(href)).OnnxEmbedder;
  }),
);

const cosine = (a, b) => {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot; // both rows are unit vectors
};

console.log(
  '| tokens/text | batch | rounds | before ms (median) | after ms (median) | after/before speed | least cosine between them |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const n of args.lengths.split(/[ ,]+/).map(Number)) {
  const texts = readTextsFile(`bench/data/texts-${n}.json`).texts;
  const batchSize = Math.floor(BATCH_TOKENS / n);
  const batches = toBatches(texts, batchSize);
  const embedders = builds.map(
    (OnnxEmbedder, i) =>
      new OnnxEmbedder({
        model: 'sentence-transformers/all-MiniLM-L6-v2',
        batchTokens: batchSize * n,
        threads,
        precision: precisions[i],
      }),
  );
  const first = [];
  for (const e of embedders) {
    await e.load();
    first.push(await e.embed(batches[0])); // also the warm-up
  }
  let least = 1;
  for (let t = 0; t < batches[0].length; t++)
    least = Math.min(
      least,
      cosine(first[0].subarray(t * 384, (t + 1) * 384), first[1].subarray(t * 384, (t + 1) * 384)),
    );
  const ms = [[], []];
  for (let r = 0; r < rounds; r++) {
    const batch = batches[r % batches.length];
    for (const i of r % 2 ? [1, 0] : [0, 1]) {
      const t0 = performance.now();
      await embedders[i].embed(batch);
      ms[i].push(performance.now() - t0);
    }
  }
  for (const e of embedders) await e.close();
  const [before, after] = ms.map(median);
  console.log(
    `| ${n} | ${batchSize} | ${rounds} | ${before.toFixed(1)} | ${after.toFixed(1)} | ${(before / after).toFixed(3)}× | ${least.toFixed(4)} |`,
  );
}
