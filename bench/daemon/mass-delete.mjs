#!/usr/bin/env node
// Peak memory of the daemon when a folder of many indexed files is deleted at once.
//
//   npx tsc -p tsconfig.json
//   MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node bench/daemon/mass-delete.mjs [--files 50000] [--keep /var/tmp/ragctl-mass-delete]
//
// The corpus: --kept notes under keep/ and --files tiny notes under gone/d<n>/. With
// `--vectors repeated` (default) their texts repeat every --distinct files, so that indexing
// them embeds only --distinct chunks (the indexer reuses vectors by content hash), and the whole
// index is built by `ragctl index`. With `--vectors distinct` every gone note has a text and a
// vector of its own, as a real folder has: embedding 50,000 texts takes too long here, so
// `ragctl index` indexes keep/ only and the gone notes' rows and records are written the way
// the indexer writes them (ChunkTable.replaceFiles, then the records with the engine's
// signature, each file's size and mtime; random unit vectors), after which the indexer's own
// reconcile must find all of them unchanged. Either index is built once and copied aside
// (with --keep, reused by the next run). Each round then starts from that copy:
// - baseline: `ragctl daemon run` with every file present; its start-up walk stats them all
//   and changes nothing;
// - delete: gone/ moved out of the source first (as `rm -rf` or an unmount would); the
//   start-up walk finds the files gone and removes their rows and records.
// For each: the daemon's peak RSS (VmHWM from /proc once idle, the kernel's own maximum, plus
// VmRSS sampled every --sample-ms), the time to idle, and the delete's own duration from the
// daemon's `indexed` log line.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  BIN,
  flags,
  fmt,
  int,
  logLines,
  machine,
  REPO,
  rng,
  runMain,
  sleep,
  startDaemon,
  table,
  waitIdle,
  workFolder,
  writeConfig,
  writeResults,
} from './common.mjs';

const args = flags('node bench/daemon/mass-delete.mjs [options]', {
  files: ['50000', 'indexed files deleted at once'],
  kept: ['100', 'indexed files that stay'],
  distinct: [
    '5',
    'with --vectors repeated: distinct note texts among the deleted files (each embedded once)',
  ],
  vectors: [
    'repeated',
    'repeated (built by ragctl index) or distinct (one vector per deleted file, written directly)',
  ],
  rounds: ['1', 'baseline + delete pairs'],
  'sample-ms': ['100', 'VmRSS sampling period'],
  keep: ['', 'work folder to keep the corpus and the built index in'],
});

const FILES = int(args, 'files');
const KEPT = int(args, 'kept');
const DISTINCT = Math.max(1, int(args, 'distinct'));
const ROUNDS = Math.max(1, int(args, 'rounds'));
const SAMPLE_MS = Math.max(10, int(args, 'sample-ms'));
const VECTORS = args.vectors;
if (VECTORS !== 'repeated' && VECTORS !== 'distinct')
  throw new Error(`--vectors must be repeated or distinct, got ${VECTORS}`);
const PER_FOLDER = 1_000;
/** Fixture rows are written this many files at a time (--vectors distinct). */
const FIXTURE_STEP = 5_000;

function kib(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

function goneText(i) {
  const v = VECTORS === 'distinct' ? i : i % DISTINCT;
  return `# Gone ${v}\n\nA note of the folder that goes, variant ${v}.\n`;
}

function writeGone(corpus) {
  for (let i = 0; i < FILES; i++) {
    const dir = join(corpus, 'gone', `d${Math.floor(i / PER_FOLDER)}`);
    if (i % PER_FOLDER === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `g${i}.md`), goneText(i));
  }
}

