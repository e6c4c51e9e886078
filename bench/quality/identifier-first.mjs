#!/usr/bin/env node
// Queries that are one identifier, as a developer types them (`make_context`, `work_mem`,
// `os.path.join`): does ranking the chunks that hold the name first (`search.identifierFirst`)
// find where the name is defined sooner? A script, not a test.
//
//   node bench/quality/identifier-first.mjs --config bench/code/click/config.yaml [--max 150] [--words] [--misses]
//
// --misses prints each query whose first hit, as shipped, does not define the name.
// --words: the queries are the defined names that are one word instead (`Context`, `echo`:
// src/search/identifier.ts's `oneWordOf`), whose definitions alone move; WORDS_LOWER=1 keeps
// the lower-case ones only, WORDS_LOWER=0 the capitalized ones only.
//
// The queries come from the index itself, not from anyone's choice: every code symbol's last
// name (`Command.make_context` → `make_context`) and every Markdown section whose heading opens
// with a name (`work_mem (integer)` → `work_mem`, `os.path.join(path, *paths)` →
// `os.path.join`), kept when src/search/identifier.ts calls it an identifier; at most --max,
// evenly spread over the sorted names. The answer is the chunks defining the name (their
// symbol's last name or their heading's name is the query). Two read-only apps on the same
// index, the config as is and with `identifierFirst: false`, answer each query in turn (which
// goes first alternates); hybrid, k 10. Where the first hit defines the name and that
// definition is cut in rows (a long function's header and parts, a long section's pieces), it
// also counts whether that hit is the row that opens it (its signature, its heading).

import { register } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bootstrapMean, machine, median } from '../stats.mjs';

register('../store/ts-loader.mjs', import.meta.url);
const { values: args } = parseArgs({
  options: {
    config: { type: 'string' },
    max: { type: 'string', default: '150' },
    words: { type: 'boolean', default: false },
    misses: { type: 'boolean', default: false },
  },
});
if (!args.config) {
  console.error('usage: identifier-first.mjs --config <corpus config.yaml> [--max 150]');
  process.exit(2);
}
const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { ReadOnlyApp } = await import('../../src/app-reader.js');
const { oneWordOf, identifierOf } = await import('../../src/search/identifier.js');
const lower = process.env.WORDS_LOWER;
const wanted = (name) => lower === undefined || /^\p{Ll}/u.test(name) === (lower === '1');
const nameOf = args.words ? (name) => (wanted(name) ? oneWordOf(name) : undefined) : identifierOf;
const { holdsTerm } = await import('../../src/store/exact-first.js');
const { connect } = await import('@lancedb/lancedb');

const config = loadConfig({ configPath: resolve(args.config) });
const logger = createLogger({ level: 'warn', pretty: false });

/** The name a chunk defines: its symbol's last name, or the name its last heading opens with (is, with --words). */
function definedName(row) {
  const meta = JSON.parse(row.metadata ?? '{}');
  if (typeof meta.symbol === 'string' && meta.symbol) {
    const name = meta.symbol.split(':').at(-1).split('.').at(-1);
    return nameOf(name);
  }
  const heading = row.heading_path?.toArray?.().at(-1) ?? row.heading_path?.at?.(-1);
  if (typeof heading !== 'string') return undefined;
  // A word's section is one headed by that word alone; an identifier's heading opens with it.
  const name = args.words
    ? heading.replace(/[`*]/gu, '').trim()
    : heading.trim().split(/[\s(]/u)[0].replace(/[`*]/gu, '');
  return nameOf(name);
}

const db = await connect(`${config.dataDir}/index`);
const definitions = new Map(); // name → ids of the chunks defining it
// A definition cut in rows (a function's header and parts, a section's pieces), by path and
// symbol or heading path: its first line, and its rows.
const opening = new Map(); // chunk id → { line, rows } of its definition
const cut = new Map(); // path + symbol/heading → { line, rows: ids }
for (const name of await db.tableNames()) {
  if (!name.startsWith('chunks_')) continue;
  const rows = await (await db.openTable(name))
    .query()
    .select(['id', 'metadata', 'heading_path', 'path', 'start_line'])
    .toArray();
  for (const row of rows) {
    const defined = definedName(row);
    if (!defined) continue;
    if (!definitions.has(defined)) definitions.set(defined, new Set());
    definitions.get(defined).add(row.id);
    const meta = JSON.parse(row.metadata ?? '{}');
    const heading = row.heading_path?.toArray?.() ?? row.heading_path ?? [];
    const key = `${row.path}\0${typeof meta.symbol === 'string' && meta.symbol ? meta.symbol : [...heading].join('\0')}`;
    const seen = cut.get(key) ?? { line: row.start_line, rows: [] };
    seen.line = Math.min(seen.line, row.start_line);
    seen.rows.push(row.id);
    cut.set(key, seen);
  }
}
for (const d of cut.values()) for (const id of d.rows) opening.set(id, d);
const names = [...definitions.keys()].sort();
const max = Number(args.max);
const queries =
  names.length <= max
    ? names
    : Array.from({ length: max }, (_, i) => names[Math.floor((i * names.length) / max)]);

