#!/usr/bin/env node
// Edit-to-searchable latency through a running daemon: save a file, then how long until a
// search over the socket returns the new text.
//
//   npx tsc -p tsconfig.json
//   node bench/daemon/edit-latency.mjs [--files 10000] [--edits 40] [--modes hybrid,text]
//
// A corpus of --files markdown files (copied from bench/data/ingest-corpus, padded with copies
// of its own files under pad-N/ when it holds fewer) is indexed by `ragctl daemon run` on a
// temp config. Once the daemon is idle, each edit appends a short section with a unique token
// ("quokka-7f3a9") to a random file — a whole-file rewrite, as an editor saves — and then
// searches for that section's sentence over the socket (the IPC client, k = 10) every
// --poll-ms until a hit's text contains the token. save → searchable is the time from just
// before the write to the reply that first contained the token; its resolution is one search
// plus the pause. Polling is not free: each hybrid/vector search embeds its query in the embed
// worker ahead of the edit's own index request, so back-to-back polls delay the very indexing
// they wait for (hence 100 ms pauses for those modes by default). Each mode is its own pass:
// the daemon optimizes OPTIMIZE_IDLE_MS after the last write (src/daemon/daemon.ts) because
// text search was thought to miss rows LanceDB's full-text index has not folded in; the text
// pass shows whether it does ("found < 3000 ms").
// After each edit the file is put back (and re-indexed); then the script waits for the daemon
// to be idle and --gap-ms more, so each save meets a settled daemon (use --gap-ms 0 for saves in
// quick succession).
// With --keep <dir> the corpus and its index stay there and are reused by the next run; edited
// files are restored at the end either way.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildCorpus,
  flags,
  fmt,
  int,
  ipc,
  listFiles,
  loadAvg,
  logLines,
  machine,
  onCleanup,
  progressPrinter,
  rng,
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

const args = flags('node bench/daemon/edit-latency.mjs [options]', {
  files: ['10000', 'files in the corpus (padded with copies of corpus files past the ~7,900 it has)'],
  edits: ['40', 'edits per mode'],
  modes: ['hybrid,text', 'search modes, one pass each'],
  'poll-ms': [
    'auto',
    "pause between searches while waiting for the token; auto: 100 for hybrid/vector (each search embeds its query in the worker, ahead of the edit's own index request), 25 for text",
  ],
  'gap-ms': [
    '5000',
    'pause after the daemon is idle again before the next edit (> the 3 s optimize-after-idle)',
  ],
  'timeout-ms': ['60000', 'an edit not searchable after this long counts as a miss'],
  seed: ['1', 'PRNG seed: corpus sample, edited files, tokens'],
  keep: ['', 'work folder to keep (corpus + index reused next time); default a temp dir, removed'],
  'log-level': ['info', 'daemon log level (its log is in the work folder)'],
});

/** src/daemon/daemon.ts: the daemon optimizes (folds new rows into the full-text index) this long after the last write. */
const OPTIMIZE_IDLE_MS = 3_000;
/** Files edited are ordinary markdown of a size people keep notes in. */
const EDITABLE_BYTES = [200, 50_000];

function paragraph(token) {
  // A section of its own (over chunkMinTokens, 48): a chunk that is mostly this text, as a new
  // note under a heading would be. The query is its first sentence.
  const sentence = `The ${token} migration checklist says to rotate the staging credentials before the quarterly audit`;
  const text = `\n\n## Notes ${token}\n\n${sentence}. Remember to archive the old keys in the shared vault, tell the on-call engineer, and update the runbook with the date and the name of whoever did it, so that next quarter's audit finds everything in one place.\n`;
  return { sentence, text };
}

/**
 * Where the time went, when the daemon logs an "indexed" line per unit of work (with `seconds`
 * and `embedSeconds`): save → the start of indexing (watcher debounce + queue batching), the
 * indexing itself (of which the embedding), and the log line → a search that saw it (up to
 * one poll; slightly negative at times, since the line is written after the whole unit of
 * work and the rows are visible from the chunk table's commit on).
 */
