#!/usr/bin/env node
// Pipeline overhead against raw onnxruntime (issue 11): a cold `ragctl index` with the onnx
// fp32 backend side by side with onnxruntime-node embedding exactly the texts that index
// embedded, with the same graph and tokenizer.
//
//   npm run build && node bench/ingest/overhead.mjs [--files 150] [--rounds 2] [--batch 32]
//
// Each round runs, in this order: (a) `node bin/ragctl.js index --json` into a fresh data dir
// under /usr/bin/time (wall clock of the whole process: Node's start, LanceDB, the model's
// load, the walk, chunking, embedding, writes, the closing optimize); (b) raw onnxruntime over
// the same texts in corpus order, then sorted by length (raw-onnx.mjs, each its own process).
// Rounds alternate (a b a b …) so load drift on a shared machine shows in both.
//
// The texts are what the index embedded: every file's chunks from the engine's chunker, in
// walk order, each distinct chunk hash once (the indexer embeds a hash once per run), checked
// against the run's `chunksEmbedded`.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { buildCorpus, flags, int, REPO, runMain, workFolder, writeConfig } from '../daemon/common.mjs';

const args = flags('node bench/ingest/overhead.mjs [options]', {
  files: ['150', 'files of the ingest corpus (seeded sample)'],
  seed: ['1', 'sample seed'],
  rounds: ['2', 'a/b rounds'],
  batch: ['32', 'texts per raw onnxruntime batch'],
  orders: ['corpus,sorted', 'raw batch orders to run: corpus (as walked), sorted (longest first)'],
  keep: ['', 'work folder to keep (default: a temp dir, removed)'],
});

const dist = (p) => import(join(REPO, 'dist', p));

/** The texts the cold index embedded, in the order it met them. */
async function embeddedTexts(configFile) {
  const { loadConfig } = await dist('config/load.js');
  const { createRegistry } = await dist('registry/builtins.js');
  const { makeEmbedders } = await dist('app.js');
  const { silentLogger } = await dist('log.js');
  const { PathFilter } = await dist('pipeline/path-filter.js');
  const { scanSource } = await dist('pipeline/scan.js');
  const config = loadConfig({ configPath: configFile });
  const registry = createRegistry();
  const engines = registry.engines(config.engines, config.embedders, config.configFile);
  const embedders = await makeEmbedders(config, engines, registry, { logger: silentLogger() });
  const seen = new Set();
  const texts = [];
  let graph;
  for (const source of config.sources) {
    const engine = engines.get(source.engine);
    const embedder = embedders.get(engine.embedder);
    graph ??= embedder;
    const filter = new PathFilter(source, config.dataDir);
    for await (const entry of scanSource(filter, { maxFileBytes: config.indexing.maxFileBytes })) {
      if (entry.kind === 'skipped') continue;
      const text = readFileSync(entry.path, 'utf8');
      const chunks = await engine.chunker.chunk(
        { path: entry.path, relativePath: relative(source.path, entry.path), text },
        {
          maxTokens: engine.config.chunkMaxTokens ?? embedder.maxTokens,
          minTokens: engine.config.chunkMinTokens,
          tokenizer: embedder.tokenizer,
        },
      );
      for (const c of chunks) {
        if (seen.has(c.contentHash)) continue;
        seen.add(c.contentHash);
        texts.push(c.embedText ?? c.text);
      }
    }
  }
  // The graph file the embedder itself loads (fused, or plain where onnxruntime refused it).
  const graphFile = (await graph.load()).details.graph;
  for (const e of embedders.values()) await e.close();
  return { texts, graphFile };
}

