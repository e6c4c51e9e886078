// What reading a folder with two engines (`engine: [code, md]`) costs the walk that every
// reconcile makes (at start, every 15 minutes, after a watcher's rescan, each `ragctl index`).
// The indexer walks such a folder once through both engines' filters (FolderWalk) and hands each
// file to the engine that reads it (ownerOf); walking it once per engine, the obvious way, lists
// every folder again. Measured on a real tree, the walk alone (scanSource through the indexer's own
// filters, sourceFilters), each way in turn in every round so that they share the machine's state.
//
//   node --import ./bench/store/register-ts.mjs bench/ingest/multi-engine-walk.mjs --dir node_modules
//
// Raw numbers: bench/out/multi-engine-walk-<time>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../src/config/load.js';
import { FolderWalk, sourceFilters } from '../../src/pipeline/path-filter.js';
import { scanSource } from '../../src/pipeline/scan.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    rounds: { type: 'string', default: '7' },
  },
});
if (!values.dir) throw new Error('--dir <folder> is required');
const dir = resolve(values.dir);
const ROUNDS = Number(values.rounds);
const WAYS = [
  { name: 'code alone', engines: ['code'], once: true },
  { name: 'md alone', engines: ['md'], once: true },
  { name: '[code, md], a walk per engine', engines: ['code', 'md'], once: false },
  { name: '[code, md], one walk (shipped)', engines: ['code', 'md'], once: true },
];

async function walk({ engines, once }) {
  const config = resolveConfig(
    { dataDir: '/nonexistent-ragctl-bench', sources: [{ path: dir, engine: engines }] },
    null,
    {},
  );
  const filters = sourceFilters(config.sources, config.dataDir);
  const files = Object.fromEntries(engines.map((e) => [e, 0]));
  const options = { maxFileBytes: config.indexing.maxFileBytes };
  const start = performance.now();
  for (const f of filters) f.forgetIgnoreFiles();
  if (filters.length === 1) {
    for await (const entry of scanSource(filters[0], options)) if (entry.kind === 'file') files[engines[0]]++;
  } else if (once) {
    const folder = new FolderWalk(filters);
    for await (const entry of scanSource(folder, options)) {
      if (entry.kind === 'file') files[config.sources[Math.max(0, folder.ownerOf(entry.path))].engine]++;
    }
  } else {
    for (const [i, filter] of filters.entries()) {
      for await (const entry of scanSource(filter, options)) {
        if (entry.kind === 'file') files[config.sources[i].engine]++;
      }
    }
  }
  return { ms: performance.now() - start, files };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const times = new Map(WAYS.map((w) => [w.name, []]));
const counts = new Map();
await walk(WAYS[2]); // Warms the page cache and the dentry cache for every way alike.
for (let r = 0; r < ROUNDS; r++) {
  for (const way of WAYS) {
    const { ms, files } = await walk(way);
    times.get(way.name).push(ms);
    counts.set(way.name, files);
  }
}
const rows = WAYS.map(({ name }) => ({
  way: name,
  files: counts.get(name),
  medianMs: median(times.get(name)),
  runsMs: times.get(name),
}));
const machine = {
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null,
};
console.log(`${dir}, ${ROUNDS} rounds; ${machine.cpu}, ${machine.cores} cores`);
for (const r of rows) {
  const files = Object.entries(r.files)
    .map(([e, n]) => `${n} ${e}`)
    .join(' + ');
  console.log(`  ${r.way}`.padEnd(34), `${r.medianMs.toFixed(1)} ms median`.padEnd(18), files);
}
const out = resolve('bench/out');
mkdirSync(out, { recursive: true });
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z');
const file = join(out, `multi-engine-walk-${stamp}.json`);
writeFileSync(file, `${JSON.stringify({ dir, rounds: ROUNDS, machine, rows }, null, 2)}\n`);
console.log(`raw: ${file}`);
