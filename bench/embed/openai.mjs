#!/usr/bin/env node
// ragctl's openai runner: the `openai` embedder (src/embed/openai) against a running
// OpenAI-compatible server, on the same texts files as the other runners. Each embed() call gets
// --batch-size texts; inside it the embedder cuts requests of --request-tokens and keeps
// --concurrency of them in flight, as it does in the embed worker.
//
//   npm run build && node bench/embed/openai.mjs --texts bench/data/texts-128.json --batch-size 512 \
//        --endpoint http://127.0.0.1:7997 --model-name minilm [--tokenizer <model folder>] \
//        [--request-tokens 8192] [--concurrency 4] [--iterations 3] [--warmup 3]
//
// The embed worker sends one request of at most 2,048 padded tokens at a time (its
// mergedRequestTokens): `--batch-size <2048 / tokens> --concurrency 1` measures that pattern.
import { parseArgs } from 'node:util';
import { readTextsFile, resolveModelDir, resultLine, timeEmbedder } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    texts: { type: 'string' },
    'batch-size': { type: 'string' },
    endpoint: { type: 'string' },
    'model-name': { type: 'string' },
    tokenizer: { type: 'string' },
    'request-tokens': { type: 'string', default: '8192' },
    concurrency: { type: 'string', default: '4' },
    iterations: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    label: { type: 'string', default: '' },
  },
});
if (!args.texts || !args['batch-size'] || !args.endpoint || !args['model-name'])
  throw new Error('--texts, --batch-size, --endpoint and --model-name are required');
const int = (name) => Number.parseInt(args[name], 10);
const data = readTextsFile(args.texts);

const { OpenAIEmbedder } = await import('../../dist/embed/openai/openai-embedder.js');
const embedder = new OpenAIEmbedder({
  endpoint: args.endpoint,
  model: args['model-name'],
  dimensions: 384,
  sendDimensions: false,
  apiKeyEnv: null,
  tokenizer: resolveModelDir(args.tokenizer),
  maxTokens: null,
  batchTokens: int('request-tokens'),
  maxBatchTexts: 2048,
  concurrency: int('concurrency'),
  timeoutMs: 60_000,
  retryWithinMs: 0,
  retryInitialMs: 500,
  keyPath: 'bench',
});
const { batchMs, done, seconds } = await timeEmbedder(embedder, data, {
  file: args.texts,
  batchSize: int('batch-size'),
  warmup: int('warmup'),
  iterations: int('iterations'),
});
console.log(
  resultLine({
    runner: `ragctl-openai${args.label ? `-${args.label}` : ''}`,
    runtime: {
      endpoint: args.endpoint,
      concurrency: int('concurrency'),
      request_tokens: int('request-tokens'),
    },
    tokensPerText: data.tokens_per_text,
    batchSize: int('batch-size'),
    texts: done,
    seconds,
    tokens: done * data.tokens_per_text,
    batchMs,
  }),
);
await embedder.close();