function runIndex(configFile, dataDir) {
  rmSync(dataDir, { recursive: true, force: true });
  const timeFile = join(dataDir, '..', 'time.txt');
  const started = performance.now();
  const out = execFileSync(
    'bash',
    [
      '-c',
      `/usr/bin/time -f 'TIME %e %M' node ${JSON.stringify(join(REPO, 'bin', 'ragctl.js'))} index --json --config ${JSON.stringify(configFile)} 2>${JSON.stringify(timeFile)}`,
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const wall = (performance.now() - started) / 1000;
  const time = readFileSync(timeFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('TIME '));
  const summary = JSON.parse(out.trim().split('\n').at(-1));
  return { wall, peakRssMb: Number(time.split(' ')[2]) / 1024, summary };
}

function runRaw(textsFile, graphFile, order) {
  const started = performance.now();
  const out = execFileSync(
    process.execPath,
    [
      join(import.meta.dirname, 'raw-onnx.mjs'),
      '--texts',
      textsFile,
      '--graph',
      graphFile,
      '--batch',
      args.batch,
      '--order',
      order,
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return { ...JSON.parse(out.trim().split('\n').at(-1)), wall: (performance.now() - started) / 1000 };
}

const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);

await runMain(async () => {
  const work = workFolder(args.keep || undefined, 'overhead');
  const corpusDir = join(work, 'corpus');
  const corpus = buildCorpus(corpusDir, int(args, 'files'), int(args, 'seed'));
  const paths = writeConfig(work, corpusDir, { logLevel: 'warn', embedder: 'onnx' });
  const results = {
    bench: 'ingest-overhead',
    machine: {
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      node: process.version,
      openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null,
      loadavgStart: loadavg(),
    },
    args,
    corpus,
    rounds: [],
  };
  let textsFile;
  let graphFile;
  for (let round = 1; round <= int(args, 'rounds'); round++) {
    console.error(`round ${round}: cold ragctl index (onnx fp32)…`);
    const index = runIndex(paths.config, paths.dataDir);
    const s = index.summary;
    console.error(
      `  wall ${f1(index.wall)} s, indexer ${f1(s.seconds)} s, embedding ${f1(s.embedSeconds)} s, ${s.chunksEmbedded} chunks`,
    );
    if (!textsFile) {
      const got = await embeddedTexts(paths.config);
      if (got.texts.length !== s.chunksEmbedded)
        throw new Error(`chunked ${got.texts.length} distinct texts, the index embedded ${s.chunksEmbedded}`);
      textsFile = join(work, 'texts.json');
      writeFileSync(textsFile, JSON.stringify(got.texts));
      graphFile = got.graphFile;
    }
    const raw = {};
    for (const order of args.orders.split(',')) {
      console.error(`round ${round}: raw onnxruntime, batch ${args.batch}, ${order} order…`);
      raw[order] = runRaw(textsFile, graphFile, order);
      console.error(
        `  tokenise ${f2(raw[order].tokenizeSeconds)} s + run ${f1(raw[order].runSeconds)} s, padded ${raw[order].paddedTokens} tokens`,
      );
    }
    results.rounds.push({ round, index, raw, loadavg: loadavg() });
  }
  // Table: per round, chunks/s of the index (wall clock) against raw (tokenise + run).
  const orders = args.orders.split(',');
  const lines = [
    `| round | index wall s | index chunks/s | ${orders.map((o) => `raw ${o} s | raw chunks/s | index / raw`).join(' | ')} |`,
    `|---|---:|---:|${'---:|'.repeat(3 * orders.length)}`,
  ];
  const ratios = Object.fromEntries(orders.map((o) => [o, []]));
  for (const r of results.rounds) {
    const n = r.index.summary.chunksEmbedded;
    const rate = n / r.index.wall;
    const cells = orders.map((o) => {
      const raw = r.raw[o].embedSeconds;
      ratios[o].push(rate / (n / raw));
      return `${f1(raw)} | ${f1(n / raw)} | ${f2(rate / (n / raw))}×`;
    });
    lines.push(`| ${r.round} | ${f1(r.index.wall)} | ${f1(rate)} | ${cells.join(' | ')} |`);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  for (const o of orders) lines.push('', `median index / raw ${o}: ${f2(median(ratios[o]))}×`);
  lines.push(
    '',
    '| round | wall | indexer | embed | load | read | chunk | lookup | arrow | write | records | write wait | optimize | rest of wall |',
    '|---|' + '---:|'.repeat(13),
  );
  for (const r of results.rounds) {
    const s = r.index.summary;
    const st = s.stageSeconds ?? {};
    const rest = r.index.wall - s.seconds - (s.optimizeSeconds ?? 0);
    lines.push(
      `| ${r.round} | ${f1(r.index.wall)} | ${f1(s.seconds)} | ${f1(s.embedSeconds)} | ${[st.load, st.read, st.chunk, st.lookup, st.arrow, st.write, st.records, st.writeWait, s.optimizeSeconds].map((x) => (x === undefined ? '–' : f2(x))).join(' | ')} | ${f2(rest)} |`,
    );
  }
  const table = lines.join('\n');
  results.loadavgEnd = loadavg();
  const outFile = join(
    REPO,
    'bench',
    'out',
    `ingest-overhead-${new Date().toISOString().replace(/[:.]/g, '')}.json`,
  );
  execFileSync('mkdir', ['-p', join(REPO, 'bench', 'out')]);
  writeFileSync(outFile, JSON.stringify(results, null, 2));
  console.log(table);
  console.log(`\n${outFile}`);
});
