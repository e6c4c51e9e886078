#!/usr/bin/env node
// Memory under sustained indexing at a fixed index size: does the daemon's RSS level off, or
// keep rising with the work it has done?
//
//   npx tsc -p tsconfig.json
//   node bench/daemon/edit-latency.mjs --keep /var/tmp/ragctl-bench-10k   # once: a 10k-file index
//   MALLOC_ARENA_MAX=2 node bench/daemon/soak-rss.mjs --keep /var/tmp/ragctl-bench-10k --minutes 30
//
// Starts `ragctl daemon run` on the kept corpus and index, waits for its start-up reconcile, then
// saves --saves-per-s files a second for --minutes. Every save rewrites the "Soak" section at the
// end of one of --edit-files files (chosen once, at random) with ~40 new random words: each save
// embeds one new chunk and replaces one, so after the first pass over those files the index
// keeps its size — memory that still grows then grows with the work done, not with the index.
// /proc gives the RSS of the daemon and its embed worker every --sample-ms; a status request every
// --status-ms gives the daemon's own account (status.memory: V8 heap, external buffers, LanceDB's
// caches). Reported: medians per --window-min window and the least-squares slope over the second
// half of the run. Edited files keep their Soak section afterwards (the corpus is a bench copy).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  flags,
  fmt,
  int,
  ipc,
  listFiles,
  MEMORY_PARTS,
  machine,
  pct,
  procSample,
  rng,
  runMain,
  shuffle,
  sleep,
  slope,
  startDaemon,
  table,
  waitIdle,
  workFolder,
  writeConfig,
  writeResults,
} from './common.mjs';

const args = flags('MALLOC_ARENA_MAX=2 node bench/daemon/soak-rss.mjs --keep <dir> [options]', {
  keep: ['', 'work folder of edit-latency.mjs --keep: its corpus/ and index are used (required)'],
  minutes: ['30', 'how long to save files'],
  'saves-per-s': ['3', 'file saves per second'],
  'edit-files': ['300', 'the files saves go to (a fixed set, so the index keeps its size)'],
  'sample-ms': ['5000', 'RSS sampling period'],
  'status-ms': ['15000', 'status (memory breakdown) period'],
  'window-min': ['3', 'report medians per window of this many minutes'],
  seed: ['7', 'PRNG seed'],
});

const WORDS = 'ferry harbour timetable island port ticket captain deck cabin wind tide pier gull rope'.split(
  ' ',
);
const MARK = '\n\n## Soak section\n\n';

