#!/usr/bin/env node
// Prints the Markdown table for one run's JSON lines (bench/out/embed-<timestamp>.jsonl):
// one row per runner × tokens per text.
//
//   node bench/embed/table.mjs bench/out/embed-20250101T120000.jsonl
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/embed/table.mjs <results.jsonl>');
  process.exit(2);
}

const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('{'))
  .map((line) => JSON.parse(line))
  .filter((r) => typeof r.runner === 'string');
rows.sort((a, b) => a.tokens_per_text - b.tokens_per_text || a.runner.localeCompare(b.runner));

const fmt = (x, digits = 0) =>
  typeof x === 'number'
    ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';
const lines = [
  '| runner | tokens/text | batch | texts/s | tokens/s | batch ms (median) | peak RSS MB | steady RSS MB |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.runner} | ${r.tokens_per_text} | ${r.batch_size} | ${fmt(r.texts_per_s, 1)} | ${fmt(r.tokens_per_s)} | ` +
      `${fmt(r.batch_ms_median, 1)} | ${fmt(r.peak_rss_mb)} | ${fmt(r.steady_rss_mb)} |`,
  ),
];
console.log(lines.join('\n'));
