#!/usr/bin/env node
// Whether a larger k changes a search's first hits: each question of a corpus searched at two
// k, in-process on the eval's index (bench/quality/eval.mjs builds it), its first `--first` hits
// compared (ids in order, and scores). A script, not a test.
//
//   node bench/quality/k-stability.mjs --config bench/quality/corpora/pg-docs/config.yaml \
//     --questions bench/quality/corpora/pg-docs/questions.jsonl [--small 10] [--large 30] [--first 10]

import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { parseArgs } from 'node:util';

register('../store/ts-loader.mjs', import.meta.url);

const { values: args } = parseArgs({
  options: {
    config: { type: 'string' },
    questions: { type: 'string' },
    small: { type: 'string', default: '10' },
    large: { type: 'string', default: '30' },
    first: { type: 'string', default: '10' },
  },
});
if (!args.config || !args.questions) {
  console.error(
    'usage: k-stability.mjs --config <config.yaml> --questions <questions.jsonl> [--small 10] [--large 30]',
  );
  process.exit(2);
}
const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { App } = await import('../../src/app.js');

const config = loadConfig({ configPath: args.config });
const questions = readFileSync(args.questions, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l).question);
const first = Number(args.first);
const app = await App.open(config, { logger: createLogger({ level: 'warn', pretty: false }) });
// `passages: false`: every row its own hit, as ranked; with passages (what a person sees) the
// pieces of one section are folded into one hit, which depends on which pieces made the list.
try {
  for (const passages of [false, true]) {
    let orderDiffers = 0;
    let scoreDiffers = 0;
    let worst = 0;
    for (const query of questions) {
      const run = async (k) =>
        (await app.search.search({ query, k }, undefined, { passages })).results.slice(0, first);
      const small = await run(Number(args.small));
      const large = await run(Number(args.large));
      const ids = (hits) => hits.map((h) => `${h.engine}\0${h.id}`).join('\n');
      if (ids(small) !== ids(large)) orderDiffers++;
      const gap = Math.max(0, ...small.map((h, i) => Math.abs(h.score - (large[i]?.score ?? 0))));
      if (gap > 1e-6) scoreDiffers++;
      worst = Math.max(worst, gap);
    }
    console.log(
      `${args.config} (${passages ? 'passages folded' : 'every row'}): ${questions.length} questions, first ${first} hits at k ${args.small} vs k ${args.large}: ` +
        `order differs for ${orderDiffers}, scores for ${scoreDiffers} (largest gap ${worst.toFixed(4)})`,
    );
  }
} finally {
  await app.close();
}
