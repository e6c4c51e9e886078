#!/usr/bin/env node
// ragctl's own runner: the MLX embedder exactly as the embed worker runs it (same JIT set-up,
// same token-budget batching), on the same texts and batches as the peers.
//
//   npm run build && node bench/embed/mlx.mjs --texts bench/data/texts-128.json --batch-size 32 \
//        [--iterations 3] [--warmup 3] [--no-jit-flags] [--no-compile]
//
// --no-jit-flags builds MLX's fused kernels with MLX's own `g++ -O2` (RAGCTL_MLX_CXXFLAGS='');
// --no-compile runs MLX without mx.compile. Both exist to measure what each choice is worth.
// OpenBLAS runs with the kernels the embed worker chooses (measured once per CPU; see
// src/embed/mlx/openblas.ts) unless OPENBLAS_CORETYPE is exported or --openblas-detect is given
// (OpenBLAS's own detection); the result line records which.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readTextsFile, resultLine, timeEmbedder } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    texts: { type: 'string' },
    'batch-size': { type: 'string' },
    iterations: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    'no-jit-flags': { type: 'boolean', default: false },
    'no-compile': { type: 'boolean', default: false },
    'jit-cache': { type: 'string' },
    'openblas-detect': { type: 'boolean', default: false },
  },
});

// OpenBLAS reads its variables when the library loads: choose, then run again with them set.
if (!process.env.RAGCTL_BENCH_OPENBLAS) {
  let source = 'detect';
  let extra = {};
  if (process.env.OPENBLAS_CORETYPE) source = 'environment';
  else if (!args['openblas-detect']) {
    const { chooseOpenBlas, openBlasEnv } = await import('../../dist/embed/mlx/openblas.js');
    const { silentLogger } = await import('../../dist/log.js');
    const choice = await chooseOpenBlas(process.env, silentLogger());
    extra = openBlasEnv(choice);
    source = `worker choice (${choice.source})`;
  }
  const env = { ...process.env, ...extra, RAGCTL_BENCH_OPENBLAS: source };
  const child = spawnSync(process.execPath, process.argv.slice(1), { env, stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

if (!args.texts || !args['batch-size']) throw new Error('--texts and --batch-size are required');
const batchSize = Number.parseInt(args['batch-size'], 10);
const iterations = Number.parseInt(args.iterations, 10);
const warmup = Number.parseInt(args.warmup, 10);
const data = readTextsFile(args.texts);

const runtime = await import('../../dist/embed/mlx/runtime.js');
// A fresh kernel cache per run unless given: kernels built with other flags must not be reused.
const jitCache = args['jit-cache'] ?? mkdtempSync(join(tmpdir(), 'ragctl-bench-jit-'));
if (args['no-jit-flags']) process.env.RAGCTL_MLX_CXXFLAGS = '';

const { MlxEmbedder } = await import('../../dist/embed/mlx-embedder.js');
const embedder = new MlxEmbedder({
  model: 'sentence-transformers/all-MiniLM-L6-v2',
  // One forward pass per benchmark batch: the same batches the peers get.
  batchTokens: batchSize * data.tokens_per_text,
  compile: !args['no-compile'],
  jitCacheDir: jitCache,
});
const { batchMs, done, seconds } = await timeEmbedder(embedder, data, {
  file: args.texts,
  batchSize,
  warmup,
  iterations,
});

console.log(
  resultLine({
    runner: 'ragctl-mlx',
    runtime: {
      mlx: '@frost-beta/mlx 0.0.7',
      backend: runtime.backend(),
      node: process.versions.node,
      compile: !args['no-compile'],
      jit_flags: !args['no-jit-flags'],
      openblas_coretype: process.env.OPENBLAS_CORETYPE ?? 'auto',
      openblas_threads: process.env.OPENBLAS_NUM_THREADS ?? 'auto',
      openblas_source: process.env.RAGCTL_BENCH_OPENBLAS,
    },
    tokensPerText: data.tokens_per_text,
    batchSize,
    texts: done,
    seconds,
    tokens: done * data.tokens_per_text,
    batchMs,
    extra: { iterations, warmup_batches: warmup },
  }),
);
await embedder.close();
