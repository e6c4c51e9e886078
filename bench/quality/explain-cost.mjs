#!/usr/bin/env node
// What a search option costs a search: the questions of one corpus searched in hybrid mode with
// and without it, interleaved (A B A B …) so that the machine's load hits both alike, through the
// same in-process search service the daemon uses. Needs the corpus's index (eval.mjs).
//
//   --option explain (default)  `explain: true` against a plain search
//   --option every              `every: true` (copies and a passage's rows not folded) against the
//                               default, which folds them (src/search/copies.ts); then the fold
//                               alone, timed on the hits each question's search hands it (k + 2k
//                               spare), with the document mapper's passages
//
//   node bench/quality/explain-cost.mjs [--config bench/quality/corpora/py-lib/config.yaml] [--rounds 3] [--option explain|every] [--k 10]
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
    option: { type: 'string', default: 'explain' },
    k: { type: 'string', default: '10' },
  },
});
if (!['explain', 'every'].includes(args.option))
  throw new Error(`--option: explain or every, not ${args.option}`);
const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { App } = await import('../../src/app.js');

const k = Number(args.k);
const option = args.option;
const config = loadConfig({ configPath: resolve(args.config) });
const questions = readFileSync(join(dirname(resolve(args.config)), 'questions.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l).question);
const app = await App.open(config, { logger: createLogger({ level: 'warn', pretty: false }) });
const kinds = ['plain', option];
const ms = { plain: [], [option]: [] };
const unfolded = [];
try {
  // Warm-up: the model, LanceDB's caches.
  for (const q of questions.slice(0, 5)) await app.search.search({ query: q, mode: 'hybrid', k });
  for (let r = 0; r < Number(args.rounds); r++) {
    for (const q of questions) {
      for (const kind of r % 2 ? [...kinds].reverse() : kinds) {
        const t0 = performance.now();
        await app.search.search({ query: q, mode: 'hybrid', k, [option]: kind === option });
        ms[kind].push(performance.now() - t0);
      }
    }
  }
  if (option === 'every')
    for (const q of questions)
      unfolded.push((await app.search.search({ query: q, mode: 'hybrid', k: 3 * k, every: true })).results);
} finally {
  await app.close();
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
for (const kind of kinds)
  console.log(
    `${kind.padEnd(8)} n ${ms[kind].length}  p50 ${pct(ms[kind], 0.5).toFixed(1)} ms  p90 ${pct(ms[kind], 0.9).toFixed(1)} ms`,
  );
if (option === 'every') {
  const { foldCopies } = await import('../../src/search/copies.ts');
  const { documentMapper } = await import('../../src/engines/document-mapper.ts');
  const options = { passageOf: (hit) => documentMapper.passageOf(hit) };
  let copies = 0;
  let parts = 0;
  for (const hits of unfolded) {
    copies += hits.length - foldCopies(hits, hits.length).length;
    parts += hits.length - foldCopies(hits, hits.length, options).length;
  }
  parts -= copies;
  const fold = [];
  for (let r = 0; r < 200; r++)
    for (const hits of unfolded) {
      const t0 = performance.now();
      foldCopies(hits, k, options);
      fold.push((performance.now() - t0) * 1000);
    }
  console.log(
    `foldCopies alone over ${3 * k} hits: p50 ${pct(fold, 0.5).toFixed(0)} µs  p90 ${pct(fold, 0.9).toFixed(0)} µs  (n ${fold.length}); among the top ${3 * k} of ${unfolded.length} questions: ${copies} copies, about ${parts} more rows of a passage shown above them`,
  );
}
