#!/usr/bin/env node
// The `openai` embedder as the daemon drives it while indexing: through the embed worker (dist),
// one index call over every text, the worker cutting requests of ≤ 2,048 padded tokens
// (mergedRequestTokens: nobody searches) and keeping `--in-flight` of them out at once — the
// embedder's `concurrency`, which it declares as maxInFlight. 1 is how the worker sent them
// before it kept several in flight. The settings alternate round by round, so each ratio is
// measured side by side under the same load.
//
//   npm run build && node bench/embed/make-texts.mjs --count 512 --lengths 128,256
//   infinity_emb v2 --model-id <model folder> --served-model-name minilm --engine torch \
//        --device cpu --port 7997 &
//   node bench/embed/openai-worker.mjs --texts bench/data/texts-128.json \
//        --endpoint http://127.0.0.1:7997 --model-name minilm [--in-flight 1,4] [--rounds 3]
//
// Prints one result line per run (common.mjs's format) and a summary line per setting.
import { parseArgs } from 'node:util';
import { median, readTextsFile, resolveModelDir, resultLine } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    texts: { type: 'string' },
    endpoint: { type: 'string' },
    'model-name': { type: 'string' },
    tokenizer: { type: 'string' },
    'in-flight': { type: 'string', default: '1,4' },
    rounds: { type: 'string', default: '3' },
    'batch-tokens': { type: 'string', default: '4096' },
  },
});
if (!args.texts || !args.endpoint || !args['model-name'])
  throw new Error('--texts, --endpoint and --model-name are required');
const data = readTextsFile(args.texts);
const settings = args['in-flight'].split(',').map((s) => Number.parseInt(s, 10));
const rounds = Number.parseInt(args.rounds, 10);

const { EmbedWorker } = await import('../../dist/embed/worker/embed-worker.js');
const { silentLogger } = await import('../../dist/log.js');

async function run(inFlight) {
  const worker = new EmbedWorker({
    config: {
      type: 'openai',
      model: args['model-name'],
      maxTokens: null,
      batchTokens: Number.parseInt(args['batch-tokens'], 10),
      settings: {
        endpoint: args.endpoint,
        dimensions: 384,
        tokenizer: resolveModelDir(args.tokenizer),
        concurrency: inFlight,
        timeoutMs: 60_000,
      },
    },
    name: 'bench',
    logger: silentLogger(),
  });
  const requestMs = [];
  worker.on('batch', (b) => requestMs.push(b.computeMs));
  try {
    await worker.start();
    await worker.embed(data.texts.slice(0, 32)); // warm: connections, the server's first batch
    requestMs.length = 0;
    const start = performance.now();
    const vectors = await worker.embed(data.texts, { priority: 'index' });
    const seconds = (performance.now() - start) / 1000;
    if (!vectors.every(Number.isFinite)) throw new Error('non-finite embeddings');
    return { seconds, requestMs };
  } finally {
    await worker.close();
  }
}

const results = new Map(settings.map((c) => [c, []]));
for (let round = 0; round < rounds; round++) {
  for (const inFlight of settings) {
    const { seconds, requestMs } = await run(inFlight);
    const tokensPerS = (data.texts.length * data.tokens_per_text) / seconds;
    results.get(inFlight).push(tokensPerS);
    console.log(
      resultLine({
        runner: 'ragctl-openai-worker',
        runtime: { endpoint: args.endpoint, in_flight: inFlight, round },
        tokensPerText: data.tokens_per_text,
        batchSize: data.texts.length,
        texts: data.texts.length,
        seconds,
        tokens: data.texts.length * data.tokens_per_text,
        batchMs: requestMs,
      }),
    );
  }
}
const base = median(results.get(settings[0]));
for (const inFlight of settings) {
  const m = median(results.get(inFlight));
  console.log(
    JSON.stringify({
      summary: 'ragctl-openai-worker',
      tokens_per_text: data.tokens_per_text,
      in_flight: inFlight,
      tokens_per_s_median: Math.round(m),
      runs: results.get(inFlight).map(Math.round),
      vs_first: Math.round((m / base) * 100) / 100,
    }),
  );
}
