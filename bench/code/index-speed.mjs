#!/usr/bin/env node
// Cold indexing speed of the code engine on a 100k-line tree of real packages: files/s,
// chunks/s, lines/s, and how much of the time is not spent embedding. A script, not a test.
//
//   npm run build && node bench/code/index-speed.mjs [--embedders mlx-bert,onnx] [--runs 1]
//
// The tree (bench/data/code-100k/, git-ignored) is six released packages side by side, each
// fetched and checked by make-bases.mjs: click, werkzeug, jinja2, flask, rich (Python wheels)
// and ajv's TypeScript sources — 324 files, ~106,500 lines. Its manifest (per base sha256) is
// compared with the committed bench/code/index-speed-manifest.json.
//
// Each run is the real CLI in its own process (`node bin/ragctl.js index --json`) on a fresh
// data folder, under /usr/bin/time: wall time includes Node's start, the model load and the
// final optimize; peak RSS is the CLI process's (the embed worker runs in its own process and
// is not counted). The CLI's JSON summary gives the pipeline's own split: `seconds` for the
// whole reconcile and `embedSeconds` for the time spent waiting on the embedder (the pipeline
// awaits each group's embedding before it writes, so the rest — walking, reading, parsing,
// chunking, token counting, Arrow and LanceDB writes — is `seconds − embedSeconds`).
// With several embedders and --runs > 1 the order alternates, so drift in the machine's load
// falls on both alike.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBase } from './make-bases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    embedders: { type: 'string', default: 'mlx-bert,onnx' },
    runs: { type: 'string', default: '1' },
    tree: { type: 'string', default: join(repo, 'bench/data/code-100k') },
  },
});
/** The packages of the tree, in this order; see make-bases.mjs for versions and checksums. */
const TREE_BASES = ['click', 'werkzeug', 'jinja2', 'flask', 'rich', 'ajv'];
const basesDir = join(repo, 'bench/data/code-bases');
const tree = resolve(args.tree);

