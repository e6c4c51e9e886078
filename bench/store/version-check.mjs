#!/usr/bin/env node
// What a search's version check costs (src/store/search.ts `searchChunks`: the table's version
// read before and after its legs, the reads made again when a commit landed between them):
// `table.version()` timed on a real index, once on a connection like the daemon's (no read
// consistency interval: it sees its own writes) and once like the CLI's reader (interval 0: it
// looks for a newer version on every read), beside one filtered vector search on the same
// table for scale. A script, not a test.
//
//   node bench/store/version-check.mjs --index <dataDir>/index [--table chunks_md] [--calls 2000]
//
// The vector is fixed (not a model's), so no embedder loads.

import { parseArgs } from 'node:util';
import { connect } from '@lancedb/lancedb';
import { machine, median } from '../stats.mjs';

const { values: args } = parseArgs({
  options: {
    index: { type: 'string' },
    table: { type: 'string', default: 'chunks_md' },
    calls: { type: 'string', default: '2000' },
  },
});
if (!args.index) {
  console.error('usage: version-check.mjs --index <dataDir>/index [--table chunks_md] [--calls 2000]');
  process.exit(2);
}
const calls = Number(args.calls);

async function timed(work, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return median(times);
}

const m = machine();
console.log(
  `${args.index} ${args.table}; ${m.cpu}, ${m.cores} cores, OPENBLAS_CORETYPE ${m.openblasCoretype}`,
);
console.log('| connection | version() p50 ms | vector search p50 ms | two version() calls per search |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, options] of [
  ['daemon (no interval)', {}],
  ['reader (interval 0)', { readConsistencyInterval: 0 }],
]) {
  const db = await connect(args.index, options);
  const table = await db.openTable(args.table);
  const dims = (await table.query().limit(1).toArray())[0].vector.length;
  const vector = Array.from({ length: dims }, (_, i) => Math.sin(i + 1));
  const search = () => table.query().nearestTo(vector).select(['path', '_distance']).limit(50).toArray();
  await timed(() => table.version(), 50); // warm
  await timed(search, 5);
  const version = await timed(() => table.version(), calls);
  const searchMs = await timed(search, Math.max(10, Math.round(calls / 100)));
  const share = `${((200 * version) / searchMs).toFixed(2)} %`;
  console.log(`| ${name} | ${version.toFixed(4)} | ${searchMs.toFixed(2)} | ${share} |`);
  table.close();
  db.close();
}