function ragctlIndex(config) {
  const run = spawnSync(process.execPath, [BIN, 'index', '--json', '--config', config], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (run.status !== 0) throw new Error(`ragctl index failed (${run.status}):\n${run.stderr.slice(-4000)}`);
  return JSON.parse(run.stdout.trim());
}

const sha = (text) => createHash('sha256').update(text).digest('hex');

/** Unit vectors from a seeded PRNG: one of its own for every row. */
function unitVectors(count, dim, random) {
  const out = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = random() * 2 - 1;
      out[r * dim + d] = v;
      norm += v * v;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let d = 0; d < dim; d++) out[r * dim + d] *= scale;
  }
  return out;
}

/** --vectors distinct: the gone notes' rows and records, written as the indexer writes them. */
async function writeIndexedFixture(config, corpus) {
  const { App } = await import(join(REPO, 'dist', 'app.js'));
  const { loadConfig } = await import(join(REPO, 'dist', 'config', 'load.js'));
  const { documentMapper } = await import(join(REPO, 'dist', 'engines', 'document-mapper.js'));
  const { silentLogger } = await import(join(REPO, 'dist', 'log.js'));
  const app = await App.open(loadConfig({ configPath: config }), { logger: silentLogger() });
  try {
    const table = app.indexer.table('md');
    const signature = (await app.store.files.all({ engine: 'md', status: 'indexed' }))[0].modelId;
    const random = rng(7);
    const root = corpus;
    for (let from = 0; from < FILES; from += FIXTURE_STEP) {
      const rows = [];
      const records = [];
      for (let i = from; i < Math.min(FILES, from + FIXTURE_STEP); i++) {
        const path = join(corpus, 'gone', `d${Math.floor(i / PER_FOLDER)}`, `g${i}.md`);
        const text = goneText(i);
        const { size, mtimeMs } = statSync(path);
        const fileHash = sha(text);
        const indexedAt = Date.now();
        rows.push({
          file: { path, root, engine: 'md', fileHash, size, mtimeMs, indexedAt, modelId: table.modelId },
          chunks: [
            {
              id: sha(`${path}#0`),
              text,
              contentHash: sha(text),
              startLine: 1,
              endLine: 3,
              headingPath: [`Gone ${i}`],
              metadata: {},
            },
          ],
        });
        records.push({
          path,
          root,
          engine: 'md',
          size,
          mtimeMs,
          fileHash,
          chunkCount: 1,
          status: 'indexed',
          reason: '',
          indexedAt,
          modelId: signature,
        });
      }
      const batch = documentMapper.toRecordBatch(
        rows,
        unitVectors(rows.length, table.dimension, random),
        table.dimension,
      );
      await table.replaceFiles(
        rows.map((r) => r.file.path),
        batch,
      );
      await app.store.files.upsert(records);
    }
    const check = await app.indexer.reconcile();
    if (check.filesUnchanged !== FILES + KEPT)
      throw new Error(`the indexer does not count the written rows as indexed: ${JSON.stringify(check)}`);
    await app.store.optimize();
  } finally {
    await app.close();
  }
}

/** Writes the corpus and indexes it once; the built data dir is copied to `pristine`. */
async function build(work, corpus, paths) {
  const marker = join(work, 'built.json');
  const wanted = { files: FILES, kept: KEPT, distinct: DISTINCT, vectors: VECTORS };
  if (
    existsSync(marker) &&
    JSON.stringify(JSON.parse(readFileSync(marker, 'utf8')).wanted) === JSON.stringify(wanted)
  )
    return JSON.parse(readFileSync(marker, 'utf8')).built;
  rmSync(corpus, { recursive: true, force: true });
  rmSync(paths.dataDir, { recursive: true, force: true });
  rmSync(join(work, 'pristine'), { recursive: true, force: true });
  mkdirSync(join(corpus, 'keep'), { recursive: true });
  for (let i = 0; i < KEPT; i++)
    writeFileSync(
      join(corpus, 'keep', `k${i}.md`),
      `# Kept ${i}\n\nThis note stays in the index, number ${i}.\n`,
    );
  const t0 = performance.now();
  let summary;
  if (VECTORS === 'repeated') {
    writeGone(corpus);
    console.error(`indexing ${FILES + KEPT} files with ragctl index (once) …`);
    summary = ragctlIndex(paths.config);
  } else {
    summary = ragctlIndex(paths.config);
    writeGone(corpus);
    console.error(`writing the rows and records of ${FILES} files (once) …`);
    await writeIndexedFixture(paths.config, corpus);
  }
  const built = { seconds: (performance.now() - t0) / 1000, summary };
  cpSync(paths.dataDir, join(work, 'pristine'), { recursive: true });
  writeFileSync(marker, JSON.stringify({ wanted, built }));
  return built;
}

