#!/usr/bin/env node
// What `explain` costs a search: the questions of one corpus searched in hybrid mode, with and
// without explain, interleaved (A B A B …) so that the machine's load hits both alike, through
// the same in-process search service the daemon uses. Needs the corpus's index (eval.mjs).
//
//   node bench/quality/explain-cost.mjs [--config bench/quality/corpora/py-lib/config.yaml] [--rounds 3]
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
  },
});
const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { App } = await import('../../src/app.js');

const config = loadConfig({ configPath: resolve(args.config) });
const questions = readFileSync(join(dirname(resolve(args.config)), 'questions.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l).question);
const app = await App.open(config, { logger: createLogger({ level: 'warn', pretty: false }) });
const ms = { plain: [], explain: [] };
try {
  // Warm-up: the model, LanceDB's caches.
  for (const q of questions.slice(0, 5)) await app.search.search({ query: q, mode: 'hybrid' });
  for (let r = 0; r < Number(args.rounds); r++) {
    for (const q of questions) {
      for (const kind of r % 2 ? ['explain', 'plain'] : ['plain', 'explain']) {
        const t0 = performance.now();
        await app.search.search({ query: q, mode: 'hybrid', explain: kind === 'explain' });
        ms[kind].push(performance.now() - t0);
      }
    }
  }
} finally {
  await app.close();
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
for (const kind of ['plain', 'explain'])
  console.log(
    `${kind.padEnd(8)} n ${ms[kind].length}  p50 ${pct(ms[kind], 0.5).toFixed(1)} ms  p90 ${pct(ms[kind], 0.9).toFixed(1)} ms`,
  );