const ways = {
  shipped: await ReadOnlyApp.open(config, { logger }),
  off: await ReadOnlyApp.open(
    { ...config, search: { ...config.search, identifierFirst: false } },
    { logger },
  ),
};
/** --misses: the queries whose first hit, as shipped, does not define the name. */
const misses = [];
const stats = Object.fromEntries(
  Object.keys(ways).map((w) => [w, { rr: [], r1: [], r10: [], holding: [], opens: [], ms: [] }]),
);
try {
  for (const q of queries.slice(0, 3))
    for (const app of Object.values(ways)) await app.search.search({ query: q, k: 10 });
  let i = 0;
  for (const q of queries) {
    const order = i++ % 2 ? ['off', 'shipped'] : ['shipped', 'off'];
    for (const way of order) {
      const started = performance.now();
      const { results } = await ways[way].search.search({ query: q, k: 10 });
      stats[way].ms.push(performance.now() - started);
      const rank = results.findIndex((h) => definitions.get(q).has(h.id)) + 1;
      stats[way].rr.push(rank > 0 ? 1 / rank : 0);
      if (args.misses && way === 'shipped' && rank !== 1) {
        const top = results[0];
        const what = top && (JSON.parse(JSON.stringify(top.metadata)).symbol ?? top.headingPath.join(' › '));
        misses.push(
          `${q}: rank ${rank || '>10'}; first ${top ? `${top.path}:${top.startLine} ${what}` : 'none'}`,
        );
      }
      stats[way].r1.push(rank === 1 ? 1 : 0);
      stats[way].r10.push(rank > 0 ? 1 : 0);
      // The first hit is a definition cut in rows: is it the row that opens it?
      const first = rank === 1 ? opening.get(results[0].id) : undefined;
      // (A class summary's parts all start on the class's first line: each of them opens it.)
      if (first && first.rows.length > 1) stats[way].opens.push(results[0].startLine === first.line ? 1 : 0);
      const held = results.filter((h) => holdsTerm(h.text, q)).length;
      stats[way].holding.push(results.length ? held / results.length : 0);
    }
  }
} finally {
  for (const app of Object.values(ways)) await app.close();
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const m = machine();
console.log(
  `${args.config}: ${queries.length} identifier queries of ${names.length} defined names; ${m.cpu}, ${m.cores} cores, OPENBLAS_CORETYPE ${m.openblasCoretype ?? 'unset'}`,
);
console.log(
  '| identifierFirst | R@1 | R@10 | MRR@10 [95 % CI] | top 10 holding the name | first hit opens its definition (of those cut in rows) | search p50 ms |',
);
console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: |');
for (const [way, s] of Object.entries(stats)) {
  const [lo, hi] = bootstrapMean(s.rr);
  console.log(
    `| ${way === 'shipped' ? 'true (shipped)' : 'false'} | ${mean(s.r1).toFixed(3)} | ${mean(s.r10).toFixed(3)} | ${mean(s.rr).toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}] | ${mean(s.holding).toFixed(3)} | ${s.opens.length ? `${mean(s.opens).toFixed(3)} (${s.opens.length})` : '—'} | ${median(s.ms).toFixed(1)} |`,
  );
}
const diff = stats.shipped.rr.map((x, i) => x - stats.off.rr[i]);
const [dlo, dhi] = bootstrapMean(diff);
const better = diff.filter((d) => d > 0).length;
const worse = diff.filter((d) => d < 0).length;
console.log(
  `MRR@10 shipped − off, paired: ${mean(diff).toFixed(3)} [${dlo.toFixed(3)}, ${dhi.toFixed(3)}]; ${better} queries better, ${worse} worse`,
);
for (const miss of misses) console.log(`miss: ${miss}`);
