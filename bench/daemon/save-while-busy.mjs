#!/usr/bin/env node
// A save while the daemon is busy with long work: how long until the saved note is found, and
// what the long work costs in all.
//
//   npx tsc -p tsconfig.json
//   node bench/daemon/save-while-busy.mjs --scenario walk [--files 300]
//   node bench/daemon/save-while-busy.mjs --scenario big [--big-kb 900]
//
// walk: the first --files files of bench/data/quality-corpus (package READMEs, sorted by path)
//       and an empty index: `ragctl daemon run` starts its first walk of them at once.
// big:  a small index settled first (--files 20), then one big Markdown file written into the
//       source: the pages of bench/data/quality/pg-docs/corpus joined up to --big-kb.
// Once the daemon has been busy with that work for --busy-s, a new note with a unique word is
// saved into the source, and a hybrid search for its sentence is sent every --poll-ms until a
// hit holds the word (save → found). Then the daemon is waited on until idle: `work total` is
// from the start of the long work to idle, the cost of the long work with the save and the
// interruption it may cause, against `--no-save` (the same work alone, for the comparison).
// The embed backend is the daemon's (`--embedder`, onnx by default: the fast one on x86 Linux).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  copyReadmes,
  flags,
  fmt,
  int,
  ipc,
  listFiles,
  loadAvg,
  machine,
  REPO,
  runMain,
  sleep,
  startDaemon,
  table,
  waitIdle,
  workFolder,
  writeConfig,
  writeResults,
} from './common.mjs';

const args = flags('node bench/daemon/save-while-busy.mjs [options]', {
  scenario: ['walk', 'walk (a first index of many files) or big (one big file added to a settled index)'],
  files: [
    '300',
    'files of bench/data/quality-corpus in the source (walk: the first index; big: the settled part)',
  ],
  'big-kb': ['900', 'big: the size of the big file'],
  'busy-s': ['8', 'how long the daemon works on the long work before the save'],
  'poll-ms': ['250', 'pause between searches for the saved note'],
  'timeout-ms': ['600000', 'a save not found after this long counts as a miss'],
  'no-save': [false, 'run the long work alone (the comparison for `work total`)'],
  embedder: ['onnx', 'embedder type of the daemon'],
  keep: ['', 'work folder to keep; default a temp dir, removed'],
});

const PAGES = join(REPO, 'bench', 'data', 'quality', 'pg-docs', 'corpus');
const TOKEN = 'quokkaledger';
const SENTENCE = `The ${TOKEN} reconciliation runs every Friday before the warehouse closes its books`;

function bigFile(kb) {
  const parts = [];
  let size = 0;
  for (const page of listFiles(PAGES).sort()) {
    if (!page.endsWith('.md')) continue;
    const text = readFileSync(page, 'utf8');
    parts.push(text);
    size += Buffer.byteLength(text);
    if (size >= kb * 1024) break;
  }
  return parts.join('\n\n');
}

async function main() {
  const { request } = await ipc();
  const scenario = args.scenario;
  if (scenario !== 'walk' && scenario !== 'big') throw new Error('--scenario is walk or big');
  const work = workFolder(args.keep || undefined, 'busy');
  const corpus = join(work, 'corpus');
  mkdirSync(corpus, { recursive: true });
  const files = copyReadmes(corpus, int(args, 'files'));
  const paths = writeConfig(work, corpus, { logLevel: 'info', embedder: args.embedder });
  const results = { bench: 'save-while-busy', machine: machine(), args, files, loadAvgEnd: null };
  const daemon = await startDaemon({ ...paths, work });
  let workStarted = performance.now();
  if (scenario === 'big') {
    await waitIdle(paths.socket, { minFiles: files });
    const text = bigFile(int(args, 'big-kb'));
    results.bigBytes = Buffer.byteLength(text);
    workStarted = performance.now();
    writeFileSync(join(corpus, 'big.md'), text);
  }
  // Busy for --busy-s: the walk or the big file's embedding has been running that long.
  for (;;) {
    const s = await request(paths.socket, 'status', {}, { timeoutMs: 60_000 });
    if (performance.now() - workStarted >= int(args, 'busy-s') * 1000) {
      results.statusAtSave = { state: s.state, files: s.files, chunks: s.chunks, queue: s.queue_depth };
      break;
    }
    await sleep(200);
  }
  if (!args['no-save']) {
    const saved = performance.now();
    writeFileSync(
      join(corpus, 'zz-note.md'),
      `# Friday close\n\n${SENTENCE}. It checks every ledger line twice.\n`,
    );
    const timeoutMs = int(args, 'timeout-ms');
    for (;;) {
      const reply = await request(paths.socket, 'search', { query: SENTENCE, k: 10 }, { timeoutMs: 120_000 });
      if (reply.results.some((r) => r.text.includes(TOKEN))) {
        results.saveToFoundMs = performance.now() - saved;
        break;
      }
      if (performance.now() - saved > timeoutMs) {
        results.saveToFoundMs = null;
        break;
      }
      await sleep(int(args, 'poll-ms'));
    }
    const s = await request(paths.socket, 'status', {}, { timeoutMs: 60_000 });
    results.statusAtFound = { state: s.state, files: s.files, chunks: s.chunks, queue: s.queue_depth };
  }
  const idle = await waitIdle(paths.socket, { minFiles: files, pollMs: 500, stable: 2 });
  results.workTotalS = (performance.now() - workStarted) / 1000;
  results.final = { files: idle.status.files, chunks: idle.status.chunks };
  await daemon.stop();
  results.loadAvgEnd = loadAvg();
  const file = writeResults(`save-while-busy-${scenario}`, results);
  console.log(
    table(
      [
        'scenario',
        'save',
        'save → found (s)',
        'status at found',
        'work total (s)',
        'files / chunks at the end',
      ],
      [
        [
          scenario,
          args['no-save'] ? 'none' : `after ${args['busy-s']} s`,
          results.saveToFoundMs === undefined ? '–' : fmt((results.saveToFoundMs ?? NaN) / 1000),
          results.statusAtFound
            ? `${results.statusAtFound.state}, ${results.statusAtFound.files} files, ${results.statusAtFound.chunks} chunks`
            : '–',
          fmt(results.workTotalS),
          `${results.final.files} / ${results.final.chunks}`,
        ],
      ],
    ),
  );
  console.log(
    `\n${results.machine.cpu}, ${results.machine.cores} cores, load ${results.machine.loadAvgAtStart} → ${results.loadAvgEnd}; ${file}`,
  );
}

runMain(main);
