#!/usr/bin/env node
// A first walk while a note is saved every --every-ms (an editor's autosave, a journal appended
// line by line): does the walk still finish, and how much later than alone?
//
//   npx tsc -p tsconfig.json
//   node bench/daemon/walk-under-saves.mjs [--files 300] [--every-ms 500]   # and --every-ms 0: alone
//
// The first --files package READMEs of bench/data/quality-corpus and an empty index; a note in
// the source gets a line appended every --every-ms from the daemon's start. Reported: the time
// until every README is indexed (status files), and how often the walk let a save go first.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  copyReadmes,
  flags,
  fmt,
  int,
  ipc,
  machine,
  runMain,
  sleep,
  startDaemon,
  table,
  workFolder,
  writeConfig,
  writeResults,
} from './common.mjs';

const args = flags('node bench/daemon/walk-under-saves.mjs [options]', {
  files: ['300', 'package READMEs in the source'],
  'every-ms': ['500', 'a line appended to a note this often (0: no saves, the walk alone)'],
  embedder: ['onnx', 'embedder type of the daemon'],
  keep: ['', 'work folder to keep; default a temp dir, removed'],
});

async function main() {
  const { request } = await ipc();
  const work = workFolder(args.keep || undefined, 'walk-saves');
  const corpus = join(work, 'corpus');
  const files = copyReadmes(corpus, int(args, 'files'));
  const journal = join(corpus, 'zz-journal.md');
  writeFileSync(journal, '# Journal\n\n');
  const paths = writeConfig(work, corpus, { logLevel: 'info', embedder: args.embedder });
  const started = performance.now();
  const daemon = await startDaemon({ ...paths, work });
  const every = int(args, 'every-ms');
  let lines = 0;
  const timer =
    every > 0
      ? setInterval(() => appendFileSync(journal, `- line ${++lines} of the day\n`), every)
      : undefined;
  let doneMs;
  for (;;) {
    const s = await request(paths.socket, 'status', {}, { timeoutMs: 60_000 });
    if (s.files >= files + 1 && (every > 0 || s.state === 'idle')) {
      doneMs = performance.now() - started;
      break;
    }
    await sleep(250);
  }
  if (timer) clearInterval(timer);
  await daemon.stop();
  const log = readFileSync(paths.logFile, 'utf8');
  const stops = log.split('\n').filter((l) => l.includes('changed and goes first')).length;
  const results = {
    bench: 'walk-under-saves',
    machine: machine(),
    args,
    files,
    doneS: doneMs / 1000,
    stops,
    lines,
  };
  const file = writeResults('walk-under-saves', results);
  console.log(
    table(
      ['saves', 'every README indexed after (s)', 'walk stopped for a save', 'lines appended'],
      [[every > 0 ? `every ${every} ms` : 'none', fmt(results.doneS), String(stops), String(lines)]],
    ),
  );
  console.log(`\n${results.machine.cpu}, ${results.machine.cores} cores; ${file}`);
}

runMain(main);
