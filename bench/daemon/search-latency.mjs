#!/usr/bin/env node
import { readFileSync, rmSync, statSync } from 'node:fs';
// Search latency over the daemon's socket, (b) while a cold index runs and (a) idle after it.
//
//   npx tsc -p tsconfig.json
//   node bench/daemon/search-latency.mjs [--files 5000] [--idle-queries 300]
//
// A corpus of --files files (bench/data/ingest-corpus, sampled or padded as in edit-latency)
// and a fresh, empty data dir: `ragctl daemon run` starts its cold index at once. One client
// sends searches one after another (the IPC client: one connection per request, as the CLI
// does), --pause-ms apart, each a different natural-language query from queries.txt (the
// daemon embeds every one: there is no query cache), k = 10. Modes rotate through --modes, so
// the same run gives the breakdown:
//   text   = BM25 only (no embedding)            vector = query embedding + ANN
//   hybrid = query embedding + ANN + BM25 + RRF  (the target: p99 < 100 ms idle, < 250 ms indexing)
// Each reply carries took_ms, the daemon's own time from parse to result; the round trip
// minus took_ms is connect + framing + JSON. The very first search (it may wait for the model
// to load in the embed worker) is reported apart. A status request every --status-ms tells
// when the cold index is done, and its round trip is the status latency under indexing (the
// target: < 2 s, the socket never blocked by a batch); then, after --settle-ms (the optimize
// after idle), the idle phase sends --idle-queries more.
//
// With --log-level debug the daemon logs each search's stages (param checks, the query's
// embedding round trip, each leg in the store, the merge) and each query's wait and compute in
// the embed worker; the idle phase's are read back from its log and summarised per mode.
import { join, resolve } from 'node:path';
import {
  buildCorpus,
  flags,
  fmt,
  int,
  ipc,
  loadAvg,
  machine,
  runMain,
  sleep,
  startDaemon,
  summarise,
  table,
  waitIdle,
  workFolder,
  writeConfig,
  writeResults,
} from './common.mjs';

const args = flags('node bench/daemon/search-latency.mjs [options]', {
  files: ['5000', 'files in the corpus the daemon indexes cold'],
  'idle-queries': ['300', 'searches in the idle phase'],
  'max-indexing-s': ['0', 'stop the under-indexing phase after this long (0: when the index is done)'],
  modes: ['hybrid,hybrid,text,vector', "modes, rotated one per search ('fused': hybrid with rerank false)"],
  'pause-ms': ['50', 'pause between one reply and the next search'],
  'status-ms': ['2000', 'status poll period during the cold index'],
  'settle-ms': ['5000', 'wait after the index is done before the idle phase'],
  queries: [join(import.meta.dirname, 'queries.txt'), 'query file, one a line'],
  seed: ['1', 'PRNG seed of the corpus sample'],
  keep: ['', 'work folder to keep the corpus and the index in (the index is rebuilt unless --reuse-index)'],
  'log-level': ['info', 'daemon log level'],
  embedder: ['mlx-bert', 'embedder type of the daemon: mlx-bert, onnx or auto'],
  'reuse-index': [
    false,
    "with --keep: start on the index an earlier run left there and measure only the idle phase (two builds' idle latency on one index, without a cold index each)",
  ],
});

function phaseSummary(records) {
  const byMode = {};
  for (const r of records) {
    byMode[r.mode] ??= [];
    byMode[r.mode].push(r);
  }
  const out = {};
  for (const [mode, rs] of Object.entries(byMode)) {
    out[mode] = {
      rtt: summarise(rs.map((r) => r.rttMs)),
      took: summarise(rs.map((r) => r.tookMs)),
      overhead: summarise(rs.map((r) => r.rttMs - r.tookMs)),
      errors: rs.filter((r) => r.error).length,
    };
  }
  return out;
}

function logSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Log lines of the daemon's own work that takes CPU and LanceDB's threads from searches. */
const MAINTENANCE = ['optimized', 'full-text index rebuilt', 'LanceDB caches renewed', 'indexed'];

/** The daemon's maintenance while idle searches ran (a slow tail may be one of them): [{ msg, atS, ms }]. */
function maintenanceEvents(logFile, from, startedAt, endedAt) {
  let text = '';
  try {
    text = readFileSync(logFile).subarray(from).toString('utf8');
  } catch {
    return [];
  }
  const events = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line);
    if (!MAINTENANCE.includes(r.msg) || r.time < startedAt || r.time > endedAt) continue;
    events.push({ msg: r.msg, atS: (r.time - startedAt) / 1000, ms: r.ms ?? (r.seconds ?? 0) * 1000 });
  }
  return events;
}

/** The stages the daemon logs at debug level: per search, and per query's request to the embed worker. */
const STAGES = ['checkMs', 'embedMs', 'vectorMs', 'textMs', 'tablesMs', 'mergeMs', 'rerankMs', 'tookMs'];

/** p50 / p99 of each stage per mode over the log lines written since `from`; undefined without debug lines. */
function stageSummary(logFile, from) {
  let text;
  try {
    text = readFileSync(logFile).subarray(from).toString('utf8');
  } catch {
    return undefined;
  }
  const byMode = {};
  const worker = { waitMs: [], computeMs: [] };
  for (const line of text.split('\n')) {
    if (!line.includes('"msg":"search answered"') && !line.includes('"msg":"query embedded"')) continue;
    const r = JSON.parse(line);
    if (r.msg === 'query embedded') {
      worker.waitMs.push(r.waitMs);
      worker.computeMs.push(r.computeMs);
      continue;
    }
    byMode[r.mode] ??= Object.fromEntries(STAGES.map((s) => [s, []]));
    for (const s of STAGES) byMode[r.mode][s].push(r[s]);
  }
  if (!Object.keys(byMode).length) return undefined;
  const summary = Object.fromEntries(
    Object.entries(byMode).map(([mode, stages]) => [
      mode,
      Object.fromEntries(Object.entries(stages).map(([s, xs]) => [s, summarise(xs)])),
    ]),
  );
  const workerSummary = { waitMs: summarise(worker.waitMs), computeMs: summarise(worker.computeMs) };
  const cell = (s) => `${fmt(s.p50)} / ${fmt(s.p99)}`;
  const rows = Object.entries(summary).map(([mode, st]) => [
    mode,
    String(st.tookMs.n),
    ...STAGES.map((s) => cell(st[s])),
  ]);
  const t = table(['mode', 'searches', ...STAGES.map((s) => `${s.replace('Ms', '')} p50 / p99`)], rows);
  const w = `embed worker, per query request: wait ${cell(workerSummary.waitMs)}, compute ${cell(workerSummary.computeMs)} (p50 / p99, ${workerSummary.computeMs.n} requests)`;
  return { byMode: summary, worker: workerSummary, table: `${t}\n\n${w}` };
}

