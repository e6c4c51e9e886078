#!/usr/bin/env node
// What a LanceDB multivector column would cost the vector leg (BENCHMARKS "Vectors from small
// chunks, text from large ones"): one table with each 256-chunk's vector, one with each 256-chunk's
// overlapping 128-chunk vectors in a `list<fixed_size_list<float32>>` column, both searched flat
// (no ANN index, as ragctl's tables are below its threshold), interleaved, with the corpus's real
// query vectors. A single query vector against a multivector column gives 1 − the best cosine of
// the row's vectors (MaxSim over one query vector), i.e. small-to-big.mjs's `max` aggregation;
// the script checks that against the dump before timing.
//
//   node bench/quality/small-to-big.mjs                 # writes bench/out/s2b-<c>.json
//   node bench/quality/small-to-big-latency.mjs [--corpus py-lib] [--rounds 5]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, List, Schema, Utf8 } from 'apache-arrow';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: { corpus: { type: 'string', default: 'py-lib' }, rounds: { type: 'string', default: '5' } },
});
const raw = JSON.parse(readFileSync(join(repo, 'bench/out', `s2b-${args.corpus}.json`), 'utf8'));
const vec = (s) => {
  const b = Buffer.from(s, 'base64');
  return Array.from(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
};
const big = raw.sizes[256];
const small = raw.sizes[128];
const dim = vec(big[0].vector).length;
const rows = big.map((b) => ({
  id: b.id,
  vector: vec(b.vector),
  parts: small
    .filter((s) => s.rel === b.rel && s.startLine <= b.endLine && s.endLine >= b.startLine)
    .map((s) => vec(s.vector)),
}));
const item = () => new FixedSizeList(dim, new Field('item', new Float32(), true));
const dir = mkdtempSync(join(tmpdir(), 's2b-latency-'));
try {
  const db = await lancedb.connect(dir);
  const single = await db.createTable(
    'single',
    rows.map(({ id, vector }) => ({ id, vector })),
    {
      schema: new Schema([new Field('id', new Utf8()), new Field('vector', item())]),
    },
  );
  const multi = await db.createTable(
    'multi',
    rows.filter((r) => r.parts.length > 0).map(({ id, parts }) => ({ id, parts })),
    {
      schema: new Schema([
        new Field('id', new Utf8()),
        new Field('parts', new List(new Field('item', item(), true))),
      ]),
    },
  );
  const queries = Object.values(raw.queries).map(vec);
  const search = (t, column, q) =>
    t.vectorSearch(q).column(column).distanceType('cosine').limit(50).toArray();
  // The multivector distance is 1 − max cosine over the row's parts (checked on the first query).
  const got = await search(multi, 'parts', queries[0]);
  const want = new Map(
    rows.map((r) => [
      r.id,
      1 - Math.max(...r.parts.map((p) => p.reduce((s, x, i) => s + x * queries[0][i], 0))),
    ]),
  );
  const worst = Math.max(...got.map((h) => Math.abs(h._distance - want.get(h.id))));
  if (worst > 1e-4) throw new Error(`multivector distance is not 1 − max cosine (off by ${worst})`);
  const times = { single: [], multi: [] };
  for (let round = 0; round < Number(args.rounds); round++)
    for (const q of queries)
      for (const [name, t, column] of [
        ['single', single, 'vector'],
        ['multi', multi, 'parts'],
      ]) {
        const started = performance.now();
        await search(t, column, q);
        if (round > 0) times[name].push(performance.now() - started);
      }
  const p = (xs, f) => [...xs].sort((a, b) => a - b)[Math.floor(f * xs.length)].toFixed(2);
  const vectors = rows.reduce((s, r) => s + r.parts.length, 0);
  console.log(
    `${args.corpus}: ${rows.length} rows; multivector column holds ${vectors} vectors; max |distance − (1 − max cos)| ${worst.toExponential(1)}`,
  );
  for (const [name, xs] of Object.entries(times))
    console.log(
      `${name}: ${xs.length} searches (top 50, flat, warm): p50 ${p(xs, 0.5)} ms, p90 ${p(xs, 0.9)} ms`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
