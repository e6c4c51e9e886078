#!/usr/bin/env node

// "What calls X?" on a code base: for functions with a few call sites, is a caller among the
// first hits, and where? Questions and answers are made from the index itself: a function's
// callers are the other chunks whose text holds `name(` on a line that does not define it. Each question is searched as shipped
// (a question about a name's uses puts the chunks using it first, src/search/identifier.ts
// `usageOf`) and with `search.identifierFirst: false`, which ranks it as any other question of
// words (as it was before `usageOf`). A script, not a test; the index is bench/code/eval.mjs's.
//
//   node bench/code/eval.mjs --base click --index-only
//   node bench/code/usage-questions.mjs --base click [--questions 40] [--form 'what calls {}']

import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

register('../store/ts-loader.mjs', import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: 'click' },
    questions: { type: 'string', default: '40' },
    form: { type: 'string', default: 'what calls {}' },
  },
});
const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { App } = await import('../../src/app.js');
const { identifierOf } = await import('../../src/search/identifier.js');
const { connect } = await import('@lancedb/lancedb');

const config = loadConfig({ configPath: join(here, args.base, 'config.yaml') });
const db = await connect(join(config.dataDir, 'index'));
const rows = await (await db.openTable('chunks_code'))
  .query()
  .select(['id', 'path', 'symbol', 'kind', 'text'])
  .limit(1_000_000)
  .toArray();

/** The function's own rows: its header and parts, and anything nested in it. */
const within = (row, symbol) => row.symbol === symbol || row.symbol?.startsWith(`${symbol}.`);
const candidates = new Map();
for (const row of rows) {
  if (row.kind !== 'function' && row.kind !== 'method') continue;
  const name = row.symbol
    .slice(row.symbol.lastIndexOf(':') + 1)
    .split('.')
    .pop();
  if (!name || !identifierOf(name) || candidates.has(name)) continue;
  const call = new RegExp(`(?<![\\w.])(?:[\\w.]+\\.)?${name}\\(`);
  // A line that defines the name is no call: a class outline lists its methods' signatures.
  const defines = new RegExp(`\\b(?:def|function|fn|func(?:\\s*\\([^)]*\\))?)\\s+${name}\\(`);
  const calls = (text) => text.split('\n').some((line) => call.test(line) && !defines.test(line));
  const callers = rows.filter((r) => !within(r, row.symbol) && calls(r.text));
  if (callers.length >= 1 && callers.length <= 5) candidates.set(name, new Set(callers.map((r) => r.id)));
}
const names = [...candidates.keys()].sort();
const every = Math.max(1, Math.floor(names.length / Number(args.questions)));
const asked = names.filter((_, i) => i % every === 0).slice(0, Number(args.questions));

const logger = createLogger({ level: 'warn', pretty: false });
const results = {};
for (const [label, identifierFirst] of [
  ['as shipped', true],
  ['identifierFirst off', false],
]) {
  const app = await App.open({ ...config, search: { ...config.search, identifierFirst } }, { logger });
  let rr = 0;
  let found = 0;
  let first = 0;
  try {
    for (const name of asked) {
      const query = args.form.replace('{}', name);
      const { results: hits } = await app.search.search({ query, k: 10 });
      const rank = hits.findIndex((h) => candidates.get(name).has(h.id)) + 1;
      if (rank > 0) {
        rr += 1 / rank;
        found++;
        if (rank === 1) first++;
      }
    }
  } finally {
    await app.close();
  }
  results[label] = { mrr: rr / asked.length, r10: found / asked.length, r1: first / asked.length };
}
console.log(
  `${args.base}: ${asked.length} questions "${args.form}" (of ${names.length} functions with 1–5 call sites)`,
);
console.log('| ranking | a caller first | a caller in the first 10 | MRR@10 of the first caller |');
console.log('|---|---:|---:|---:|');
for (const [label, r] of Object.entries(results))
  console.log(`| ${label} | ${r.r1.toFixed(3)} | ${r.r10.toFixed(3)} | ${r.mrr.toFixed(3)} |`);
