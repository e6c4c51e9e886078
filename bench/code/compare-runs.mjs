#!/usr/bin/env node
// Paired comparison of two runs of bench/code/eval.mjs on the same base and questions: for each
// mode, after − before of R@5, R@10 and MRR@10 with percentile bootstrap 95 % intervals over the
// same resampled questions (seed 1, as eval.mjs), and how many questions got better or worse.
// A script, not a test.
//
//   node bench/code/compare-runs.mjs bench/out/code-ajv-BEFORE.json bench/out/code-ajv-AFTER.json

import { readFileSync } from 'node:fs';
import { bootstrapMean } from '../stats.mjs';

const [beforePath, afterPath] = process.argv.slice(2);
if (!beforePath || !afterPath)
  throw new Error('compare-runs: give the before and the after JSON of eval.mjs');
const before = JSON.parse(readFileSync(beforePath, 'utf8'));
const after = JSON.parse(readFileSync(afterPath, 'utf8'));
const afterById = new Map(after.questions.map((q) => [q.id, q]));
if (
  before.questions.length !== after.questions.length ||
  !before.questions.every((q) => afterById.has(q.id))
) {
  throw new Error('compare-runs: the two runs did not answer the same questions');
}

const METRICS = {
  'R@5': (rank) => (rank !== null && rank <= 5 ? 1 : 0),
  'R@10': (rank) => (rank !== null && rank <= 10 ? 1 : 0),
  'MRR@10': (rank) => (rank !== null && rank <= 10 ? 1 / rank : 0),
};
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;

console.log('| mode | metric | before | after | after − before [95 % CI] | better / worse (MRR) |');
console.log('|---|---|---|---|---|---|');
for (const mode of Object.keys(before.questions[0].modes)) {
  for (const [name, f] of Object.entries(METRICS)) {
    const pairs = before.questions.map((q) => [
      f(q.modes[mode].rank),
      f(afterById.get(q.id).modes[mode].rank),
    ]);
    const diffs = pairs.map(([b, a]) => a - b);
    const [lo, hi] = bootstrapMean(diffs);
    const counts =
      name === 'MRR@10' ? `${diffs.filter((d) => d > 0).length} / ${diffs.filter((d) => d < 0).length}` : '';
    console.log(
      `| ${mode} | ${name} | ${mean(pairs.map((p) => p[0])).toFixed(3)} | ${mean(pairs.map((p) => p[1])).toFixed(3)} | ${signed(mean(diffs))} [${signed(lo)}, ${signed(hi)}] | ${counts} |`,
    );
  }
}
