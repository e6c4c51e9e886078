#!/usr/bin/env node
// Ingestion benchmark: cold index, re-run with nothing changed, re-run after editing one file.
//
//   node bench/ingest/make-corpus.mjs --tldr <tldr checkout>   # once (see docs/BENCHMARKS.md)
//   npm run build && node bench/ingest/run.mjs [--edits 3] [--nochange 3]
//   node bench/ingest/run.mjs --warm --compare /tmp/ragctl-old --edits 12 --nochange 6
//
// --warm keeps the index the last run left (no cold step: re-runs only). --compare <checkout>
// names a second built ragctl checkout (another commit): every re-run step then runs both,
// alternating which goes first, on the same index and the same edits, side by side.
//
// Every step runs the real CLI (`node bin/ragctl.js index --json`) in its own process under
// /usr/bin/time, so wall time includes Node's start and peak RSS is the whole process's.
// The index starts empty. Edited files are restored afterwards.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..', '..');
const CONFIG = join(REPO, 'bench', 'ingest', 'config.yaml');
const CORPUS = join(REPO, 'bench', 'data', 'ingest-corpus');
const INDEX = join(REPO, 'bench', 'data', 'ingest-index');
const { values: args } = parseArgs({
  options: {
    edits: { type: 'string', default: '3' },
    nochange: { type: 'string', default: '3' },
    warm: { type: 'boolean', default: false },
    compare: { type: 'string' },
  },
});
const BUILDS = [{ name: 'this', repo: REPO }];
if (args.compare) BUILDS.push({ name: 'compare', repo: resolve(args.compare) });

