#!/usr/bin/env node
// What `--path` costs a filtered vector search on a real index: the shipped filter (a relative
// glob matches the path relative to the source, or under the source folder's own name; a
// segment in lower case matches any case) against an older form, the same globs interleaved on
// one table. A script, not a test. `--compare`: `source-name` (the default), the glob on the
// relative path alone; `case`, the shipped filter matching case as typed.
//
//   node --import ./bench/store/register-ts.mjs bench/store/path-glob-cost.mjs \
//     --index <dataDir>/index [--table chunks_md] [--rounds 8] [--compare source-name|case] \
//     [--glob 'api/**' --glob '*.md' …]
//
// The vector is fixed (not a model's), so no embedder loads: only the scan with its filter.

import { parseArgs } from 'node:util';
import { connect } from '@lancedb/lancedb';
import { globToRegex, pathGlobWhere, sqlString } from '../../src/store/where.js';

const { values: args } = parseArgs({
  options: {
    index: { type: 'string' },
    table: { type: 'string', default: 'chunks_md' },
    rounds: { type: 'string', default: '8' },
    glob: { type: 'string', multiple: true },
    compare: { type: 'string', default: 'source-name' },
  },
});
if (!['source-name', 'case'].includes(args.compare)) {
  console.error('--compare is source-name or case');
  process.exit(2);
}
if (!args.index) {
  console.error('usage: path-glob-cost.mjs --index <dataDir>/index [--table chunks_md] [--glob …]');
  process.exit(2);
}
const globs = args.glob ?? ['*.md', 'api/**', 'notes/api/**', '**/api/*.md'];

/** The filter before source names counted: the glob on `rel_path` only, as pathGlobWhere wrote it then. */
function relOnly(glob) {
  let body = glob.replace(/^(\.\/)+/, '');
  while (body.length > 1 && body.endsWith('/')) body = body.slice(0, -1);
  const anyDepth = !body.includes('/');
  return `regexp_like(rel_path, ${sqlString(`^${anyDepth ? '(?:.*/)?' : ''}${globToRegex(body)}(?:/.*)?$`)})`;
}

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

const [was, now] = args.compare === 'case' ? ['as typed', 'any case'] : ['before', 'after'];
console.log(
  `${args.index} ${args.table}: ${rows} rows, ${args.rounds} rounds, ${was} and ${now} interleaved`,
);
console.log(`| glob | hits ${was} / ${now} | ${was} p50 / p90 ms | ${now} p50 / p90 ms |`);
console.log('| --- | --- | --- | --- |');
for (const glob of globs) {
  const before = args.compare === 'case' ? pathGlobWhere(glob, { smartCase: false }) : relOnly(glob);
  const forms = { before, after: pathGlobWhere(glob) };
  const times = { before: [], after: [] };
  const hits = {};
  await search(forms.after); // warm the table's caches
  for (let r = 0; r < Number(args.rounds); r++) {
    for (const k of ['before', 'after']) {
      const { ms, n } = await search(forms[k]);
      times[k].push(ms);
      hits[k] = n;
    }
  }
  const t = (k) => `${quantile(times[k], 0.5).toFixed(1)} / ${quantile(times[k], 0.9).toFixed(1)}`;
  console.log(`| \`${glob}\` | ${hits.before} / ${hits.after} | ${t('before')} | ${t('after')} |`);
}
table.close();
db.close();
