#!/usr/bin/env node
// What `status` with `sources: true` costs over what a plain status reads of the file records:
// each source's files counted (`indexedByRoot`, one column scanned) on top of the count and the
// skipped records a plain status reads (`readContents`), on a file-records table of --files records spread over --roots sources,
// interleaved on one store. A script, not a test.
//
//   node --import ./bench/store/register-ts.mjs bench/store/records-by-root.mjs \
//     [--files 100000] [--roots 8] [--rounds 20]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../../src/log.js';
import { LanceStore } from '../../src/store/lance-store.js';
import { machine } from '../stats.mjs';

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    roots: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '20' },
  },
});
const files = Number(args.files);
const roots = Array.from({ length: Number(args.roots) }, (_, i) => `/home/me/source-${i}`);
const dir = await mkdtemp(join(tmpdir(), 'records-by-root-'));
const store = await LanceStore.open({ dir, logger: silentLogger() });
try {
  const BATCH = 10_000;
  for (let start = 0; start < files; start += BATCH) {
    const records = [];
    for (let i = start; i < Math.min(files, start + BATCH); i++) {
      const root = roots[i % roots.length];
      records.push({
        path: `${root}/folder-${i % 97}/note-${i}.md`,
        root,
        engine: 'md',
        size: 1000 + (i % 5000),
        mtimeMs: 1_700_000_000_000 + i,
        fileHash: `h${i}`,
        chunkCount: 1 + (i % 7),
        // One in fifty skipped, as a tree with some binaries and build output would have.
        status: i % 50 === 0 ? 'skipped' : 'indexed',
        reason: i % 50 === 0 ? 'binary file' : '',
        indexedAt: 1_700_000_000_000 + i,
        modelId: 'sentence-transformers/all-MiniLM-L6-v2@x',
      });
    }
    await store.files.upsert(records);
  }
  await store.optimize();
  // What a plain status reads of the records (src/app.ts readContents), and that plus the counts.
  const plain = () => Promise.all([store.files.countIndexed(), store.files.all({ status: 'skipped' })]);
  const ways = {
    'plain status: count + skipped records': plain,
    'sources: true: the same + indexedByRoot': () => Promise.all([plain(), store.files.indexedByRoot()]),
    'indexedByRoot alone': () => store.files.indexedByRoot(),
  };
  const times = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  for (const fn of Object.values(ways)) await fn(); // warm the caches
  for (let r = 0; r < Number(args.rounds); r++) {
    const order = r % 2 ? Object.keys(ways).reverse() : Object.keys(ways);
    for (const k of order) {
      const started = performance.now();
      await ways[k]();
      times[k].push(performance.now() - started);
    }
  }
  const counts = await store.files.indexedByRoot();
  const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const m = machine();
  console.log(
    `${files} records over ${roots.length} sources (${[...counts.values()].reduce((a, b) => a + b, 0)} indexed), ${args.rounds} rounds interleaved; ${m.cpu}, ${m.cores} cores, OPENBLAS_CORETYPE ${m.openblasCoretype ?? 'unset'}`,
  );
  console.log('| read | p50 ms | p90 ms |');
  console.log('| --- | ---: | ---: |');
  for (const [k, xs] of Object.entries(times))
    console.log(`| ${k} | ${q(xs, 0.5).toFixed(1)} | ${q(xs, 0.9).toFixed(1)} |`);
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
