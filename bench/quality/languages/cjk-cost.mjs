#!/usr/bin/env node
/**
 * What looking for a CJK word as written costs a search (src/store/search.ts, `holdersOf`): the
 * median of 21 in-process searches, text and hybrid, of an English word and a Chinese one, on
 * the index a config names.
 *
 *   node bench/quality/languages/cjk-cost.mjs bench/quality/corpora/pg-docs/config.yaml
 */
import { register } from 'node:module';
import { resolve } from 'node:path';

register('../../store/ts-loader.mjs', import.meta.url);
const { loadConfig } = await import('../../../src/config/load.js');
const { createLogger } = await import('../../../src/log.js');
const { App } = await import('../../../src/app.js');
const config = loadConfig({ configPath: resolve(process.argv[2]) });
const app = await App.open(config, { logger: createLogger({ level: 'warn', pretty: false }) });
const time = async (query, mode) => {
  const ms = [];
  for (let i = 0; i < 21; i++) {
    const t = performance.now();
    await app.search.search({ query, mode, k: 10 });
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return ms[10].toFixed(1);
};
for (const [q, m] of [
  ['vacuum', 'text'],
  ['新幹線', 'text'],
  ['vacuum', 'hybrid'],
  ['新幹線', 'hybrid'],
])
  console.log(q, m, 'p50 ms', await time(q, m));
console.log('chunks', (await app.contents()).chunks);
await app.close();
