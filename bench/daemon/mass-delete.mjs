#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
// Peak memory of the daemon when a folder of many indexed files is deleted at once.
//
//   npx tsc -p tsconfig.json
//   MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node bench/daemon/mass-delete.mjs [--files 50000] [--keep /var/tmp/ragctl-mass-delete]
//
// The corpus: --kept notes under keep/ and --files tiny notes under gone/d<n>/ whose texts
// repeat every --distinct files, so that indexing them embeds only --distinct chunks (the
// indexer reuses vectors by content hash): the index is --files + --kept files' worth of rows
// and records, built once with `ragctl index` and copied aside (with --keep, reused by the next
// run). Each round then starts from that copy:
// - baseline: `ragctl daemon run` with every file present; its start-up walk stats them all
//   and changes nothing;
// - delete: gone/ moved out of the source first (as `rm -rf` or an unmount would); the
//   start-up walk finds the files gone and removes their rows and records.
// For each: the daemon's peak RSS (VmHWM from /proc once idle, the kernel's own maximum, plus
// VmRSS sampled every --sample-ms), the time to idle, and the delete's own duration from the
// daemon's `indexed` log line.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN,
  flags,
  fmt,
  int,
  logLines,
  machine,
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
  distinct: ['5', 'distinct note texts among the deleted files (each embedded once)'],
  rounds: ['1', 'baseline + delete pairs'],
  'sample-ms': ['100', 'VmRSS sampling period'],
  keep: ['', 'work folder to keep the corpus and the built index in'],
});

const FILES = int(args, 'files');
const KEPT = int(args, 'kept');
const DISTINCT = Math.max(1, int(args, 'distinct'));
const ROUNDS = Math.max(1, int(args, 'rounds'));
const SAMPLE_MS = Math.max(10, int(args, 'sample-ms'));
const PER_FOLDER = 1_000;

function kib(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

/** Writes the corpus and indexes it once with `ragctl index`; the built data dir is copied to `pristine`. */
function build(work, corpus, paths) {
  const marker = join(work, 'built.json');
  const wanted = { files: FILES, kept: KEPT, distinct: DISTINCT };
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
  for (let i = 0; i < FILES; i++) {
    const dir = join(corpus, 'gone', `d${Math.floor(i / PER_FOLDER)}`);
    if (i % PER_FOLDER === 0) mkdirSync(dir, { recursive: true });
    const v = i % DISTINCT;
    writeFileSync(join(dir, `g${i}.md`), `# Gone ${v}\n\nA note of the folder that goes, variant ${v}.\n`);
  }
  console.error(`indexing ${FILES + KEPT} files with ragctl index (once) …`);
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [BIN, 'index', '--json', '--config', paths.config], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (run.status !== 0) throw new Error(`ragctl index failed (${run.status}):\n${run.stderr.slice(-4000)}`);
  const built = { seconds: (performance.now() - t0) / 1000, summary: JSON.parse(run.stdout.trim()) };
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
  const built = build(work, corpus, paths);
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
    args: { files: FILES, kept: KEPT, distinct: DISTINCT, rounds: ROUNDS },
    machine: machine(),
    env,
    built,
    runs,
  });
  console.log(`results: ${file}`);
});
