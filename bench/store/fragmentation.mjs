// How many small commits a LanceDB chunk table takes before searches suffer, and what
// optimize() schedules cost. Simulates the daemon: a table of BASE files, then WRITES saves
// one file at a time (replaceFiles + the file record upsert: 2 commits each), under
// several optimize schedules. Prints a markdown table; raw numbers go to bench/out/.
//
//   node --import ./bench/store/register-ts.mjs bench/store/fragmentation.mjs [--writes 400] [--base 2000]
//        [--chunks 5] [--dim 384] [--queries 30] [--strategies none,every25,every100,every250,time5000,idle]
//
// Strategies: `none`; `everyN`: optimize after N commits; `timeMS`: optimize when MS ms passed
// since the last one; `idle`: the shipped OptimizePolicy (times ÷100) with writes in bursts and pauses.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { documentMapper } from '../../src/engines/document-mapper.js';
import { silentLogger } from '../../src/log.js';
import { LanceStore } from '../../src/store/lance-store.js';
import { OptimizePolicy } from '../../src/store/optimize-policy.js';

const { values } = parseArgs({
  options: {
    writes: { type: 'string', default: '400' },
    base: { type: 'string', default: '2000' },
    chunks: { type: 'string', default: '5' },
    dim: { type: 'string', default: '384' },
    queries: { type: 'string', default: '30' },
    strategies: { type: 'string', default: 'none,every25,every100,every250,time5000,idle' },
    'keep-ms': { type: 'string' },
  },
});
const WRITES = Number(values.writes);
const BASE = Number(values.base);
const CHUNKS = Number(values.chunks);
const DIM = Number(values.dim);
const QUERIES = Number(values.queries);
const ROOT = '/bench/notes';
const MODEL = 'bench/random';
const WORDS =
  'alpha beta gamma delta epsilon zeta theta kappa lambda sigma omega river stone cloud paper'.split(' ');

let seed = 12345;
function random() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function vectors(n) {
  const out = new Float32Array(n * DIM);
  for (let r = 0; r < n; r++) {
    let norm = 0;
    for (let d = 0; d < DIM; d++) {
      const v = random() * 2 - 1;
      out[r * DIM + d] = v;
      norm += v * v;
    }
    for (let d = 0; d < DIM; d++) out[r * DIM + d] /= Math.sqrt(norm);
  }
  return out;
}
function sentence(n = 30) {
  return Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
}
function file(i, version) {
  const path = `${ROOT}/dir${i % 40}/note-${i}.md`;
  const texts = Array.from({ length: CHUNKS }, (_, c) => `${sentence()} note ${i} chunk ${c} v${version}`);
  const chunks = texts.map((text, c) => ({
    id: `${i}-${c}-${version}`,
    text,
    contentHash: `${i}-${c}-${version}`,
    startLine: c * 10 + 1,
    endLine: c * 10 + 9,
    headingPath: ['Note', `Part ${c}`],
    metadata: {},
  }));
  const facts = {
    path,
    root: ROOT,
    engine: 'md',
    fileHash: `${i}-${version}`,
    size: 4000,
    mtimeMs: Date.now(),
    indexedAt: Date.now(),
    modelId: MODEL,
  };
  return { file: facts, chunks };
}
function record(row) {
  const f = row.file;
  return {
    path: f.path,
    root: f.root,
    engine: f.engine,
    size: f.size,
    mtimeMs: f.mtimeMs,
    fileHash: f.fileHash,
    chunkCount: row.chunks.length,
    status: 'indexed',
    reason: '',
    indexedAt: f.indexedAt,
    modelId: MODEL,
  };
}
function diskBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? diskBytes(p) : statSync(p).size;
  }
  return total;
}
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (t0) => performance.now() - t0;

async function measureQueries(table, n) {
  const times = [];
  for (let q = 0; q < n; q++) {
    const vector = vectors(1);
    const t0 = performance.now();
    await table.search({ query: `${WORDS[q % WORDS.length]} note`, vector, k: 10, mode: 'hybrid' });
    times.push(ms(t0));
  }
  const hashes = Array.from({ length: 200 }, (_, i) => `${i}-${i % CHUNKS}-0`);
  const t0 = performance.now();
  await table.vectorsByContentHash(hashes);
  return { p50: percentile(times, 50), p95: percentile(times, 95), lookup200: ms(t0) };
}

function makeSchedule(name) {
  if (name === 'none') return { due: () => false };
  if (name.startsWith('every')) {
    const n = Number(name.slice(5));
    let pending = 0;
    return { note: (c) => (pending += c), due: () => pending >= n, done: () => (pending = 0) };
  }
  if (name.startsWith('time')) {
    const period = Number(name.slice(4));
    let last = performance.now();
    return { due: () => performance.now() - last >= period, done: () => (last = performance.now()) };
  }
  if (name === 'idle') {
    // The shipped policy with its commit thresholds, and times scaled down 100× so the run
    // stays short: bursts of 20 saves (40 commits) separated by pauses longer than idleMs.
    const policy = new OptimizePolicy({ idleMs: 300, maxDelayMs: 6_000 });
    return {
      note: (c) => policy.noteWrite(c),
      due: () => policy.shouldOptimize(),
      done: () => policy.noteOptimizing(),
      pauseEvery: 20,
      pauseMs: 400,
    };
  }
  throw new Error(`unknown strategy ${name}`);
}