function addLogBreakdown(results, logFile) {
  // The optimizes the edits caused (each rewrites the table while it is small; see src/store).
  const firstSave = Math.min(
    ...Object.values(results.passes).flatMap((p) => p.edits.map((e) => e.saveEpochMs)),
  );
  const optimized = logLines(logFile, 'optimized').filter(
    (l) => l.time >= firstSave && l.table?.startsWith('chunks'),
  );
  results.optimizes = optimized.length
    ? {
        count: optimized.length,
        edits: Object.values(results.passes).reduce((n, p) => n + p.edits.length, 0),
        ms: summarise(optimized.map((l) => l.ms)),
        rows: optimized.at(-1).rows,
        mbRemovedP50: summarise(optimized.map((l) => (l.bytesRemoved ?? NaN) / 1e6)).p50,
      }
    : null;
  const lines = logLines(logFile, 'indexed').filter((l) => l.work === 'paths' && Number.isFinite(l.seconds));
  results.breakdown = lines.length > 0;
  if (!lines.length) return;
  for (const p of Object.values(results.passes)) {
    const rows = [];
    for (const e of p.edits) {
      const line = lines.find((l) => l.time >= e.saveEpochMs);
      if (!line || !Number.isFinite(e.ms) || line.time - e.saveEpochMs > e.ms + 1_000) continue;
      const committedMs = line.time - e.saveEpochMs;
      rows.push({
        beforeIndexMs: committedMs - line.seconds * 1000,
        indexMs: line.seconds * 1000,
        embedMs: line.embedSeconds * 1000,
        afterCommitMs: e.ms - committedMs,
      });
    }
    p.breakdown = Object.fromEntries(
      Object.keys(rows[0] ?? {}).map((k) => [k, summarise(rows.map((r) => r[k]))]),
    );
  }
}

function breakdownText(results) {
  const o = results.optimizes;
  const opt = o
    ? `\n\noptimizes of the chunk table during the edits (saves and restores): ${o.count} for ${o.edits} edits, ${fmt(o.ms.p50, 0)} ms p50 each at ${o.rows} rows, ~${fmt(o.mbRemovedP50, 0)} MB of old versions removed each`
    : '';
  if (!results.breakdown) return `${opt}\n(no "indexed" lines with timings in the daemon log: no breakdown)`;
  const rows = Object.entries(results.passes)
    .filter(([, p]) => p.breakdown?.indexMs)
    .map(([mode, p]) => [
      mode,
      fmt(p.breakdown.beforeIndexMs.p50, 0),
      fmt(p.breakdown.indexMs.p50, 0),
      fmt(p.breakdown.embedMs.p50, 0),
      fmt(p.breakdown.afterCommitMs.p50, 0),
      fmt(p.breakdown.afterCommitMs.p95, 0),
    ]);
  return `${opt}\n\nfrom the daemon log (p50 of each part, so they need not add up):\n\n${table(['mode', 'save → indexing starts', 'indexing', 'of which embedding', 'indexed (logged) → found', 'p95'], rows)}`;
}

