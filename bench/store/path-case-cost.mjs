#!/usr/bin/env node
// What smart case costs `--path`: the shipped filter (a glob's lower-case segments match in any
// case, written as `[rR]` letter classes) against the same glob matched case as typed, interleaved
// on one table. A script, not a test.
//
//   node --import ./bench/store/register-ts.mjs bench/store/path-case-cost.mjs \
//     --index <dataDir>/index [--table chunks_md] [--rounds 8] [--glob 'api/**' --glob '*.md' …]
//
// The vector is fixed (not a model's), so no embedder loads: only the scan with its filter.

import { parseArgs } from 'node:util';
import { connect } from '@lancedb/lancedb';
import { pathGlobWhere } from '../../src/store/where.js';

const { values: args } = parseArgs({
  options: {
    index: { type: 'string' },
    table: { type: 'string', default: 'chunks_md' },
    rounds: { type: 'string', default: '8' },
    glob: { type: 'string', multiple: true },
  },
});
if (!args.index) {
  console.error('usage: path-case-cost.mjs --index <dataDir>/index [--table chunks_md] [--glob …]');
  process.exit(2);
}
const globs = args.glob ?? ['*.md', 'api/**', 'notes/api/**', '**/api/*.md'];

const db = await connect(args.index);
const table = await db.openTable(args.table);
const rows = await table.countRows();
const dims = (await table.query().limit(1).toArray())[0].vector.length;
const vector = Array.from({ length: dims }, (_, i) => Math.sin(i + 1));
const search = async (where) => {
  const started = performance.now();
  const hits = await table.query().nearestTo(vector).where(where).select(['path']).limit(10).toArray();
  return { ms: performance.now() - started, n: hits.length };
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

console.log(`${args.index} ${args.table}: ${rows} rows, ${args.rounds} rounds, both forms interleaved`);
console.log('| glob | hits as typed / any case | as typed p50 / p90 ms | any case p50 / p90 ms |');
console.log('| --- | --- | --- | --- |');
for (const glob of globs) {
  const forms = { typed: pathGlobWhere(glob, { smartCase: false }), any: pathGlobWhere(glob) };
  const times = { typed: [], any: [] };
  const hits = {};
  await search(forms.any); // warm the table's caches
  for (let r = 0; r < Number(args.rounds); r++) {
    for (const k of r % 2 ? ['any', 'typed'] : ['typed', 'any']) {
      const { ms, n } = await search(forms[k]);
      times[k].push(ms);
      hits[k] = n;
    }
  }
  const cell = (k) => `${quantile(times[k], 0.5).toFixed(1)} / ${quantile(times[k], 0.9).toFixed(1)}`;
  console.log(`| \`${glob}\` | ${hits.typed} / ${hits.any} | ${cell('typed')} | ${cell('any')} |`);
}