async function main() {
  const { request } = await ipc();
  const n = int(args, 'files');
  const pauseMs = int(args, 'pause-ms');
  const statusMs = int(args, 'status-ms');
  const maxIndexingMs = int(args, 'max-indexing-s') * 1000;
  const modes = args.modes.split(',').filter(Boolean);
  const queries = readFileSync(resolve(args.queries), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  let qi = 0;
  const nextQuery = () => {
    const mode = modes[qi % modes.length];
    const query = queries[qi % queries.length];
    qi++;
    return { mode, query };
  };

  const work = workFolder(args.keep || undefined, 'search');
  const corpusDir = join(work, 'corpus');
  console.error(`corpus: ${n} files into ${corpusDir}…`);
  const corpus = buildCorpus(corpusDir, n, int(args, 'seed'));
  const paths = writeConfig(work, corpusDir, { logLevel: args['log-level'], embedder: args.embedder });
  const reuse = args['reuse-index'];
  if (reuse && !args.keep)
    throw new Error('--reuse-index needs --keep (the work folder whose index is reused)');
  if (!reuse) rmSync(paths.dataDir, { recursive: true, force: true });
  const results = { bench: 'search-latency', machine: machine(), args, corpus, queries: queries.length };

  const search = async (phase, t0) => {
    const { mode, query } = nextQuery();
    const started = performance.now();
    try {
      // `fused`: hybrid without re-ranking its first hits (`rerank: false`), beside `hybrid` in one run.
      const params =
        mode === 'fused' ? { query, k: 10, mode: 'hybrid', rerank: false } : { query, k: 10, mode };
      const res = await request(paths.socket, 'search', params, { timeoutMs: 60_000 });
      return {
        phase,
        mode,
        query,
        atS: (started - t0) / 1000,
        rttMs: performance.now() - started,
        tookMs: res.took_ms,
        hits: res.results.length,
      };
    } catch (err) {
      return {
        phase,
        mode,
        query,
        atS: (started - t0) / 1000,
        rttMs: performance.now() - started,
        tookMs: NaN,
        error: err.code ?? String(err),
      };
    }
  };

  // (b) under a cold index.
  const daemon = await startDaemon({ ...paths, work });
  const t0 = performance.now();
  results.daemonStart = { answeringMs: daemon.answeringMs, startedMs: daemon.startMs };
  console.error(
    `daemon ${daemon.pid} answering after ${(daemon.answeringMs / 1000).toFixed(1)} s, started after ${(daemon.startMs / 1000).toFixed(1)} s; searching while it indexes…`,
  );
  const first = await search('first', t0);
  results.firstSearch = first;
  console.error(
    `first search (model load included): ${first.rttMs.toFixed(0)} ms${first.error ? ` ERROR ${first.error}` : ''}`,
  );

  let status = await request(paths.socket, 'status', {});
  if (reuse) {
    // A finished index of this corpus, kept by an earlier run: only the idle phase is measured.
    status = (await waitIdle(paths.socket, { minFiles: n, stable: 2 })).status;
    results.coldIndex = {
      reused: true,
      seconds: 0,
      files: status.files,
      chunks: status.chunks,
      progress: [],
    };
    results.indexing = { summary: {}, errors: [], records: [] };
  } else {
    let seenIndexing = status.state === 'indexing' || status.queue_depth > 0;
    let idleStreak = 0;
    const progress = [];
    let done = false;
    let pollerError;
    const poller = (async () => {
      while (!done) {
        await sleep(statusMs);
        const started = performance.now();
        status = await request(paths.socket, 'status', {}, { timeoutMs: 60_000 });
        progress.push({
          atS: (started - t0) / 1000,
          statusMs: performance.now() - started,
          files: status.files,
          chunks: status.chunks,
          state: status.state,
          queue: status.queue_depth,
          load: loadAvg(),
        });
        if (status.state === 'indexing' || status.queue_depth > 0) seenIndexing = true;
        idleStreak = status.state === 'idle' && status.queue_depth === 0 && seenIndexing ? idleStreak + 1 : 0;
        if (idleStreak >= 2) done = true;
        if (status.state === 'degraded') throw new Error(`daemon degraded: ${status.reason}`);
        if (progress.length % 10 === 0)
          console.error(
            `  ${progress.at(-1).atS.toFixed(0)} s: ${status.files} files, ${status.chunks} chunks, ${status.state}`,
          );
      }
    })().catch((err) => {
      pollerError = err;
      done = true;
    });
    const indexing = [];
    while (!done) {
      if (maxIndexingMs && performance.now() - t0 > maxIndexingMs) break;
      const r = await search('indexing', t0);
      r.filesIndexed = status.files;
      indexing.push(r);
      await sleep(pauseMs);
    }
    const indexingEndS = (performance.now() - t0) / 1000;
    if (!done) {
      console.error('--max-indexing-s reached: waiting for the index to finish before the idle phase');
    }
    await poller;
    if (pollerError) throw pollerError;
    results.coldIndex = {
      seconds: (performance.now() - t0) / 1000,
      searchingS: indexingEndS,
      files: status.files,
      chunks: status.chunks,
      progress,
    };
    results.indexing = {
      summary: phaseSummary(indexing.filter((r) => !r.error)),
      errors: indexing.filter((r) => r.error),
      records: indexing,
    };
    console.error(
      `cold index done in ${results.coldIndex.seconds.toFixed(0)} s (${status.files} files, ${status.chunks} chunks); ${indexing.length} searches meanwhile`,
    );
  }

  // (a) idle.
  await sleep(int(args, 'settle-ms'));
  const idleLogFrom = logSize(paths.logFile);
  const idleStartedAt = Date.now();
  const idle = [];
  const tIdle = performance.now();
  for (let i = 0; i < int(args, 'idle-queries'); i++) {
    idle.push(await search('idle', tIdle));
    await sleep(pauseMs);
  }
  const after = await request(paths.socket, 'status', {});
  if (after.state !== 'idle' || after.queue_depth)
    console.error(`warning: the daemon was not idle during the idle phase: ${after.state}`);
  results.idle = {
    summary: phaseSummary(idle.filter((r) => !r.error)),
    errors: idle.filter((r) => r.error),
    records: idle,
  };
  await daemon.stop();
  results.idleStages = stageSummary(paths.logFile, idleLogFrom);
  results.idleMaintenance = maintenanceEvents(paths.logFile, idleLogFrom, idleStartedAt, Date.now());

  const file = writeResults('search-latency', results);
  const rows = [];
  for (const [phase, p] of [
    ['idle', results.idle.summary],
    ['cold index running', results.indexing.summary],
  ]) {
    for (const mode of [...new Set(modes)]) {
      const s = p[mode];
      if (!s) continue;
      rows.push([
        phase,
        mode,
        String(s.rtt.n),
        fmt(s.rtt.p50),
        fmt(s.rtt.p99),
        fmt(s.rtt.max),
        fmt(s.took.p50),
        fmt(s.took.p99),
        fmt(s.overhead.p50),
      ]);
    }
  }
  const errs = results.indexing.errors.length + results.idle.errors.length;
  console.log(
    `search over the socket, k = 10, ${queries.length} rotating queries; index: ${status.files} files / ${status.chunks} chunks (${corpus.padded} padded), ${reuse ? 'index reused (--reuse-index)' : `cold index ${fmt(results.coldIndex.seconds, 0)} s`}\n\n${table(
      [
        'phase',
        'mode',
        'searches',
        'round trip p50 ms',
        'p99 ms',
        'max ms',
        'daemon took_ms p50',
        'took p99',
        'socket+JSON p50',
      ],
      rows,
    )}\n\nfirst search after start (model load): ${fmt(first.rttMs, 0)} ms; failed searches: ${errs}; results: ${file}`,
  );
  const events = results.idleMaintenance;
  console.log(
    `\nthe daemon's own work during the idle phase (its log): ${events.length ? events.map((e) => `${e.msg} (ended ${fmt(e.atS, 1)} s in, took ${fmt(e.ms, 0)} ms)`).join(', ') : 'none'}`,
  );
  if (results.idleStages)
    console.log(
      `\nidle phase, where the daemon's time went (its debug log, ms):\n\n${results.idleStages.table}`,
    );
  if (reuse) return;
  const statusRtt = summarise(results.coldIndex.progress.map((p) => p.statusMs));
  console.log(
    `status during the cold index: ${statusRtt.n} requests, round trip p50 ${fmt(statusRtt.p50, 0)} ms, p99 ${fmt(statusRtt.p99, 0)} ms, max ${fmt(statusRtt.max, 0)} ms (target < 2,000 ms)`,
  );
}

await runMain(main);