function runTimed(repo = REPO) {
  const started = performance.now();
  const res = execFileSync(
    'bash',
    [
      '-c',
      `/usr/bin/time -f 'TIME %e %M' node ${JSON.stringify(join(repo, 'bin', 'ragctl.js'))} index --json --config ${JSON.stringify(CONFIG)} 2>/tmp/ragctl-ingest-time.txt`,
    ],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  const wall = (performance.now() - started) / 1000;
  const time = readFileSync('/tmp/ragctl-ingest-time.txt', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('TIME '));
  const [, , maxKb] = time.split(' ');
  return { wall, peakRssMb: Number(maxKb) / 1024, summary: JSON.parse(res.trim().split('\n').at(-1)) };
}

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

const files = [...walk(CORPUS)].filter((f) => f.endsWith('.md'));
if (files.length < 1000)
  throw new Error(`${CORPUS} has ${files.length} markdown files; run make-corpus.mjs first`);
const results = {
  files: files.length,
  machine: `${process.platform} ${process.arch}, ${(await import('node:os')).cpus().length} cores`,
  builds: Object.fromEntries(BUILDS.map((b) => [b.name, `${b.repo} @ ${gitHead(b.repo)}`])),
};
if (args.warm) {
  // The index the last run left, brought in line with the corpus (not timed).
  if (!existsSync(INDEX)) throw new Error(`--warm: no index at ${INDEX}; run without --warm first`);
  runTimed();
} else {
  rmSync(INDEX, { recursive: true, force: true });
  console.error(`cold index of ${files.length} files…`);
  const cold = runTimed();
  results.cold = {
    wallS: cold.wall,
    peakRssMb: cold.peakRssMb,
    filesPerS: (cold.summary.filesAdded + cold.summary.filesChanged) / cold.wall,
    chunks: cold.summary.chunksEmbedded + cold.summary.chunksReused,
    chunksEmbedded: cold.summary.chunksEmbedded,
    chunksPerS: (cold.summary.chunksEmbedded + cold.summary.chunksReused) / cold.wall,
    embedS: cold.summary.embedSeconds,
    indexerS: cold.summary.seconds,
    nonEmbedShare: (cold.wall - cold.summary.embedSeconds) / cold.wall,
    skipped: cold.summary.filesSkipped,
  };
  console.error(JSON.stringify(results.cold));
}

/** Both builds once each, the first alternating with `i`. */
function eachBuild(i, step) {
  const order = i % 2 ? [...BUILDS].reverse() : BUILDS;
  for (const b of order) step(b);
}

results.nochange = [];
for (let i = 0; i < Number(args.nochange); i++) {
  eachBuild(i, (b) => {
    const r = runTimed(b.repo);
    if (r.summary.chunksEmbedded !== 0 || r.summary.filesAdded + r.summary.filesChanged !== 0)
      throw new Error(`nothing changed, yet: ${JSON.stringify(r.summary)}`);
    results.nochange.push({
      build: b.name,
      wallS: r.wall,
      indexerS: r.summary.seconds,
      peakRssMb: r.peakRssMb,
    });
  });
}
console.error(JSON.stringify(results.nochange));

// Edit files of middling size: one paragraph appended, as a person saving a note would. With
// --compare each build gets the same edit of the same file, the index restored in between.
const candidates = files.filter((f) => statSync(f).size > 1500 && statSync(f).size < 20000).sort();
results.edits = [];
for (let i = 0; i < Number(args.edits); i++) {
  const file = candidates[Math.floor(((i + 1) * candidates.length) / (Number(args.edits) + 1))];
  const original = readFileSync(file, 'utf8');
  eachBuild(i, (b) => {
    writeFileSync(
      file,
      `${original}\n\nA note added while benchmarking (${i}): incremental indexing should embed only this paragraph's chunk.\n`,
    );
    try {
      const r = runTimed(b.repo);
      results.edits.push({
        build: b.name,
        file: file.slice(CORPUS.length + 1),
        wallS: r.wall,
        embedS: r.summary.embedSeconds,
        chunksEmbedded: r.summary.chunksEmbedded,
        chunksReused: r.summary.chunksReused,
        indexerS: r.summary.seconds,
      });
    } finally {
      writeFileSync(file, original);
    }
    runTimed(); // the index back in line with the restored file (not recorded)
  });
}
console.error(JSON.stringify(results.edits));

mkdirSync(join(REPO, 'bench', 'out'), { recursive: true });
const outFile = join(REPO, 'bench', 'out', `ingest-${new Date().toISOString().replace(/[:.]/g, '')}.json`);
writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = [];
const c = results.cold;
if (c)
  rows.push(
    `| cold index, ${results.files} files | ${c.wallS.toFixed(1)} | ${c.filesPerS.toFixed(1)} files/s, ${c.chunks} chunks (${c.chunksPerS.toFixed(1)}/s), embedding ${c.embedS.toFixed(1)} s = ${(100 * (1 - c.nonEmbedShare)).toFixed(0)}% of wall, everything else ${(100 * c.nonEmbedShare).toFixed(0)}%, peak RSS ${c.peakRssMb.toFixed(0)} MB |`,
  );
for (const b of BUILDS) {
  const label = BUILDS.length > 1 ? ` (${b.name}: ${results.builds[b.name]})` : '';
  const nochange = results.nochange.filter((r) => r.build === b.name);
  const edits = results.edits.filter((r) => r.build === b.name);
  const walls = edits.map((r) => r.wallS);
  const minusEmbed = edits.map((r) => r.wallS - r.embedS);
  rows.push(
    `| re-run, nothing changed${label} (median of ${nochange.length}) | ${med(nochange.map((r) => r.wallS)).toFixed(2)} | indexer ${med(nochange.map((r) => r.indexerS)).toFixed(2)} s, the rest is process start |`,
    `| re-run after editing one file${label} (median of ${edits.length}; min–max ${Math.min(...walls).toFixed(2)}–${Math.max(...walls).toFixed(2)}) | ${med(walls).toFixed(2)} | wall minus embedding: median ${med(minusEmbed).toFixed(2)} s, max ${Math.max(...minusEmbed).toFixed(2)} s; embedding ${med(edits.map((r) => r.embedS)).toFixed(2)} s; chunks embedded ${edits.map((r) => r.chunksEmbedded).join('/')} |`,
  );
}
console.log(`| step | wall s | notes |
|---|---:|---|
${rows.join('\n')}
results: ${outFile}`);

function gitHead(repo) {
  try {
    return execFileSync('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
