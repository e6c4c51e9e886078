import { errorMessage } from '../../errors.js';
import { MlxEmbedder } from '../mlx-embedder.js';
import { OnnxEmbedder } from '../onnx/onnx-embedder.js';
import type { Embedder } from '../types.js';

/**
 * One backend's timing for `type: auto` (measure.ts), in a process of its own so each backend
 * starts with its own native libraries and environment (MLX: OpenBLAS's kernels). Argument: a
 * JSON job; output: its last line, `{"perLength": […], "totalMs": …}`.
 */
interface Job {
  type: 'mlx-bert' | 'onnx';
  precision: 'fp32' | 'int8';
  model: string;
  lengths: number[];
  batchTokens: number;
  repeats: number;
}

/** Words of ordinary prose, cycled: real WordPiece splits, no padding tricks. */
const WORDS =
  'the index keeps every chunk of a file beside its vector so that a search for a phrase finds the paragraph that answers it even when the words differ from the query'.split(
    ' ',
  );

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
// A failure is one JSON line too, so the measurement can say why a backend dropped out.
process.on('uncaughtException', (err) => {
  process.stdout.write(`${JSON.stringify({ error: errorMessage(err) })}\n`);
  process.exit(1);
});
const embedder: Embedder =
  job.type === 'mlx-bert'
    ? new MlxEmbedder({ model: job.model, batchTokens: job.batchTokens })
    : new OnnxEmbedder({ model: job.model, batchTokens: job.batchTokens, precision: job.precision });
await embedder.load?.();

const perLength: Array<{ tokens: number; texts: number; textsPerSecond: number }> = [];
let totalMs = 0;
for (const tokens of job.lengths) {
  const texts = Array.from({ length: Math.max(1, Math.floor(job.batchTokens / tokens)) }, (_, i) =>
    textOf(tokens, i),
  );
  await embedder.embed(texts); // Warm-up: first-run allocations, kernels, caches.
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < job.repeats; r++) {
    const started = performance.now();
    await embedder.embed(texts);
    best = Math.min(best, performance.now() - started);
  }
  totalMs += best;
  perLength.push({ tokens, texts: texts.length, textsPerSecond: Math.round((texts.length * 1000) / best) });
}
await embedder.close();
process.stdout.write(`${JSON.stringify({ perLength, totalMs: Math.round(totalMs) })}\n`);

/** A text of about `tokens` tokens (special tokens included), different for each `seed`. */
function textOf(tokens: number, seed: number): string {
  const words: string[] = [];
  let i = seed;
  while (embedder.tokenizer.countTokens(words.join(' ')) < tokens) words.push(WORDS[i++ % WORDS.length]!);
  return words.join(' ');
}
