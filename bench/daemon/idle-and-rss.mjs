#!/usr/bin/env node
// Resident memory of the daemon and its embed worker during a long cold index (should stay
// flat), then CPU and wake-ups once idle (should be ≈ 0).
//
//   npx tsc -p tsconfig.json
//   node bench/daemon/idle-and-rss.mjs [--files 5000] [--idle-s 60]
//
// Phase 1: `ragctl daemon run` on a fresh data dir and a corpus of --files files (sampled or
// padded from bench/data/ingest-corpus). Every --sample-ms, /proc/<pid>/status and /stat of the
// daemon and of every descendant (the embed worker) give VmRSS and utime+stime; a status
// request every --status-ms gives files/chunks indexed and says when the index is done.
// Reported per process: RSS min/median/max, the median of the first and last quarter of the
// run, and the least-squares slope over the second half (MB/min; a leak shows as a slope that
// does not fall to ~0 as the run gets longer), plus mean CPU.
// Phase 2: once idle, --settle-s for the optimize-after-idle and GC to pass, then --idle-s of
// nothing: no request is sent (a status request would itself wake the daemon); only /proc is
// read. CPU % = Δ(utime+stime) / Δwall; wake-ups/s = Δ(voluntary + involuntary context
// switches, summed over the process's threads) / Δwall, with the threads that woke most.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildCorpus,
  flags,
  fmt,
  int,
  ipc,
  loadAvg,
  MEMORY_PARTS,
  machine,
  pct,
  procSample,
  runMain,
  sleep,
  slope,
  startDaemon,
  table,
  waitIdle,
  workFolder,
  writeConfig,
  writeResults,
} from './common.mjs';

const args = flags('node bench/daemon/idle-and-rss.mjs [options]', {
  files: ['5000', 'files in the corpus the daemon indexes cold'],
  'sample-ms': ['1000', 'RSS/CPU sampling period'],
  'status-ms': ['5000', 'status poll period during the cold index'],
  'settle-s': ['15', 'wait after the index is done before the idle window'],
  'idle-s': ['60', 'idle window'],
  seed: ['1', 'PRNG seed of the corpus sample'],
  keep: ['', 'work folder to keep the corpus in (the index is always rebuilt)'],
  'log-level': ['info', 'daemon log level'],
  timers: [
    false,
    "run the daemon with NODE_DEBUG=timer and count its timers' firings in the idle window, by period",
  ],
});

/** Context switches per thread (name:tid → count): who wakes up. */
function threadSwitches(pid) {
  const out = {};
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
      // Node names its threads after the binary; the main thread's tid is the pid.
      const name = t === String(pid) ? `main(${comm})` : comm;
      const st = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
      const v = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(st)?.[1] ?? 0);
      const nv = Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(st)?.[1] ?? 0);
      out[`${name}:${t}`] = v + nv;
    } catch {
      // The thread ended between readdir and read.
    }
  }
  return out;
}

function rssSummary(points) {
  if (!points.length) return null;
  const rss = points.map((p) => p.rssMb);
  const q = Math.max(1, Math.floor(points.length / 4));
  const half = points.slice(Math.floor(points.length / 2));
  return {
    samples: points.length,
    min: Math.min(...rss),
    median: pct(rss, 50),
    max: Math.max(...rss),
    firstQuarterMedian: pct(rss.slice(0, q), 50),
    lastQuarterMedian: pct(rss.slice(-q), 50),
    slopeMbPerMinSecondHalf: slope(
      half.map((p) => p.atS / 60),
      half.map((p) => p.rssMb),
    ),
    cpuPercent:
      points.length > 1
        ? (100 * (points.at(-1).cpuS - points[0].cpuS)) / (points.at(-1).atS - points[0].atS)
        : NaN,
  };
}

/** First- and last-quarter medians (MB) of each part of status.memory: which part grows. */
function memorySummary(points) {
  if (!points.length) return null;
  const q = Math.max(1, Math.floor(points.length / 4));
  const mb = (b) => b / 2 ** 20;
  return Object.fromEntries(
    Object.entries(MEMORY_PARTS).map(([k, f]) => [
      k,
      {
        firstQuarterMedianMb: mb(pct(points.slice(0, q).map(f), 50)),
        lastQuarterMedianMb: mb(pct(points.slice(-q).map(f), 50)),
        maxMb: mb(Math.max(...points.map(f))),
      },
    ]),
  );
}

