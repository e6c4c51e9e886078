// Helpers shared by the Node side of the embedding benchmark: model lookup, the texts-file
// format, the result line every runner prints, and batching. Plain ESM so `node` runs it as is.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODEL_ID = 'sentence-transformers/all-MiniLM-L6-v2';

/** `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub` — as huggingface_hub does. */
function hubCacheDir(env = process.env) {
  if (env.HF_HUB_CACHE) return resolve(env.HF_HUB_CACHE);
  if (env.HF_HOME) return join(resolve(env.HF_HOME), 'hub');
  return join(
    env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'),
    'huggingface',
    'hub',
  );
}

/** A model folder given as a path, else the cache snapshot that `refs/main` names. */
export function resolveModelDir(spec = MODEL_ID) {
  if (existsSync(spec)) return resolve(spec);
  const repo = join(hubCacheDir(), `models--${spec.split('/').join('--')}`);
  let revision;
  try {
    revision = readFileSync(join(repo, 'refs', 'main'), 'utf8').trim();
  } catch (err) {
    throw new Error(`model ${spec} is not in the Hugging Face cache (${repo}); pass --model <folder>`, {
      cause: err,
    });
  }
  return join(repo, 'snapshots', revision);
}

/**
 * A texts file as make-texts.mjs writes it:
 * `{ tokens_per_text, count, seed, model, texts_sha256, sources, texts: string[] }`.
 * Every text is exactly `tokens_per_text` tokens long, [CLS] and [SEP] included.
 */
export function readTextsFile(file) {
  const data = JSON.parse(readFileSync(file, 'utf8'));
  if (!Number.isInteger(data.tokens_per_text) || !Array.isArray(data.texts) || data.texts.length === 0) {
    throw new Error(
      `${file} is not a benchmark texts file; regenerate it with node bench/embed/make-texts.mjs`,
    );
  }
  return data;
}

/** Fixed-size batches in file order; the last one may be short when count % batchSize ≠ 0. */
export function toBatches(texts, batchSize) {
  const batches = [];
  for (let i = 0; i < texts.length; i += batchSize) batches.push(texts.slice(i, i + batchSize));
  return batches;
}

/**
 * The timing loop of ragctl's own runners (MLX, onnx): checks every text is as long as the file
 * says under this tokenizer, embeds `warmup` untimed batches, then every batch `iterations`
 * times, timing each. Returns what resultLine needs.
 */
export async function timeEmbedder(embedder, data, { file, batchSize, warmup, iterations }) {
  const lengths = data.texts.map((t) => embedder.tokenizer.encode(t).length);
  const wrong = lengths.findIndex((n) => n !== data.tokens_per_text);
  if (wrong >= 0)
    throw new Error(
      `${file}: text ${wrong} has ${lengths[wrong]} tokens here, expected ${data.tokens_per_text}`,
    );
  const batches = toBatches(data.texts, batchSize);
  for (let i = 0; i < warmup; i++) await embedder.embed(batches[i % batches.length]);
  const batchMs = [];
  let done = 0;
  let last;
  const start = performance.now();
  for (let it = 0; it < iterations; it++) {
    for (const batch of batches) {
      const t0 = performance.now();
      last = await embedder.embed(batch);
      batchMs.push(performance.now() - t0);
      done += batch.length;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  if (!last.every(Number.isFinite)) throw new Error('non-finite embeddings');
  return { batchMs, done, seconds };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The one JSON line every runner prints (peer_st.py, peer_ort.mjs and the MLX runner alike);
 * run.sh collects these lines and table.mjs reads them.
 */
export function resultLine({
  runner,
  runtime,
  tokensPerText,
  batchSize,
  texts,
  seconds,
  tokens,
  batchMs,
  extra = {},
}) {
  const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
  return JSON.stringify({
    runner,
    ...runtime,
    tokens_per_text: tokensPerText,
    batch_size: batchSize,
    texts,
    seconds: round(seconds, 3),
    texts_per_s: round(texts / seconds),
    tokens_per_s: round(tokens / seconds),
    batch_ms_median: round(median(batchMs), 2),
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024), // maxRSS is KiB on every platform
    steady_rss_mb: round(process.memoryUsage().rss / (1024 * 1024)),
    ...extra,
  });
}
