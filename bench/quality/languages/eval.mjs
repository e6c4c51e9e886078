#!/usr/bin/env node
/**
 * Notes in other languages than English: where the note that holds a word (or answers a question)
 * lands, by mode. Each case is `query|part of the expected note's path`; three sets: words of
 * French, German, Spanish and Portuguese notes with and without their accents and in other
 * forms (words-european.txt), Chinese and Japanese words (words-cjk.txt), and questions
 * (questions.txt). Built by make.sh; indexed here (a fresh index when `--reindex`).
 *
 *   bash bench/quality/languages/make.sh
 *   node bench/quality/languages/eval.mjs [--config bench/data/languages/config.yaml] [--reindex]
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

register('../../store/ts-loader.mjs', import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const { values: args } = parseArgs({
  options: {
    config: { type: 'string', default: join(repo, 'bench/data/languages/config.yaml') },
    reindex: { type: 'boolean', default: false },
    label: { type: 'string', default: '' },
  },
});

const { loadConfig } = await import('../../../src/config/load.js');
const { createLogger } = await import('../../../src/log.js');
const { App } = await import('../../../src/app.js');
const { optimizeIfWorthIt } = await import('../../../src/cli/optimize.js');

const config = loadConfig({ configPath: resolve(args.config) });
if (args.reindex) rmSync(join(config.dataDir, 'index'), { recursive: true, force: true });
const app = await App.open(config, { logger: createLogger({ level: 'warn', pretty: false }) });
const MODES = {
  text: { mode: 'text' },
  vector: { mode: 'vector' },
  hybrid: {},
  'hybrid, not re-ranked': { rerank: false },
};
const SETS = ['words-european', 'words-cjk', 'questions'];
const result = {
  label: args.label,
  at: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model.trim(),
    cores: cpus().length,
    openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null,
  },
  sets: {},
};
try {
  const summary = await app.indexer.reconcile({});
  await optimizeIfWorthIt(app);
  console.error(
    `indexed: ${summary.filesAdded + summary.filesChanged} files, ${summary.chunksEmbedded} chunks embedded`,
  );
  for (const set of SETS) {
    const cases = readFileSync(join(here, `${set}.txt`), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => l.split('|'));
    const rows = {};
    for (const [name, params] of Object.entries(MODES)) {
      const ranks = [];
      const ms = [];
      for (const [query, expected] of cases) {
        const started = performance.now();
        const res = await app.search.search({ query, k: 10, ...params });
        ms.push(performance.now() - started);
        const at = res.results.findIndex((h) => h.path.normalize('NFC').includes(expected.normalize('NFC')));
        ranks.push(at < 0 ? null : at + 1);
      }
      rows[name] = {
        n: cases.length,
        at1: ranks.filter((r) => r === 1).length,
        at3: ranks.filter((r) => r !== null && r <= 3).length,
        at10: ranks.filter((r) => r !== null).length,
        p50Ms: ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)],
        ranks,
      };
    }
    result.sets[set] = rows;
  }
} finally {
  await app.close();
}
console.log('| set | mode | @1 | @3 | @10 | of | p50 ms |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const [set, rows] of Object.entries(result.sets))
  for (const [mode, r] of Object.entries(rows))
    console.log(`| ${set} | ${mode} | ${r.at1} | ${r.at3} | ${r.at10} | ${r.n} | ${r.p50Ms.toFixed(1)} |`);
const outDir = join(repo, 'bench/out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `languages-${result.at.replace(/[:.]/g, '')}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`per case: ${file}`);
