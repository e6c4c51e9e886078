#!/usr/bin/env node
// What re-ranking hybrid's first hits by late interaction costs a search through the daemon
// (docs/BENCHMARKS.md §56): a real `ragctl daemon run` (its embed worker computes the late
// scores) on a held-out corpus's index, built by eval.mjs, idle. Each question is asked twice in
// a row over the socket, as the CLI asks: `rerank: false` (the fused order) and the default
// (`search.rerank` of this run's config), which goes first alternating, so both see the same
// machine. Several depths are separate daemon runs, each with its own fused baseline.
//
//   node bench/quality/eval.mjs --config bench/quality/corpora/py-lib/config.yaml ...   # the index, once
//   npm run build && node bench/quality/rerank-latency.mjs --corpus py-lib --depths 10,20 [--rounds 2]
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  flags,
  fmt,
  ipc,
  loadAvg,
  machine,
  runMain,
  startDaemon,
  summarise,
  table,
  workFolder,
  writeResults,
} from '../daemon/common.mjs';

const args = flags('node bench/quality/rerank-latency.mjs [options]', {
  corpus: ['py-lib', 'held-out corpus whose eval.mjs index is searched (bench/quality/corpora/<c>)'],
  depths: ['10,20', '`search.rerank` of each daemon run'],
  rounds: ['2', 'passes over the questions per run'],
  keep: ['', 'work folder to keep (a copy of the index, the config, the log)'],
});

await runMain(async () => {
  const { request } = await ipc();
  const here = import.meta.dirname;
  const corpusDir = join(here, 'corpora', args.corpus);
  const base = parse(readFileSync(join(corpusDir, 'config.yaml'), 'utf8'));
  const indexDir = resolve(corpusDir, base.dataDir);
  const questions = readFileSync(join(corpusDir, 'questions.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l).question);
  const work = workFolder(args.keep, 'rerank-latency');
  const runs = [];
  for (const depth of args.depths.split(',').map(Number)) {
    // A copy of the index: the daemon takes its data dir's lock and may optimize it.
    const dataDir = join(work, `data-${depth}`);
    cpSync(indexDir, dataDir, { recursive: true });
    const socket = join(work, `ragd-${depth}.sock`);
    const logFile = join(work, `ragd-${depth}.log`);
    const config = join(work, `config-${depth}.yaml`);
    mkdirSync(work, { recursive: true });
    writeFileSync(
      config,
      stringify({
        ...base,
        dataDir,
        socketPath: socket,
        log: { level: 'info', file: logFile },
        sources: base.sources.map((s) => ({ ...s, path: resolve(corpusDir, s.path) })),
        search: { ...base.search, rerank: depth },
      }),
    );
    const daemon = await startDaemon({ config, socket, work, logFile, logLevel: 'info' });
    try {
      // The model loads on the first search; one of each kind warms both paths.
      await request(socket, 'search', { query: questions[0], k: 10 }, { timeoutMs: 120_000 });
      await request(socket, 'search', { query: questions[0], k: 10, rerank: false }, { timeoutMs: 120_000 });
      const took = { fused: [], reranked: [] };
      const rtt = { fused: [], reranked: [] };
      let n = 0;
      for (let round = 0; round < Number(args.rounds); round++) {
        for (const query of questions) {
          const order = n++ % 2 ? ['fused', 'reranked'] : ['reranked', 'fused'];
          for (const kind of order) {
            const params = kind === 'fused' ? { query, k: 10, rerank: false } : { query, k: 10 };
            const t0 = performance.now();
            const res = await request(socket, 'search', params, { timeoutMs: 60_000 });
            rtt[kind].push(performance.now() - t0);
            took[kind].push(res.took_ms);
          }
        }
      }
      runs.push({
        depth,
        searches: took.fused.length,
        took: { fused: summarise(took.fused), reranked: summarise(took.reranked) },
        rtt: { fused: summarise(rtt.fused), reranked: summarise(rtt.reranked) },
        loadAvg: loadAvg(),
      });
    } finally {
      await daemon.stop();
    }
  }
  const rows = runs.flatMap((r) =>
    ['fused', 'reranked'].map((kind) => [
      String(r.depth),
      kind,
      String(r.searches),
      `${fmt(r.took[kind].p50)} / ${fmt(r.took[kind].p95)} / ${fmt(r.took[kind].p99)}`,
      `${fmt(r.rtt[kind].p50)} / ${fmt(r.rtt[kind].p99)}`,
    ]),
  );
  const file = writeResults(`rerank-latency-${args.corpus}`, { machine: machine(), args, runs });
  console.log(
    `${args.corpus}: ${questions.length} questions × ${args.rounds} rounds, hybrid k 10, idle daemon\n\n${table(
      ['search.rerank', 'search', 'searches', 'took_ms p50 / p95 / p99', 'round trip p50 / p99'],
      rows,
    )}\n\nresults: ${file}`,
  );
});
