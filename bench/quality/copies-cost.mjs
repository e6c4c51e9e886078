#!/usr/bin/env node
// What folding copies (src/search/copies.ts) costs a search: the questions of one corpus searched
// in hybrid mode with folding (the default) and without (`every: true`), interleaved (A B A B …)
// through the same in-process search service the daemon uses; then the fold alone, timed on the
// hits each question's search hands it (k + 2k spare). Needs the corpus's index (eval.mjs).
//
//   node bench/quality/copies-cost.mjs [--config bench/quality/corpora/py-lib/config.yaml] [--rounds 3] [--k 10]
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

register('../store/ts-loader.mjs', import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    config: { type: 'string', default: join(here, 'corpora/py-lib/config.yaml') },
    rounds: { type: 'string', default: '3' },
    k: { type: 'string', default: '10' },
  },
});
const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { App } = await import('../../src/app.js');
const { foldCopies } = await import('../../src/search/copies.ts');

const k = Number(args.k);
const config = loadConfig({ configPath: resolve(args.config) });
const questions = readFileSync(join(dirname(resolve(args.config)), 'questions.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l).question);
const app = await App.open(config, { logger: createLogger({ level: 'warn', pretty: false }) });
const ms = { every: [], folded: [] };
const lists = [];
try {
  for (const q of questions.slice(0, 5)) await app.search.search({ query: q, mode: 'hybrid', k });
  for (let r = 0; r < Number(args.rounds); r++) {
    for (const q of questions) {
      for (const kind of r % 2 ? ['folded', 'every'] : ['every', 'folded']) {
        const t0 = performance.now();
        await app.search.search({ query: q, mode: 'hybrid', k, every: kind === 'every' });
        ms[kind].push(performance.now() - t0);
      }
    }
  }
  // What the fold is handed: the first k + 2k hits, unfolded.
  for (const q of questions)
    lists.push((await app.search.search({ query: q, mode: 'hybrid', k: 3 * k, every: true })).results);
} finally {
  await app.close();
}
const fold = [];
let folded = 0;
for (const hits of lists) folded += 3 * k - foldCopies(hits, 3 * k).length;
for (let r = 0; r < 200; r++)
  for (const hits of lists) {
    const t0 = performance.now();
    foldCopies(hits, k);
    fold.push((performance.now() - t0) * 1000);
  }
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
for (const kind of ['every', 'folded'])
  console.log(
    `search ${kind.padEnd(7)} n ${ms[kind].length}  p50 ${pct(ms[kind], 0.5).toFixed(1)} ms  p90 ${pct(ms[kind], 0.9).toFixed(1)} ms`,
  );
console.log(
  `foldCopies alone over ${3 * k} hits: p50 ${pct(fold, 0.5).toFixed(0)} µs  p90 ${pct(fold, 0.9).toFixed(0)} µs  (n ${fold.length}); copies among the top ${3 * k}: ${folded} over ${lists.length} questions`,
);
