#!/usr/bin/env node
// Every metric of one labelled eval.mjs run with its 95 % bootstrap interval over the questions:
// per mode R@1, R@5, R@10 and MRR@10, at section and file level, and hybrid's paired
// differences to vector and to text alone. held-out-report.mjs gives an interval for MRR@10
// only; a recall read off 60–100 questions moves by ±0.1, which a table of R@k should show.
//
//   node bench/quality/run-intervals.mjs --label pg-docs-baseline     # the latest run so labelled
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bootstrapMean } from '../stats.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({ options: { label: { type: 'string' } } });
if (!args.label) throw new Error('--label is required: the label of an eval.mjs run in bench/out');
const outDir = join(repo, 'bench/out');
const file = readdirSync(outDir)
  .filter((f) => /^quality-.*\.json$/.test(f))
  .sort()
  .findLast((f) => JSON.parse(readFileSync(join(outDir, f), 'utf8')).meta.label === args.label);
if (!file) throw new Error(`no run labelled ${args.label} in ${outDir}: run eval.mjs --label ${args.label}`);
const run = JSON.parse(readFileSync(join(outDir, file), 'utf8'));

const f3 = (x) => x.toFixed(3);
const signed = (x) => (x >= 0 ? `+${f3(x)}` : f3(x));
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const cell = (xs, fmt = f3) => {
  const [lo, hi] = bootstrapMean(xs, 12);
  return `${fmt(mean(xs))} [${f3(lo)}, ${f3(hi)}]`;
};
/** Per question: the first relevant rank in the top 10, or Infinity. */
const ranks = (mode, level) =>
  run.questions.map((q) => {
    const r = q.modes[mode][`${level}Rank`];
    return r && r <= 10 ? r : Number.POSITIVE_INFINITY;
  });
const metrics = {
  'R@1': (r) => (r <= 1 ? 1 : 0),
  'R@5': (r) => (r <= 5 ? 1 : 0),
  'R@10': (r) => (r <= 10 ? 1 : 0),
  'MRR@10': (r) => 1 / r,
};

const lines = [`${file} · ${run.meta.label} · ${run.meta.questions} questions · ${run.meta.chunks} chunks`];
for (const level of ['section', 'file']) {
  lines.push(
    '',
    `${level} level, 95 % bootstrap intervals (10,000 resamples of the questions):`,
    '',
    `| mode | ${Object.keys(metrics).join(' | ')} |`,
    `|---|${Object.keys(metrics)
      .map(() => '---')
      .join('|')}|`,
  );
  for (const mode of ['text', 'vector', 'hybrid']) {
    const rs = ranks(mode, level);
    lines.push(
      `| ${mode} | ${Object.values(metrics)
        .map((m) => cell(rs.map(m)))
        .join(' | ')} |`,
    );
  }
  const hybrid = ranks('hybrid', level);
  for (const base of ['vector', 'text']) {
    const other = ranks(base, level);
    const diffs = Object.values(metrics).map((m) =>
      cell(
        hybrid.map((r, i) => m(r) - m(other[i])),
        signed,
      ),
    );
    lines.push(`| hybrid − ${base}, paired | ${diffs.join(' | ')} |`);
  }
}
console.log(lines.join('\n'));