/** One daemon run from the pristine index; `deleted` moves gone/ out of the source first. */
async function round(work, corpus, paths, deleted) {
  rmSync(paths.dataDir, { recursive: true, force: true });
  cpSync(join(work, 'pristine'), paths.dataDir, { recursive: true });
  rmSync(paths.logFile, { force: true });
  const aside = join(work, 'gone-aside');
  if (deleted) renameSync(join(corpus, 'gone'), aside);
  try {
    const t0 = performance.now();
    const daemon = await startDaemon({ ...paths, work });
    let sampledKib = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        sampledKib = Math.max(sampledKib, kib(daemon.pid, 'VmRSS'));
        await sleep(SAMPLE_MS);
      }
    })();
    const { status } = await waitIdle(paths.socket, { minFiles: deleted ? 0 : FILES + KEPT, pollMs: 500 });
    const idleS = (performance.now() - t0) / 1000;
    sampling = false;
    await sampler;
    const hwmKib = kib(daemon.pid, 'VmHWM');
    const rssKib = kib(daemon.pid, 'VmRSS');
    await daemon.stop();
    const summary = logLines(paths.logFile, 'indexed').find((l) => l.filesDeleted > 0);
    if (deleted && status.files !== KEPT)
      throw new Error(`expected ${KEPT} files after the delete, status says ${status.files}`);
    return {
      kind: deleted ? 'delete' : 'baseline',
      files: status.files,
      chunks: status.chunks,
      peakRssMb: hwmKib / 1024,
      sampledPeakRssMb: sampledKib / 1024,
      rssAtIdleMb: rssKib / 1024,
      idleS,
      filesDeleted: summary?.filesDeleted ?? 0,
      deleteWalkS: summary?.seconds ?? null,
    };
  } finally {
    if (deleted) renameSync(aside, join(corpus, 'gone'));
  }
}

await runMain(async () => {
  const work = workFolder(args.keep, 'mass-delete');
  const corpus = join(work, 'corpus');
  const paths = writeConfig(work, corpus);
  const built = await build(work, corpus, paths);
  const env = {
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? 'unset',
    MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? 'unset',
    OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? 'unset',
  };
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) {
    runs.push(await round(work, corpus, paths, false));
    runs.push(await round(work, corpus, paths, true));
  }
  console.log(
    table(
      [
        'run',
        'files after',
        'peak RSS MB (VmHWM)',
        'sampled max MB',
        'RSS idle MB',
        'to idle s',
        'files deleted',
        'delete walk s',
      ],
      runs.map((x) => [
        x.kind,
        x.files,
        fmt(x.peakRssMb),
        fmt(x.sampledPeakRssMb),
        fmt(x.rssAtIdleMb),
        fmt(x.idleS),
        x.filesDeleted,
        x.deleteWalkS === null ? '–' : fmt(x.deleteWalkS, 2),
      ]),
    ),
  );
  console.log(`\nbuilt once: ${fmt(built.seconds)} s; env ${JSON.stringify(env)}`);
  const file = writeResults('mass-delete', {
    args: { files: FILES, kept: KEPT, distinct: DISTINCT, vectors: VECTORS, rounds: ROUNDS },
    machine: machine(),
    env,
    built,
    runs,
  });
  console.log(`results: ${file}`);
});