async function main() {
  const { request } = await ipc();
  const sampleMs = int(args, 'sample-ms');
  const statusMs = int(args, 'status-ms');
  const work = workFolder(args.keep || undefined, 'rss');
  const corpusDir = join(work, 'corpus');
  console.error(`corpus: ${args.files} files into ${corpusDir}…`);
  const corpus = buildCorpus(corpusDir, int(args, 'files'), int(args, 'seed'));
  const paths = writeConfig(work, corpusDir, { logLevel: args['log-level'] });
  rmSync(paths.dataDir, { recursive: true, force: true });
  const results = { bench: 'idle-and-rss', machine: machine(), args, corpus };

  // Phase 1: the cold index.
  const daemon = await startDaemon({ ...paths, work, env: args.timers ? { NODE_DEBUG: 'timer' } : {} });
  const t0 = performance.now();
  const samples = [];
  const workerPids = new Set();
  let lastStatus = { files: 0, chunks: 0 };
  // The daemon's own account of its memory (status.memory), every status poll.
  const memory = [];
  let sampling = true;
  let printedAt = 0;
  const sampler = (async () => {
    while (sampling) {
      const atS = (performance.now() - t0) / 1000;
      const d = procSample(daemon.pid);
      const workers = daemon
        .workers()
        .map((pid) => ({ pid, ...procSample(pid) }))
        .filter((w) => w.rssMb);
      for (const w of workers) workerPids.add(w.pid);
      if (d) samples.push({ atS, daemon: d, workers, files: lastStatus.files, chunks: lastStatus.chunks });
      await sleep(sampleMs);
    }
  })();
  const indexed = await waitIdle(daemon.socket, {
    pollMs: statusMs,
    stable: 2,
    minFiles: Math.floor(corpus.files * 0.9),
    onPoll: (s) => {
      lastStatus = s;
      if (s.memory) memory.push({ atS: (performance.now() - t0) / 1000, chunks: s.chunks, ...s.memory });
      if (samples.length && performance.now() - printedAt > 30_000) {
        printedAt = performance.now();
        const last = samples.at(-1);
        console.error(
          `  ${last.atS.toFixed(0)} s: ${s.files} files, ${s.chunks} chunks; RSS daemon ${fmt(last.daemon.rssMb, 0)} MB, worker ${last.workers.map((w) => fmt(w.rssMb, 0)).join('/') || '–'} MB`,
        );
      }
    },
  });
  sampling = false;
  await sampler;
  const indexSeconds = (performance.now() - t0) / 1000;
  const points = (sel) =>
    samples.map((s) => ({ atS: s.atS, ...sel(s) })).filter((p) => Number.isFinite(p.rssMb));
  // The worker with the most samples is "the" worker; a restart shows as a second pid.
  const mainWorker = [...workerPids].sort(
    (a, b) =>
      samples.filter((s) => s.workers.some((w) => w.pid === b)).length -
      samples.filter((s) => s.workers.some((w) => w.pid === a)).length,
  )[0];
  results.indexing = {
    seconds: indexSeconds,
    files: indexed.status.files,
    chunks: indexed.status.chunks,
    workerPids: [...workerPids],
    daemon: rssSummary(points((s) => s.daemon)),
    worker: rssSummary(points((s) => s.workers.find((w) => w.pid === mainWorker) ?? { rssMb: NaN })),
    total: rssSummary(
      points((s) => ({
        rssMb: s.daemon.rssMb + s.workers.reduce((a, w) => a + w.rssMb, 0),
        cpuS: s.daemon.cpuS + s.workers.reduce((a, w) => a + w.cpuS, 0),
      })),
    ),
    memory: memorySummary(memory),
    memorySamples: memory,
    samples: samples.map((s) => ({
      atS: s.atS,
      files: s.files,
      chunks: s.chunks,
      daemonRssMb: s.daemon.rssMb,
      workers: s.workers.map((w) => ({ pid: w.pid, rssMb: w.rssMb })),
    })),
  };
  console.error(
    `indexed ${indexed.status.files} files / ${indexed.status.chunks} chunks in ${indexSeconds.toFixed(0)} s; settling ${args['settle-s']} s…`,
  );

  // Phase 2: idle. No requests from here to the end of the window.
  await sleep(int(args, 'settle-s') * 1000);
  const pids = {
    daemon: daemon.pid,
    ...Object.fromEntries(daemon.workers().map((p, i) => [i ? `worker ${i + 1}` : 'worker', p])),
  };
  const start = Object.fromEntries(
    Object.entries(pids).map(([k, p]) => [k, { s: procSample(p), threads: threadSwitches(p) }]),
  );
  const idleRss = Object.fromEntries(Object.keys(pids).map((k) => [k, []]));
  const idleEnd = performance.now() + int(args, 'idle-s') * 1000;
  const loadStart = loadAvg();
  const stderrAt = statSync(daemon.stderrFile).size;
  while (performance.now() < idleEnd) {
    await sleep(Math.min(sampleMs, Math.max(0, idleEnd - performance.now())));
    for (const [k, p] of Object.entries(pids)) {
      const s = procSample(p);
      if (s) idleRss[k].push(s.rssMb);
    }
  }
  const end = Object.fromEntries(
    Object.entries(pids).map(([k, p]) => [k, { s: procSample(p), threads: threadSwitches(p) }]),
  );
  results.idle = {};
  for (const k of Object.keys(pids)) {
    const a = start[k].s;
    const b = end[k].s;
    if (!a || !b) {
      results.idle[k] = { error: 'the process went away during the idle window' };
      continue;
    }
    const wallS = (b.atMs - a.atMs) / 1000;
    // Per thread, over the threads alive at the end (one that started during the window counts
    // from 0): summing the process's totals instead would lose the switches of threads that
    // ended, and could even go negative.
    const perThread = Object.entries(end[k].threads).map(([t, n]) => [
      t,
      (n - (start[k].threads[t] ?? 0)) / wallS,
    ]);
    const byThread = perThread
      .filter(([, r]) => r > 0)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 6)
      .map(([t, r]) => ({ thread: t, wakeupsPerS: r }));
    const threadsGone = Object.keys(start[k].threads).filter((t) => !(t in end[k].threads)).length;
    const threadsNew = Object.keys(end[k].threads).filter((t) => !(t in start[k].threads)).length;
    results.idle[k] = {
      pid: pids[k],
      wallS,
      cpuS: b.cpuS - a.cpuS,
      cpuPercent: (100 * (b.cpuS - a.cpuS)) / wallS,
      wakeupsPerS: perThread.reduce((sum, [, r]) => sum + r, 0),
      threads: b.threads,
      threadsStarted: threadsNew,
      threadsEnded: threadsGone,
      rssMb: { start: a.rssMb, end: b.rssMb, max: Math.max(...idleRss[k], a.rssMb) },
      byThread,
    };
  }
  results.idle.loadAvg = { start: loadStart, end: loadAvg() };
  if (args.timers) {
    // NODE_DEBUG=timer prints "TIMER <pid>: timeout callback <period>" as each timer fires. The
    // worker's stderr goes to the daemon's log, not here: these are the daemon's own timers.
    const text = readFileSync(daemon.stderrFile, 'utf8').slice(stderrAt);
    const byPeriod = {};
    for (const m of text.matchAll(/TIMER \d+: timeout callback (\d+)/g))
      byPeriod[m[1]] = (byPeriod[m[1]] ?? 0) + 1;
    results.idle.daemonTimerFirings = byPeriod;
  }
  const after = await request(daemon.socket, 'status', {});
  results.idle.stateAfter = after.state;
  await daemon.stop();

  const file = writeResults('idle-and-rss', results);
  const ix = results.indexing;
  const rssRows = [
    ['daemon', ix.daemon],
    ['embed worker', ix.worker],
    ['both', ix.total],
  ]
    .filter(([, s]) => s)
    .map(([name, s]) => [
      name,
      fmt(s.min, 0),
      fmt(s.median, 0),
      fmt(s.max, 0),
      fmt(s.firstQuarterMedian, 0),
      fmt(s.lastQuarterMedian, 0),
      fmt(s.slopeMbPerMinSecondHalf, 2),
      fmt(s.cpuPercent, 0),
    ]);
  const idleRows = Object.entries(results.idle)
    .filter(([, v]) => v && typeof v === 'object' && 'cpuPercent' in v)
    .map(([name, v]) => [
      name,
      fmt(v.rssMb.end, 0),
      fmt(v.cpuPercent, 3),
      fmt(v.cpuS, 2),
      fmt(v.wakeupsPerS, 1),
      `${v.threads} (+${v.threadsStarted} −${v.threadsEnded})`,
      v.byThread
        .slice(0, 3)
        .map((t) => `${t.thread.split(':')[0]} ${fmt(t.wakeupsPerS, 1)}/s`)
        .join(', '),
    ]);
  console.log(`cold index of ${ix.files} files / ${ix.chunks} chunks (${corpus.padded} padded) in ${fmt(ix.seconds, 0)} s, RSS sampled every ${sampleMs} ms (worker pids seen: ${ix.workerPids.join(', ') || 'none'})

${table(['process', 'RSS min MB', 'median', 'max', '1st-quarter median', 'last-quarter median', 'slope 2nd half MB/min', 'CPU % (of one core)'], rssRows)}
${
  ix.memory
    ? `
the daemon's own account (status.memory, every status poll), MB:

${table(
  ['part', '1st-quarter median', 'last-quarter median', 'max'],
  Object.entries(ix.memory).map(([k, v]) => [
    k,
    fmt(v.firstQuarterMedianMb, 0),
    fmt(v.lastQuarterMedianMb, 0),
    fmt(v.maxMb, 0),
  ]),
)}
`
    : ''
}
idle for ${args['idle-s']} s (after ${args['settle-s']} s settling; load ${results.idle.loadAvg.start} → ${results.idle.loadAvg.end}; state after: ${after.state})

${table(['process', 'RSS MB', 'CPU %', 'CPU s', 'wake-ups/s', 'threads (started, ended in the window)', 'busiest threads'], idleRows)}

${results.idle.daemonTimerFirings ? `daemon timers fired in the window (period ms → times): ${JSON.stringify(results.idle.daemonTimerFirings)}\n` : ''}
results: ${file}`);
}

await runMain(main);
