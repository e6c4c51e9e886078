#!/usr/bin/env node
// What a quoted phrase costs a search on a real index: each leg (a vector scan, a full-text
// query) with and without the phrase's filter (`phraseWhere`: a regex over every row's text),
// interleaved on one table. A script, not a test.
//
//   node --import ./bench/store/register-ts.mjs bench/store/phrase-cost.mjs \
//     --index <dataDir>/index [--table chunks_md] [--rounds 8] [--phrase 'connection refused' …]
//
// The vector is fixed (not a model's), so no embedder loads: only the scan with its filter. The
// full-text query is the phrase's words, as the search service sends them.

import { parseArgs } from 'node:util';
import { connect, MatchQuery } from '@lancedb/lancedb';
import { phraseWhere } from '../../src/store/where.js';

const { values: args } = parseArgs({
  options: {
    index: { type: 'string' },
    table: { type: 'string', default: 'chunks_md' },
    rounds: { type: 'string', default: '8' },
    phrase: { type: 'string', multiple: true },
  },
});
if (!args.index) {
  console.error('usage: phrase-cost.mjs --index <dataDir>/index [--table chunks_md] [--phrase …]');
  process.exit(2);
}
const phrases = args.phrase ?? ['connection refused', 'the default value', 'event loop', 'zebra crossing'];

const db = await connect(args.index);
const table = await db.openTable(args.table);
const rows = await table.countRows();
const dims = (await table.query().limit(1).toArray())[0].vector.length;
const vector = Array.from({ length: dims }, (_, i) => Math.sin(i + 1));
const timed = async (run) => {
  const started = performance.now();
  const hits = await run();
  return { ms: performance.now() - started, n: hits.length };
};
const legs = {
  vector: (where) => {
    let q = table.query().nearestTo(vector);
    if (where) q = q.where(where);
    return q.select(['path']).limit(50).toArray();
  },
  text: (where, phrase) => {
    let q = table.query().fullTextSearch(new MatchQuery(phrase, 'text'));
    if (where) q = q.where(where);
    return q.select(['path', '_score']).limit(50).toArray();
  },
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const ms = (xs) => `${quantile(xs, 0.5).toFixed(1)} / ${quantile(xs, 0.9).toFixed(1)}`;

console.log(
  `${args.index} ${args.table}: ${rows} rows, ${args.rounds} rounds, without and with interleaved, top 50`,
);
console.log('| phrase | leg | hits without / with | without p50 / p90 ms | with p50 / p90 ms |');
console.log('| --- | --- | --- | --- | --- |');
for (const phrase of phrases) {
  const where = phraseWhere(phrase);
  for (const [leg, run] of Object.entries(legs)) {
    const times = { without: [], with: [] };
    const hits = {};
    await run(where, phrase); // warm the table's caches
    for (let r = 0; r < Number(args.rounds); r++) {
      for (const kind of r % 2 ? ['with', 'without'] : ['without', 'with']) {
        const { ms, n } = await timed(() => run(kind === 'with' ? where : undefined, phrase));
        times[kind].push(ms);
        hits[kind] = n;
      }
    }
    console.log(
      `| \`"${phrase}"\` | ${leg} | ${hits.without} / ${hits.with} | ${ms(times.without)} | ${ms(times.with)} |`,
    );
  }
}