async function main() {
  const { request } = await ipc();
  const n = int(args, 'files');
  const editsPerMode = int(args, 'edits');
  const pollMsFor = (mode) =>
    args['poll-ms'] === 'auto' ? (mode === 'text' ? 25 : 100) : int(args, 'poll-ms');
  const gapMs = int(args, 'gap-ms');
  const timeoutMs = int(args, 'timeout-ms');
  const seed = int(args, 'seed');
  const modes = args.modes.split(',').filter(Boolean);
  const random = rng(seed + 1000);

  const work = workFolder(args.keep || undefined, 'edit');
  const corpusDir = join(work, 'corpus');
  console.error(`corpus: ${n} files into ${corpusDir}…`);
  const corpus = buildCorpus(corpusDir, n, seed);
  const paths = writeConfig(work, corpusDir, { logLevel: args['log-level'] });
  const results = {
    bench: 'edit-latency',
    machine: machine(),
    args,
    corpus,
    work: args.keep || '(temp)',
    loadAvgEnd: null,
  };

  const originals = new Map();
  const restore = () => {
    for (const [file, text] of originals) writeFileSync(file, text);
    originals.clear();
  };
  onCleanup(async () => restore(), restore);

  const daemon = await startDaemon({ ...paths, work });
  results.daemonStart = { answeringMs: daemon.answeringMs, startedMs: daemon.startMs };
  console.error(
    `daemon ${daemon.pid} answering after ${(daemon.answeringMs / 1000).toFixed(1)} s, started after ${(daemon.startMs / 1000).toFixed(1)} s; waiting for the index…`,
  );
  const indexed = await waitIdle(daemon.socket, {
    minFiles: Math.floor(n * 0.9),
    onPoll: progressPrinter('initial index'),
  });
  results.initialIndex = {
    seconds: indexed.waitedMs / 1000,
    files: indexed.status.files,
    chunks: indexed.status.chunks,
    errors: indexed.status.last_errors.length,
  };
  console.error(`indexed: ${JSON.stringify(results.initialIndex)}`);
  if (indexed.status.files < n)
    console.error(`warning: ${indexed.status.files} of ${n} files indexed (see the daemon log)`);
  // Let the optimize that follows the initial index run before the first edit.
  await sleep(gapMs);

  const candidates = listFiles(corpusDir).filter((f) => {
    if (!f.endsWith('.md')) return false;
    const size = readFileSync(f).length;
    return size >= EDITABLE_BYTES[0] && size <= EDITABLE_BYTES[1];
  });
  results.passes = {};
  for (const mode of modes) {
    const edits = [];
    for (let i = 0; i < editsPerMode; i++) {
      const file = candidates[Math.floor(random() * candidates.length)];
      const token = `quokka-${Math.floor(random() * 0xfffff)
        .toString(16)
        .padStart(5, '0')}${i.toString(36)}`;
      const { sentence, text } = paragraph(token);
      const before = readFileSync(file, 'utf8');
      if (!originals.has(file)) originals.set(file, before);
      const saveEpochMs = Date.now();
      const t0 = performance.now();
      writeFileSync(file, before + text);
      let found = NaN;
      let polls = 0;
      let lastTook = NaN;
      let rank = -1;
      let score = NaN;
      while (performance.now() - t0 < timeoutMs) {
        const res = await request(daemon.socket, 'search', { query: sentence, k: 10, mode }, { timeoutMs });
        polls++;
        lastTook = res.took_ms;
        rank = res.results.findIndex((r) => r.text.includes(token));
        if (rank >= 0) {
          found = performance.now() - t0;
          score = res.results[rank].score;
          break;
        }
        await sleep(pollMsFor(mode));
      }
      const edit = {
        file: file.slice(corpusDir.length + 1),
        saveEpochMs,
        ms: found,
        polls,
        rank,
        score,
        searchTookMs: lastTook,
        load: loadAvg(),
      };
      edits.push(edit);
      console.error(
        `${mode} ${i + 1}/${editsPerMode}: ${Number.isFinite(found) ? `${found.toFixed(0)} ms` : 'MISSED'} (${polls} searches, rank ${rank + 1}) ${edit.file}`,
      );
      // Put the file back, so the next edit's near-identical section (only the token differs)
      // does not compete with this one in the top 10.
      await waitIdle(daemon.socket, { stable: 1, pollMs: 200 });
      writeFileSync(file, before);
      await sleep(500);
      await waitIdle(daemon.socket, { stable: 2, pollMs: 200 });
      await sleep(gapMs);
    }
    const found = edits.filter((e) => Number.isFinite(e.ms)).map((e) => e.ms);
    results.passes[mode] = {
      ...summarise(found),
      pollMs: pollMsFor(mode),
      misses: edits.length - found.length,
      // Found sooner than the daemon's optimize-after-idle (OPTIMIZE_IDLE_MS) could have run for this save.
      foundBeforeOptimizeWindow: found.filter((ms) => ms < OPTIMIZE_IDLE_MS).length,
      searchTookMs: summarise(edits.map((e) => e.searchTookMs).filter(Number.isFinite)),
      edits,
    };
  }

  await daemon.stop();
  restore();
  results.loadAvgEnd = loadAvg();
  addLogBreakdown(results, paths.logFile);
  const file = writeResults('edit-latency', results);
  const rows = Object.entries(results.passes).map(([mode, p]) => [
    mode,
    String(p.pollMs),
    String(p.n),
    fmt(p.p50, 0),
    fmt(p.p95, 0),
    fmt(p.max, 0),
    String(p.misses),
    `${p.foundBeforeOptimizeWindow}/${p.n}`,
    fmt(p.searchTookMs.p50, 0),
  ]);
  console.log(
    `edit → searchable over the socket, ${results.initialIndex.files} files / ${results.initialIndex.chunks} chunks indexed (${corpus.padded} padded)\n\n${table(['mode', 'poll pause ms', 'edits', 'p50 ms', 'p95 ms', 'max ms', `missed (> ${timeoutMs} ms)`, `found < ${OPTIMIZE_IDLE_MS} ms (before an optimize)`, 'one search took_ms p50 (poll resolution)'], rows)}\n\ninitial index: ${fmt(results.initialIndex.seconds, 0)} s; results: ${file}${breakdownText(results)}`,
  );
}

await runMain(main);