// --- the tree -----------------------------------------------------------------------------
function buildTree() {
  rmSync(tree, { recursive: true, force: true });
  const parts = [];
  for (const name of TREE_BASES) {
    const manifestPath = join(basesDir, `${name}.manifest.json`);
    const m = existsSync(manifestPath)
      ? JSON.parse(readFileSync(manifestPath, 'utf8'))
      : buildBase(name, basesDir);
    // Copies keep the fixed mtimes make-bases set.
    cpSync(join(basesDir, name), join(tree, name), { recursive: true, preserveTimestamps: true });
    parts.push({ base: name, version: m.version, files: m.files, lines: m.lines, baseSha256: m.baseSha256 });
  }
  const manifest = {
    files: parts.reduce((s, p) => s + p.files, 0),
    lines: parts.reduce((s, p) => s + p.lines, 0),
    bases: parts,
  };
  writeFileSync(`${tree}.manifest.json`, `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}
const tm = buildTree();
const committed = join(here, 'index-speed-manifest.json');
if (existsSync(committed)) {
  const want = JSON.parse(readFileSync(committed, 'utf8'));
  const same = JSON.stringify(want.bases) === JSON.stringify(tm.bases);
  console.error(
    same ? 'tree identical to the committed manifest' : `tree differs from ${relative(repo, committed)}`,
  );
}
console.error(`tree: ${tm.files} files, ${tm.lines} lines → ${relative(repo, tree)}`);

// --- runs ---------------------------------------------------------------------------------
/**
 * The code engine as the shipped config.yaml declares it. Its `include` must be spelled out: an
 * engine block without one falls back to the Markdown globs whatever its chunker, and indexes
 * no code at all.
 */
function config(dataDir, type) {
  return `dataDir: ${JSON.stringify(dataDir)}
log:
  level: warn
embedders:
  default:
    type: ${type}
    model: sentence-transformers/all-MiniLM-L6-v2
engines:
  code:
    chunker: code
    mapper: code
    embedder: default
    include: ["**/*.py", "**/*.pyi", "**/*.ts", "**/*.mts", "**/*.cts", "**/*.tsx",
              "**/*.js", "**/*.mjs", "**/*.cjs", "**/*.jsx", "**/*.go", "**/*.rs", "**/*.java"]
sources:
  - path: ${JSON.stringify(tree)}
    engine: code
`;
}

function runOnce(type) {
  const work = mkdtempSync(join(tmpdir(), 'ragctl-code-speed-'));
  try {
    const cfg = join(work, 'config.yaml');
    writeFileSync(cfg, config(join(work, 'data'), type));
    const timeFile = join(work, 'time.txt');
    const bin = join(repo, 'bin/ragctl.js');
    const t0 = performance.now();
    const out = execFileSync(
      'bash',
      [
        '-c',
        `/usr/bin/time -o ${JSON.stringify(timeFile)} -f 'TIME %e %M' node ${JSON.stringify(bin)} index --json --config ${JSON.stringify(cfg)}`,
      ],
      { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const wall = (performance.now() - t0) / 1000;
    const [, , maxKb] = readFileSync(timeFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('TIME '))
      .split(' ');
    const s = JSON.parse(out.trim().split('\n').at(-1));
    const files = s.filesAdded + s.filesChanged;
    if (files < tm.files * 0.9)
      throw new Error(`only ${files} of ${tm.files} files indexed: ${out.slice(-2000)}`);
    return {
      embedder: type,
      files,
      skipped: s.filesSkipped,
      chunks: s.chunksEmbedded + s.chunksReused,
      chunksEmbedded: s.chunksEmbedded,
      wallSeconds: wall,
      pipelineSeconds: s.seconds,
      embedSeconds: s.embedSeconds,
      nonEmbedPipelineShare: (s.seconds - s.embedSeconds) / s.seconds,
      nonEmbedWallShare: (wall - s.embedSeconds) / wall,
      filesPerSecond: files / wall,
      chunksPerSecond: (s.chunksEmbedded + s.chunksReused) / wall,
      linesPerSecond: tm.lines / wall,
      peakRssMb: Number(maxKb) / 1024,
      load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const embedders = args.embedders.split(',').filter(Boolean);
const runs = [];
for (let r = 0; r < Number(args.runs); r++) {
  const order = r % 2 ? [...embedders].reverse() : embedders;
  for (const type of order) {
    console.error(`run ${r + 1}: ${type}…`);
    const row = runOnce(type);
    console.error(JSON.stringify(row));
    runs.push(row);
  }
}

const f = (x, d = 1) => x.toFixed(d);
const lines = [
  `code engine, cold index of ${tm.files} files / ${tm.lines} lines (${TREE_BASES.join(', ')})`,
  '',
  '| embedder | files | chunks | wall s | files/s | chunks/s | lines/s | pipeline s | embedding s | non-embedding share of pipeline | of wall | CLI peak RSS MB | load avg after |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ...runs.map(
    (r) =>
      `| ${r.embedder} | ${r.files} | ${r.chunks} | ${f(r.wallSeconds)} | ${f(r.filesPerSecond, 2)} | ${f(r.chunksPerSecond)} | ${f(r.linesPerSecond, 0)} | ${f(r.pipelineSeconds)} | ${f(r.embedSeconds)} | ${f(100 * r.nonEmbedPipelineShare)} % | ${f(100 * r.nonEmbedWallShare)} % | ${f(r.peakRssMb, 0)} | ${r.load} |`,
  ),
];
console.log(lines.join('\n'));
const stamp = new Date()
  .toISOString()
  .replace(/[-:]/g, '')
  .replace(/\.\d+Z$/, 'Z');
const outPath = join(repo, 'bench/out', `code-index-speed-${stamp}.json`);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(
  outPath,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, tree: tm, runs }, null, 1)}\n`,
);
console.log(`\nwrote ${relative(repo, outPath)}`);
