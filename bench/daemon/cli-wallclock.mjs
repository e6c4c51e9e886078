#!/usr/bin/env node
// Wall-clock of `ragctl search` answered by a running daemon, Node's start included, and what
// the CLI loads to do it.
//
//   npx tsc -p tsconfig.json
//   node bench/daemon/cli-wallclock.mjs [--files 300] [--runs 30] [--warmup 3]
//
// A daemon indexes a small corpus (its size barely matters: the daemon answers in tens of ms;
// this measures the process around it). Then each command below runs --runs times, one after
// another, timed from spawn to exit (spawnSync; the search queries cycle through queries.txt
// and every search's --json must say `"via": "daemon"`):
//   node -e 0                                   Node's own start: the floor
//   node -e "import('./dist/cli/main.js')"      the CLI's module graph, nothing run
//   ragctl search --mode text <query>           CLI + socket + BM25 (no query embedding)
//   ragctl search <query>                       the real thing: hybrid (target: < 200 ms)
// With hyperfine on PATH (apt install hyperfine) the same commands run under it as well
// (--shell=none, a fixed query), as a cross-check. Last, one search runs with
// --import bench/daemon/trace-loads.mjs, which lists every module, CommonJS file, native addon
// and built-in the process loaded; heavy packages that a search answered by the daemon should
// not need (LanceDB, Arrow, MLX, tokenizers, pino, markdown-it, chokidar…) are flagged with the
// import chain that pulled them in, and each flagged package's own import time is measured.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN,
  buildCorpus,
  flags,
  fmt,
  int,
  machine,
  REPO,
  runMain,
  startDaemon,
  summarise,
  table,
  waitIdle,
  workFolder,
  writeConfig,
  writeResults,
} from './common.mjs';

const args = flags('node bench/daemon/cli-wallclock.mjs [options]', {
  files: ['300', 'files in the corpus the daemon serves'],
  runs: ['30', 'timed runs per command'],
  warmup: ['3', 'untimed runs per command first (page cache, the daemon warm)'],
  hyperfine: ['auto', 'auto: also run hyperfine when it is on PATH; off: skip it'],
  seed: ['1', 'PRNG seed of the corpus sample'],
  keep: ['', 'work folder to keep (corpus + index reused next time)'],
});

/** Packages a daemon-answered search has no use for; loading any of them is a regression. */
const HEAVY = [
  '@lancedb/lancedb',
  'apache-arrow',
  '@frost-beta/mlx',
  '@huggingface/tokenizers',
  '@huggingface/transformers',
  'onnxruntime-node',
  'pino',
  'pino-pretty',
  'thread-stream',
  'sonic-boom',
  'markdown-it',
  'chokidar',
  'better-queue',
  'picomatch',
  'ignore',
];

function packageOf(path) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return m ? m[1] : null;
}

function spawnTimed(label, argv, check) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd: REPO, encoding: 'utf8', maxBuffer: 16 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${label}: exit ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
  return { ms, info: check?.(r.stdout) };
}

/**
 * Runs the commands round-robin (one of each per round), so that on a noisy machine a burst of
 * load hits every command alike instead of whichever block of runs it fell on.
 */
function timeRuns(commands, runs, warmup) {
  const out = commands.map((c) => ({ label: c.label, samples: [], extra: [] }));
  for (let i = 0; i < warmup + runs; i++) {
    commands.forEach((c, j) => {
      const { ms, info } = spawnTimed(c.label, c.argv(i), c.check);
      if (i < warmup) return;
      out[j].samples.push(ms);
      if (info !== undefined) out[j].extra.push(info);
    });
  }
  return out.map((o) => ({ ...o, ...summarise(o.samples) }));
}

