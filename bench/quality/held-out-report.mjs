#!/usr/bin/env node
// The held-out corpora's numbers from two live eval.mjs runs each (labels `<corpus>-<before>` and
// `<corpus>-<after>`, the latest of each): per corpus and mode R@1 / R@5 / R@10 / MRR@10 with a
// 95 % bootstrap interval of MRR@10 over the questions, and the paired difference of the new
// hybrid against today's hybrid and against vector alone (docs/BENCHMARKS.md). `--mode vector`
// (or text) compares that mode of the two runs instead, against the new run's other modes.
//
//   node bench/quality/held-out-report.mjs --before baseline --after fileev [--level section] [--mode hybrid]
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bootstrapMean } from '../stats.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: {
    before: { type: 'string', default: 'baseline' },
    after: { type: 'string' },
    corpora: { type: 'string', default: 'git-man,py-lib,py-howto' },
    level: { type: 'string', default: 'section' },
    mode: { type: 'string', default: 'hybrid' },
  },
});
const outDir = join(repo, 'bench/out');
const runs = readdirSync(outDir)
  .filter((f) => /^quality-.*\.json$/.test(f))
  .sort()
  .map((f) => ({ f, run: JSON.parse(readFileSync(join(outDir, f), 'utf8')) }));
const latest = (label) => {
  const found = runs.filter((r) => r.run.meta.label === label).at(-1);
  if (!found) throw new Error(`no run labelled ${label} in ${outDir}: run eval.mjs --label ${label}`);
  return found;
};
const f3 = (x) => x.toFixed(3);
const signed = (x) => (x >= 0 ? `+${f3(x)}` : f3(x));
const ci = ([lo, hi]) => `[${f3(lo)}, ${f3(hi)}]`;
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const rr = (run, mode) =>
  run.questions.map((q) => {
    const r = q.modes[mode][`${args.level}Rank`];
    return r && r <= 10 ? 1 / r : 0;
  });
const at = (xs, n) => mean(xs.map((x) => (x >= 1 / n ? 1 : 0)));

const lines = [
  `level ${args.level}; ${args.mode} today = ${args.before}, ${args.mode} new = ${args.after}`,
  '',
  `| corpus | mode | R@1 | R@5 | R@10 | MRR@10 [95 % CI] | new ${args.mode} − this, paired 95 % CI |`,
  '|---|---|---:|---:|---:|---|---|',
];
for (const c of args.corpora.split(',')) {
  const before = latest(`${c}-${args.before}`);
  const after = latest(`${c}-${args.after}`);
  const neu = rr(after.run, args.mode);
  const rows = [
    ...['text', 'vector', 'hybrid'].filter((m) => m !== args.mode).map((m) => [m, rr(after.run, m)]),
    [`${args.mode} today`, rr(before.run, args.mode)],
    [`${args.mode} new`, neu],
  ];
  for (const [mode, xs] of rows) {
    const diff = neu.map((x, i) => x - xs[i]);
    lines.push(
      `| ${c} | ${mode} | ${f3(at(xs, 1))} | ${f3(at(xs, 5))} | ${f3(at(xs, 10))} | ${f3(mean(xs))} ${ci(bootstrapMean(xs, 12))} | ${xs === neu ? '' : `${signed(mean(diff))} ${ci(bootstrapMean(diff, 12))}`} |`,
    );
  }
  lines.push(`| ${c} | runs | ${before.f}, ${after.f} |||||`);
}
console.log(lines.join('\n'));