async function run(strategy) {
  const dir = mkdtempSync(join(tmpdir(), 'ragctl-frag-'));
  const tuning = values['keep-ms'] === undefined ? {} : { keepVersionsMs: Number(values['keep-ms']) };
  const store = await LanceStore.open({ dir, logger: silentLogger(), tuning });
  try {
    const { table } = await store.openChunkTable({
      engine: 'md',
      mapper: documentMapper,
      modelId: MODEL,
      dimension: DIM,
    });
    // The starting table: BASE files in batches of 500, compacted, as after a first full index.
    for (let start = 0; start < BASE; start += 500) {
      const rows = Array.from({ length: Math.min(500, BASE - start) }, (_, k) => file(start + k, 0));
      await table.replaceFiles(
        rows.map((r) => r.file.path),
        documentMapper.toRecordBatch(rows, vectors(rows.length * CHUNKS), DIM),
      );
      await store.files.upsert(rows.map(record));
    }
    await store.optimize();
    const before = await measureQueries(table, QUERIES);

    const schedule = makeSchedule(strategy);
    const writeTimes = [];
    const optimizeTimes = [];
    const checkpoints = [];
    let nextFile = BASE;
    let waitedMs = 0;
    for (let w = 1; w <= WRITES; w++) {
      // 70 % re-saves of an existing note, 30 % new notes.
      const existing = random() < 0.7;
      const row = existing ? file(Math.floor(random() * BASE), w) : file(nextFile++, 0);
      const batch = documentMapper.toRecordBatch([row], vectors(CHUNKS), DIM);
      const t0 = performance.now();
      await table.replaceFiles([row.file.path], batch);
      await store.files.upsert([record(row)]);
      writeTimes.push(ms(t0));
      schedule.note?.(2);
      if (schedule.pauseEvery && w % schedule.pauseEvery === 0) {
        await new Promise((r) => setTimeout(r, schedule.pauseMs));
        waitedMs += schedule.pauseMs;
      }
      if (schedule.due()) {
        schedule.done?.();
        const t1 = performance.now();
        await store.optimize();
        optimizeTimes.push(ms(t1));
      }
      if (w % Math.max(1, Math.floor(WRITES / 4)) === 0 && w < WRITES) {
        const s = await table.stats();
        const q = await measureQueries(table, Math.ceil(QUERIES / 3));
        checkpoints.push({ writes: w, fragments: s.fragments, p50: q.p50 });
      }
    }
    const stats = await table.stats();
    const after = await measureQueries(table, QUERIES);
    const unindexed = Math.max(0, ...stats.indexes.map((i) => i.unindexedRows));
    const tableDir = join(dir, 'chunks_md.lance');
    const breakdownMB = Object.fromEntries(
      readdirSync(tableDir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => [e.name, +(diskBytes(join(tableDir, e.name)) / 2 ** 20).toFixed(1)]),
    );
    return {
      strategy,
      rows: stats.rows,
      version: stats.version,
      versionsOnDisk: stats.versions,
      fragments: stats.fragments,
      unindexedRows: unindexed,
      diskMB: diskBytes(dir) / 2 ** 20,
      breakdownMB,
      writeP50: percentile(writeTimes, 50),
      writeP95: percentile(writeTimes, 95),
      optimizes: optimizeTimes.length,
      optimizeMsEach: optimizeTimes.length
        ? optimizeTimes.reduce((a, b) => a + b, 0) / optimizeTimes.length
        : 0,
      optimizeMsTotal: optimizeTimes.reduce((a, b) => a + b, 0),
      writeMsTotal: writeTimes.reduce((a, b) => a + b, 0),
      waitedMs,
      queryBefore: before,
      queryAfter: after,
      checkpoints,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const strategy of values.strategies.split(',')) {
  process.stderr.write(`running ${strategy}…\n`);
  results.push(await run(strategy));
}

const f1 = (x) => x.toFixed(1);
console.log(
  `\n${BASE} files × ${CHUNKS} chunks (dim ${DIM}) to start, then ${WRITES} single-file saves (2 commits each)\n`,
);
console.log(
  '| schedule | optimizes | ms each | fragments | versions on disk | unindexed rows | disk MB | write p50/p95 ms | hybrid p50/p95 ms (start → end) | 200-hash lookup ms | p50 ms at ¼,½,¾ |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.strategy} | ${r.optimizes} | ${f1(r.optimizeMsEach)} | ${r.fragments} | ${r.versionsOnDisk} | ${r.unindexedRows} | ${f1(r.diskMB)} | ${f1(r.writeP50)}/${f1(r.writeP95)} | ${f1(r.queryBefore.p50)}/${f1(r.queryBefore.p95)} → ${f1(r.queryAfter.p50)}/${f1(r.queryAfter.p95)} | ${f1(r.queryAfter.lookup200)} | ${r.checkpoints.map((c) => f1(c.p50)).join(', ')} |`,
  );
}
console.log('\nchunk table on disk, MB by folder:');
for (const r of results) console.log(`- ${r.strategy}: ${JSON.stringify(r.breakdownMB)}`);
mkdirSync('bench/out', { recursive: true });
const out = `bench/out/store-fragmentation-${new Date().toISOString().replace(/[:.]/g, '')}.json`;
writeFileSync(out, JSON.stringify({ args: values, results }, null, 2));
console.log(`\nraw: ${out}`);
