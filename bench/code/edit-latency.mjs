#!/usr/bin/env node
// One-method edit → searchable latency of the code engine through a running daemon: save a
// source file with one method changed, then how long until a search over the socket returns
// that method's chunk with the new text; and how many chunks the daemon embedded for the save.
// The code-engine twin of bench/daemon/edit-latency.mjs (same daemon helpers, same method).
//
//   npm run build && node bench/code/edit-latency.mjs [--base click] [--file click/core.py]
//        [--method Command.format_help] [--edits 10] [--modes hybrid,text]
//
// The base (bench/code/make-bases.mjs) is copied into a work folder and indexed by
// `ragctl daemon run` with the code engine as the shipped config.yaml declares it. The
// method's lines come from the daemon itself (a search filtered on `symbol`). Each edit writes
// the whole file back (as an editor saves) with one comment line added inside the method,
// just above its last line, holding a sentence with a unique token; then it searches for that
// sentence every --poll-ms until a hit whose symbol is the method contains the token. Then
// the file is put back and the daemon left idle for --gap-ms (past its optimize-after-idle)
// before the next edit. The daemon's "indexed" log lines give the chunks embedded per save
// (the incremental promise: the edited method's chunk only, not its siblings or its class).
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  flags,
  fmt,
  int,
  ipc,
  loadAvg,
  logLines,
  machine,
  onCleanup,
  REPO,
  rng,
  runMain,
  sleep,
  startDaemon,
  summarise,
  table,
  waitIdle,
  workFolder,
  writeResults,
} from '../daemon/common.mjs';
import { buildBase } from './make-bases.mjs';

const args = flags('node bench/code/edit-latency.mjs [options]', {
  base: ['click', 'code base to index (bench/code/make-bases.mjs)'],
  file: ['click/core.py', 'file to edit, relative to the base'],
  method: ['Command.format_help', 'qualified name of the method in the file (its chunk symbol)'],
  edits: ['10', 'edits per mode'],
  modes: ['hybrid,text', 'search modes, one pass each'],
  'poll-ms': [
    'auto',
    'pause between searches; auto: 100 for hybrid/vector (each search embeds its query), 25 for text',
  ],
  'gap-ms': [
    '5000',
    'pause after the daemon is idle again before the next edit (> the 3 s optimize-after-idle)',
  ],
  'timeout-ms': ['60000', 'an edit not searchable after this long counts as a miss'],
  seed: ['1', 'PRNG seed for the tokens'],
  keep: ['', 'work folder to keep; default a temp dir, removed'],
});

/** The code engine's globs as in the shipped config.yaml (an engine without them reads only Markdown). */
const CODE_INCLUDE = [
  '**/*.py',
  '**/*.pyi',
  '**/*.ts',
  '**/*.mts',
  '**/*.cts',
  '**/*.tsx',
  '**/*.js',
  '**/*.mjs',
  '**/*.cjs',
  '**/*.jsx',
  '**/*.go',
  '**/*.rs',
  '**/*.java',
];

function writeCodeConfig(work, corpus) {
  const dataDir = join(work, 'data');
  const paths = {
    config: join(work, 'config.yaml'),
    dataDir,
    socket: join(dataDir, 'run', 'ragd.sock'),
    logFile: join(work, 'ragd.log'),
    logLevel: 'info',
  };
  const q = JSON.stringify;
  writeFileSync(
    paths.config,
    `dataDir: ${q(dataDir)}
socketPath: ${q(paths.socket)}
log:
  level: info
  file: ${q(paths.logFile)}
embedders:
  default:
    type: mlx-bert
    model: sentence-transformers/all-MiniLM-L6-v2
engines:
  code:
    chunker: code
    mapper: code
    embedder: default
    include: ${q(CODE_INCLUDE)}
sources:
  - path: ${q(corpus)}
    engine: code
`,
  );
  return paths;
}

/** The edited text: one comment line with `sentence` just above the method's last line. */
function withComment(text, endLine, sentence, path) {
  const lines = text.split('\n');
  const body = lines[endLine - 2] ?? '';
  const indent = body.match(/^\s*/)[0];
  const comment = `${indent}${path.endsWith('.py') ? '#' : '//'} ${sentence}`;
  lines.splice(endLine - 1, 0, comment);
  return lines.join('\n');
}

