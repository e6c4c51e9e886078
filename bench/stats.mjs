// What the benchmark scripts share: a seeded generator, so sampled corpora and bootstrap
// intervals come out the same on every run; the percentile bootstrap of a mean; the median;
// timing two ways of one job side by side; and the machine a figure was measured on.
import { cpus } from 'node:os';

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Percentile bootstrap (95 %) of the mean of `xs`, resampling its items (questions). */
export function bootstrapMean(xs, seed = 1, resamples = 10000) {
  const rand = rng(seed);
  const n = xs.length;
  const means = [];
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[Math.floor(rand() * n)];
    means.push(s / n);
  }
  means.sort((a, b) => a - b);
  return [means[Math.floor(0.025 * resamples)], means[Math.floor(0.975 * resamples) - 1]];
}

/** The middle value of `xs` (the upper one of an even count). */
export function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/**
 * Times two (or more) ways of doing the same work over `items`, side by side in one process:
 * round 0 warms the JIT and caches and is not counted, later rounds alternate which way goes
 * first. Each way returns a count (chunks made); `counts` is the last round's total per way.
 */
export function sideBySide(ways, items, rounds) {
  const names = Object.keys(ways);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const counts = {};
  for (let round = 0; round <= rounds; round++) {
    const order = round % 2 ? [...names].reverse() : names;
    for (const way of order) {
      const started = performance.now();
      let n = 0;
      for (const item of items) n += ways[way](item);
      if (round > 0) times[way].push(performance.now() - started);
      counts[way] = n;
    }
  }
  const medianMs = Object.fromEntries(names.map((n) => [n, median(times[n])]));
  return { times, counts, medianMs };
}

/** The machine a figure was measured on, as every results file records it. */
export function machine() {
  return {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null,
  };
}
