#!/usr/bin/env node
// A query that names an enum's member (`JsonToken.BEGIN_ARRAY`, `ErrorKind::NotFound`): is the
// enum that declares it first? An enum's members have no row of their own, so the answer is the
// enum's rows. Questions and answers come from the index itself: every outline (class, type) whose text holds
// `enum` and whose lines open with a member's name (as src/store/exact-first.ts `declaresMember`
// reads them; a line of constants each on its own line, with `,`, `(`, `{`, `=` or nothing after
// the name), at most --max evenly spread, asked `<Enum>.<MEMBER>` (`::` for Rust). A script, not
// a test.
//
//   node bench/code/enum-members.mjs --config <config.yaml> [--max 100] [--bare]
//
// --bare asks the member alone (`BEGIN_ARRAY`), where it reads as an identifier; a member of
// several enums counts any of them.

import { register } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bootstrapMean, machine } from '../stats.mjs';

register('../store/ts-loader.mjs', import.meta.url);
const { values: args } = parseArgs({
  options: {
    config: { type: 'string' },
    max: { type: 'string', default: '100' },
    bare: { type: 'boolean', default: false },
  },
});
if (!args.config) {
  console.error('usage: enum-members.mjs --config <config.yaml> [--max 100]');
  process.exit(2);
}
const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { ReadOnlyApp } = await import('../../src/app-reader.js');
const { identifierOf } = await import('../../src/search/identifier.js');
const { connect } = await import('@lancedb/lancedb');

const config = loadConfig({ configPath: resolve(args.config) });
const db = await connect(`${config.dataDir}/index`);
const rows = await (await db.openTable('chunks_code'))
  .query()
  .where("kind IN ('class', 'type')")
  .select(['id', 'path', 'symbol', 'kind', 'text'])
  .toArray();
const partsOf = new Map(); // path + symbol → the ids of every row of that outline
for (const row of rows) {
  const key = `${row.path}\0${row.symbol}`;
  partsOf.set(key, [...(partsOf.get(key) ?? []), row.id]);
}
const KEYWORDS = new Set([
  'enum',
  'pub',
  'public',
  'private',
  'return',
  'case',
  'default',
  'else',
  'if',
  'try',
  'for',
  'while',
  'do',
  'switch',
  'throw',
  'new',
  'break',
  'continue',
]);
const enums = new Map(); // query → ids of the enum's rows (every part of its outline: a search shows one)
for (const row of rows) {
  // An enum's outline (a function that mentions an enum is not where its members are declared).
  if (!/\benum\b/iu.test(row.text) || !row.symbol || !['class', 'type'].includes(row.kind)) continue;
  const name = row.symbol.split('.').at(-1);
  const sep = row.path.endsWith('.rs') ? '::' : '.';
  for (const [, member] of row.text.matchAll(/^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:[,({=]|$)/gmu)) {
    if (KEYWORDS.has(member)) continue;
    // --bare: the member alone, where it reads as an identifier (`BEGIN_ARRAY`, not `NAME`).
    if (args.bare && !identifierOf(member)) continue;
    const query = args.bare ? member : `${name}${sep}${member}`;
    if (!enums.has(query)) enums.set(query, new Set());
    for (const part of partsOf.get(`${row.path}\0${row.symbol}`)) enums.get(query).add(part);
  }
}
const all = [...enums.keys()].sort();
const max = Number(args.max);
const queries =
  all.length <= max ? all : Array.from({ length: max }, (_, i) => all[Math.floor((i * all.length) / max)]);

const app = await ReadOnlyApp.open(config, { logger: createLogger({ level: 'warn', pretty: false }) });
const rr = [];
const r1 = [];
try {
  for (const q of queries) {
    const { results } = await app.search.search({ query: q, k: 10 });
    const rank = results.findIndex((h) => enums.get(q).has(h.id)) + 1;
    rr.push(rank > 0 ? 1 / rank : 0);
    r1.push(rank === 1 ? 1 : 0);
  }
} finally {
  await app.close();
}
const m = machine();
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const [lo, hi] = bootstrapMean(rr);
console.log(
  `${args.config}: ${queries.length} member queries of ${all.length}; ${m.cpu}, ${m.cores} cores, OPENBLAS_CORETYPE ${m.openblasCoretype}`,
);
console.log(
  `enum first (R@1) ${mean(r1).toFixed(3)}; MRR@10 ${mean(rr).toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`,
);