async function main() {
  const { request } = await ipc();
  const editsPerMode = int(args, 'edits');
  const timeoutMs = int(args, 'timeout-ms');
  const gapMs = int(args, 'gap-ms');
  const pollMsFor = (mode) =>
    args['poll-ms'] === 'auto' ? (mode === 'text' ? 25 : 100) : int(args, 'poll-ms');
  const random = rng(int(args, 'seed') + 2000);
  const modes = args.modes.split(',').filter(Boolean);

  const work = workFolder(args.keep || undefined, 'code-edit');
  const corpus = join(work, 'src');
  // The base as eval.mjs and index-speed.mjs left it, or fetched afresh into the work folder.
  const built = join(REPO, 'bench/data/code-bases');
  const have = existsSync(join(built, `${args.base}.manifest.json`));
  const basesDir = have ? built : join(work, 'bases');
  const manifest = have
    ? JSON.parse(readFileSync(join(built, `${args.base}.manifest.json`), 'utf8'))
    : buildBase(args.base, basesDir);
  cpSync(join(basesDir, args.base), corpus, { recursive: true, preserveTimestamps: true });
  const paths = writeCodeConfig(work, corpus);
  const file = join(corpus, args.file);
  const original = readFileSync(file, 'utf8');
  const restore = () => writeFileSync(file, original);
  onCleanup(async () => restore(), restore);

  const results = {
    bench: 'code-edit-latency',
    machine: machine(),
    args,
    base: manifest.base,
    version: manifest.version,
  };
  const daemon = await startDaemon({ ...paths, work });
  console.error(
    `daemon ${daemon.pid} answering after ${(daemon.answeringMs / 1000).toFixed(1)} s; indexing ${manifest.files} files…`,
  );
  const indexed = await waitIdle(daemon.socket, { minFiles: manifest.files });
  results.initialIndex = {
    seconds: indexed.waitedMs / 1000,
    files: indexed.status.files,
    chunks: indexed.status.chunks,
  };
  console.error(`indexed: ${JSON.stringify(results.initialIndex)}`);
  await sleep(gapMs);

  // The method's chunks, from the index: its last line is the largest end line among them.
  const found = await request(daemon.socket, 'search', {
    query: args.method.split('.').pop(),
    mode: 'text',
    k: 50,
    symbol: args.method,
  });
  const own = found.results.filter((h) => h.path === file);
  if (!own.length)
    throw new Error(`no chunk of ${args.method} in ${file}: pick a --method the code engine names`);
  const endLine = Math.max(...own.map((h) => h.end_line));
  const startLine = Math.min(...own.map((h) => h.start_line));
  results.method = { symbol: args.method, startLine, endLine, chunks: own.length };
  const isMethod = (h) => h.path === file && String(h.metadata?.symbol ?? '').endsWith(`:${args.method}`);

  results.passes = {};
  for (const mode of modes) {
    const edits = [];
    for (let i = 0; i < editsPerMode; i++) {
      const token = `quokka${Math.floor(random() * 0xfffff)
        .toString(16)
        .padStart(5, '0')}${i.toString(36)}`;
      const sentence = `${token} keeps the help page wrapped to the terminal width before it is printed`;
      const saveEpochMs = Date.now();
      const t0 = performance.now();
      writeFileSync(file, withComment(original, endLine, sentence, file));
      let ms = NaN;
      let polls = 0;
      let rank = -1;
      while (performance.now() - t0 < timeoutMs) {
        const res = await request(daemon.socket, 'search', { query: sentence, k: 10, mode }, { timeoutMs });
        polls++;
        rank = res.results.findIndex((h) => isMethod(h) && h.text.includes(token));
        if (rank >= 0) {
          ms = performance.now() - t0;
          break;
        }
        await sleep(pollMsFor(mode));
      }
      await waitIdle(daemon.socket, { stable: 1, pollMs: 200 });
      const line = logLines(paths.logFile, 'indexed').find(
        (l) => l.time >= saveEpochMs && l.work === 'paths',
      );
      edits.push({
        saveEpochMs,
        ms,
        polls,
        rank,
        chunksEmbedded: line?.chunksEmbedded ?? null,
        chunksReused: line?.chunksReused ?? null,
        indexMs: line ? line.seconds * 1000 : null,
        load: loadAvg(),
      });
      console.error(
        `${mode} ${i + 1}/${editsPerMode}: ${Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : 'MISSED'} (${polls} searches, rank ${rank + 1}, ${line?.chunksEmbedded ?? '?'} chunks embedded)`,
      );
      restore();
      await sleep(500);
      await waitIdle(daemon.socket, { stable: 2, pollMs: 200 });
      await sleep(gapMs);
    }
    const times = edits.filter((e) => Number.isFinite(e.ms)).map((e) => e.ms);
    results.passes[mode] = {
      ...summarise(times),
      pollMs: pollMsFor(mode),
      misses: edits.length - times.length,
      chunksEmbedded: summarise(edits.map((e) => e.chunksEmbedded).filter(Number.isFinite)),
      indexMs: summarise(edits.map((e) => e.indexMs).filter(Number.isFinite)),
      edits,
    };
  }
  await daemon.stop();
  restore();
  const out = writeResults('code-edit-latency', results);
  const rows = Object.entries(results.passes).map(([mode, p]) => [
    mode,
    String(p.pollMs),
    String(p.n),
    fmt(p.p50, 0),
    fmt(p.p95, 0),
    fmt(p.max, 0),
    String(p.misses),
    `${fmt(p.chunksEmbedded.p50, 0)} / ${fmt(p.chunksEmbedded.max, 0)}`,
    fmt(p.indexMs.p50, 0),
  ]);
  console.log(
    `one-method edit → searchable over the socket: ${args.base} ${manifest.version}, ${results.initialIndex.files} files / ${results.initialIndex.chunks} chunks; ${args.file}:${args.method} (lines ${startLine}-${endLine}, ${own.length} chunk(s))\n\n${table(['mode', 'poll pause ms', 'edits', 'p50 ms', 'p95 ms', 'max ms', 'missed', 'chunks embedded per save p50 / max', 'indexing ms p50 (daemon log)'], rows)}\n\ninitial index: ${fmt(results.initialIndex.seconds, 0)} s; results: ${out}`,
  );
}

await runMain(main);