async function main() {
  if (!args.keep) throw new Error('--keep <dir> is required: the folder edit-latency.mjs --keep built');
  const { request } = await ipc();
  const work = workFolder(args.keep, 'soak');
  const corpus = join(work, 'corpus');
  const paths = writeConfig(work, corpus, { logLevel: 'warn' });
  const random = rng(int(args, 'seed'));
  const targets = shuffle(
    listFiles(corpus).filter((f) => f.endsWith('.md')),
    random,
  ).slice(0, int(args, 'edit-files'));
  if (!targets.length) throw new Error(`${corpus} holds no markdown files`);

  const daemon = await startDaemon({ ...paths, work });
  console.error(
    `daemon ${daemon.pid} (MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? 'unset'}): start-up reconcile…`,
  );
  const ready = await waitIdle(daemon.socket, { pollMs: 2000, stable: 2 });
  console.error(`ready: ${ready.status.files} files, ${ready.status.chunks} chunks`);

  const t0 = performance.now();
  const atS = () => (performance.now() - t0) / 1000;
  const rss = [];
  const memory = [];
  let saves = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const d = procSample(daemon.pid);
      const w = daemon.workers().map(procSample).filter(Boolean);
      if (d) rss.push({ atS: atS(), daemonMb: d.rssMb, workerMb: w.reduce((a, s) => a + s.rssMb, 0), saves });
      await sleep(int(args, 'sample-ms'));
    }
  })();
  const poller = (async () => {
    while (running) {
      await sleep(int(args, 'status-ms'));
      const s = await request(daemon.socket, 'status', {}, { timeoutMs: 60_000 });
      memory.push({ atS: atS(), chunks: s.chunks, queue: s.queue_depth, ...s.memory });
      const last = rss.at(-1);
      console.error(
        `  ${atS().toFixed(0)} s: ${saves} saves, ${s.chunks} chunks, queue ${s.queue_depth}; daemon ${fmt(last?.daemonMb, 0)} MB (heap ${fmt(s.memory.heap_used_bytes / 2 ** 20, 0)}, caches ${fmt(s.memory.store_cache_bytes / 2 ** 20, 0)}), worker ${fmt(last?.workerMb, 0)} MB`,
      );
    }
  })();

  const endAt = t0 + Number(args.minutes) * 60_000;
  const every = 1000 / Number(args['saves-per-s']);
  while (performance.now() < endAt) {
    const file = targets[Math.floor(random() * targets.length)];
    const text = readFileSync(file, 'utf8');
    const head = text.includes(MARK) ? text.slice(0, text.indexOf(MARK)) : text;
    const words = Array.from({ length: 40 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
    writeFileSync(file, `${head}${MARK}Soak save ${++saves}: ${words}.\n`);
    await sleep(every);
  }
  running = false;
  await Promise.all([sampler, poller]);
  const end = await waitIdle(daemon.socket, { pollMs: 2000, stable: 2 });
  await daemon.stop();

  const windowS = int(args, 'window-min') * 60;
  const windows = [];
  for (let from = 0; from < Number(args.minutes) * 60; from += windowS) {
    const inW = (p) => p.atS >= from && p.atS < from + windowS;
    const r = rss.filter(inW);
    const m = memory.filter(inW);
    const mb = (f) => pct(m.map(f), 50) / 2 ** 20;
    windows.push({
      fromMin: from / 60,
      daemonMb: pct(
        r.map((p) => p.daemonMb),
        50,
      ),
      workerMb: pct(
        r.map((p) => p.workerMb),
        50,
      ),
      heapMb: mb(MEMORY_PARTS.heapUsed),
      externalMb: mb(MEMORY_PARTS.external),
      cacheMb: mb(MEMORY_PARTS.storeCache),
      restMb: mb(MEMORY_PARTS.rest),
      chunks: pct(
        m.map((p) => p.chunks),
        50,
      ),
    });
  }
  const half = rss.filter((p) => p.atS >= (Number(args.minutes) * 60) / 2);
  const results = {
    bench: 'soak-rss',
    machine: machine(),
    args,
    mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
    saves,
    chunksStart: ready.status.chunks,
    chunksEnd: end.status.chunks,
    slopeSecondHalfMbPerMin: {
      daemon: slope(
        half.map((p) => p.atS / 60),
        half.map((p) => p.daemonMb),
      ),
      worker: slope(
        half.map((p) => p.atS / 60),
        half.map((p) => p.workerMb),
      ),
    },
    windows,
    rss,
    memory,
  };
  const file = writeResults('soak-rss', results);
  console.log(`${saves} saves in ${args.minutes} min to ${targets.length} files; chunks ${ready.status.chunks} → ${end.status.chunks}; MALLOC_ARENA_MAX=${results.mallocArenaMax ?? 'unset'}

${table(
  [
    'minutes',
    'daemon RSS',
    'worker RSS',
    'JS heap',
    'external',
    'LanceDB caches',
    'rest of the daemon',
    'chunks',
  ],
  windows.map((w) => [
    `${w.fromMin}–${w.fromMin + windowS / 60}`,
    fmt(w.daemonMb, 0),
    fmt(w.workerMb, 0),
    fmt(w.heapMb, 0),
    fmt(w.externalMb, 0),
    fmt(w.cacheMb, 0),
    fmt(w.restMb, 0),
    fmt(w.chunks, 0),
  ]),
)}

(MB, medians per window; "rest" = RSS − heap − external − caches: native allocations and the allocator's slack)
slope over the second half, MB/min: daemon ${fmt(results.slopeSecondHalfMbPerMin.daemon, 2)}, worker ${fmt(results.slopeSecondHalfMbPerMin.worker, 2)}
results: ${file}`);
}

await runMain(main);