async function main() {
  const runs = int(args, 'runs');
  const warmup = int(args, 'warmup');
  const queries = readFileSync(join(import.meta.dirname, 'queries.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  const work = workFolder(args.keep || undefined, 'cli');
  const corpusDir = join(work, 'corpus');
  const corpus = buildCorpus(corpusDir, int(args, 'files'), int(args, 'seed'));
  const paths = writeConfig(work, corpusDir);
  const daemon = await startDaemon({ ...paths, work });
  console.error(`daemon ${daemon.pid}: waiting for the index of ${corpus.files} files…`);
  const idle = await waitIdle(daemon.socket, { minFiles: Math.floor(corpus.files * 0.9) });
  const results = {
    bench: 'cli-wallclock',
    machine: machine(),
    args,
    corpus,
    index: { files: idle.status.files, chunks: idle.status.chunks },
  };

  const viaDaemon = (stdout) => {
    const j = JSON.parse(stdout);
    if (j.via !== 'daemon') throw new Error(`the search was not answered by the daemon: via ${j.via}`);
    return j.took_ms;
  };
  const search = (mode) => (i) => [
    BIN,
    'search',
    '--config',
    paths.config,
    '--json',
    '--mode',
    mode,
    queries[i % queries.length],
  ];
  results.spawn = timeRuns(
    [
      { label: 'node -e 0', argv: () => ['-e', '0'] },
      { label: `node -e "import('./dist/cli/main.js')"`, argv: () => ['-e', "import('./dist/cli/main.js')"] },
      { label: 'ragctl search --mode text <query>', argv: search('text'), check: viaDaemon },
      { label: 'ragctl search <query> (hybrid)', argv: search('hybrid'), check: viaDaemon },
    ],
    runs,
    warmup,
  );
  for (const r of results.spawn) console.error(`${r.label}: p50 ${fmt(r.p50)} ms, p95 ${fmt(r.p95)} ms`);

  results.hyperfine = null;
  let hyperfineBin = null;
  try {
    hyperfineBin = execFileSync('bash', ['-c', 'command -v hyperfine'], { encoding: 'utf8' }).trim() || null;
  } catch {
    hyperfineBin = null;
  }
  if (args.hyperfine !== 'off' && hyperfineBin) {
    const q = queries[0];
    const node = process.execPath;
    const cmds = [
      `${node} -e 0`,
      `${node} -e "import('./dist/cli/main.js')"`,
      `${node} ${BIN} search --config ${paths.config} --mode text '${q}'`,
      `${node} ${BIN} search --config ${paths.config} '${q}'`,
    ];
    const exportFile = join(work, 'hyperfine.json');
    execFileSync(
      hyperfineBin,
      [
        '--shell=none',
        '--warmup',
        String(warmup),
        '--runs',
        String(runs),
        '--style',
        'none',
        '--export-json',
        exportFile,
        ...cmds,
      ],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const hf = JSON.parse(readFileSync(exportFile, 'utf8'));
    results.hyperfine = hf.results.map((r) => ({
      command: r.command,
      ...summarise(r.times.map((t) => t * 1000)),
    }));
    rmSync(exportFile, { force: true });
  } else if (args.hyperfine !== 'off') {
    console.error('hyperfine not found: spawn timings only (apt install hyperfine for the cross-check)');
  }

  // What a daemon-answered search loads.
  const traceFile = join(work, 'trace.json');
  const traced = spawnSync(
    process.execPath,
    [
      '--import',
      join(import.meta.dirname, 'trace-loads.mjs'),
      BIN,
      'search',
      '--config',
      paths.config,
      '--json',
      queries[1],
    ],
    {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, RAGCTL_TRACE_LOADS: traceFile },
    },
  );
  if (traced.status !== 0) throw new Error(`traced search failed: ${traced.stderr}`);
  viaDaemon(traced.stdout);
  const trace = JSON.parse(readFileSync(traceFile, 'utf8'));
  const parentOf = new Map();
  for (const e of trace.esm) if (!parentOf.has(e.url)) parentOf.set(e.url, e.parent);
  const files = [...new Set([...trace.esm.map((e) => e.url.replace(/^file:\/\//, '')), ...trace.cjs])].filter(
    (f) => f.startsWith('/'),
  );
  const packages = {};
  for (const f of files) {
    const p = packageOf(f);
    if (p) packages[p] = (packages[p] ?? 0) + 1;
  }
  const ownModules = files.filter((f) => f.startsWith(`${REPO}/dist/`)).map((f) => f.slice(REPO.length + 1));
  const chainTo = (pkg) => {
    const hit = trace.esm.find((e) => packageOf(e.url) === pkg);
    if (!hit) return '(required from CommonJS)';
    const chain = [];
    for (let u = hit.url; u && chain.length < 12; u = parentOf.get(u))
      chain.push(u.replace(`file://${REPO}/`, ''));
    return chain.reverse().join(' → ');
  };
  const heavy = HEAVY.filter((p) => packages[p]).map((p) => ({
    package: p,
    files: packages[p],
    chain: chainTo(p),
  }));
  // Import cost of each package ragctl's own modules import directly (its dependencies come
  // with it), paired with `node -e 0` round by round: the difference is the package's import.
  const direct = [
    ...new Set(
      trace.esm
        .filter(
          (e) =>
            packageOf(e.url) && e.parent && !packageOf(e.parent) && e.parent.startsWith(`file://${REPO}/`),
        )
        .map((e) => packageOf(e.url)),
    ),
  ];
  const importMs = {};
  for (const pkg of direct) {
    const [bare, imported] = timeRuns(
      [
        { label: 'node -e 0', argv: () => ['-e', '0'] },
        {
          label: `import ${pkg}`,
          argv: () => ['--input-type=module', '-e', `await import(${JSON.stringify(pkg)})`],
        },
      ],
      Math.min(runs, 10),
      1,
    );
    importMs[pkg] = imported.p50 - bare.p50;
  }
  for (const h of heavy) h.importMsOverNodeStart = importMs[h.package] ?? NaN;
  results.loads = {
    ownModules: [...new Set(ownModules)].sort(),
    packages,
    addons: trace.addons,
    builtins: trace.builtins.length,
    directImportMs: importMs,
    heavy,
  };
  await daemon.stop();

  const file = writeResults('cli-wallclock', results);
  const rows = results.spawn.map((r) => [
    r.label,
    fmt(r.p50),
    fmt(r.p95),
    fmt(r.min),
    fmt(r.max),
    r.extra.length ? fmt(summarise(r.extra).p50) : '–',
  ]);
  const hfRows = (results.hyperfine ?? []).map((r) => [
    r.command
      .replace(process.execPath, 'node')
      .replace(BIN, 'bin/ragctl.js')
      .replace(paths.config, '<config>'),
    fmt(r.p50),
    fmt(r.p95),
    fmt(r.min),
    fmt(r.max),
  ]);
  console.log(`wall-clock from spawn to exit, ${runs} runs each (after ${warmup} warm-up), daemon serving ${results.index.files} files

${table(['command', 'p50 ms', 'p95 ms', 'min ms', 'max ms', 'daemon took_ms p50'], rows)}
${hfRows.length ? `\nhyperfine (--shell=none, one fixed query)\n\n${table(['command', 'p50 ms', 'p95 ms', 'min ms', 'max ms'], hfRows)}\n` : ''}
modules loaded by \`ragctl search\` answered by the daemon: ${results.loads.ownModules.length} of ragctl's own, ${Object.keys(packages).length} packages (${Object.entries(
    packages,
  )
    .map(([p, n]) => `${p} ${n}`)
    .join(', ')}), ${trace.addons.length} native addons, ${results.loads.builtins} built-ins
import time of each package ragctl imports directly (p50 over \`node -e 0\`, with its dependencies): ${Object.entries(
    importMs,
  )
    .map(([p, ms]) => `${p} ${fmt(ms, 0)} ms`)
    .join(', ')}
${heavy.length ? heavy.map((h) => `HEAVY: ${h.package} (${h.files} files${Number.isFinite(h.importMsOverNodeStart) ? `, ~${fmt(h.importMsOverNodeStart, 0)} ms to import` : ''}) via ${h.chain}`).join('\n') : 'no heavy package loaded'}
results: ${file}`);
}

await runMain(main);
