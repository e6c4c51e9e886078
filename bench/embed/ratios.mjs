#!/usr/bin/env node
// Throughput ratios per run and length, from one or more runs of bench/embed/run.sh: each
// ragctl runner against the best fp32 peer of the same run (sentence-transformers,
// transformers.js) and, where both ran, the fused onnx graph against the plain one. Ratios
// are what count on a shared machine: the runners of one run saw the same load, roughly.
//
//   node bench/embed/ratios.mjs bench/out/embed-A.jsonl [bench/out/embed-B.jsonl …]
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node bench/embed/ratios.mjs <results.jsonl> [more.jsonl …]');
  process.exit(2);
}

const PEERS = ['sentence-transformers', 'transformers.js+onnxruntime'];
const OURS = ['ragctl-onnx', 'ragctl-onnx-plain', 'ragctl-onnx-int8', 'ragctl-mlx'];
const fmt = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

const lines = [
  '| run | load at start | tokens/text | best peer (tokens/s) | ' +
    OURS.map((r) => `${r} / best peer`).join(' | ') +
    ' | onnx fused / plain |',
  `|---|---|---:|---|${OURS.map(() => '---:').join('|')}|---:|`,
];
for (const file of files) {
  const records = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const meta = records.find((r) => r.meta)?.meta ?? {};
  const load = /load average: ([\d.]+)/.exec(meta.uptime_at_start ?? '')?.[1] ?? '?';
  const rows = records.filter((r) => typeof r.runner === 'string');
  const lengths = [...new Set(rows.map((r) => r.tokens_per_text))].sort((a, b) => a - b);
  for (const n of lengths) {
    const at = (runner) => rows.find((r) => r.runner === runner && r.tokens_per_text === n)?.tokens_per_s;
    const peers = PEERS.map((p) => [p, at(p)]).filter(([, v]) => Number.isFinite(v));
    const [bestName, best] = peers.sort((a, b) => b[1] - a[1])[0] ?? ['–', Number.NaN];
    lines.push(
      `| ${meta.stamp ?? file} | ${load} | ${n} | ${bestName} (${Number.isFinite(best) ? Math.round(best) : '–'}) | ` +
        OURS.map((r) => fmt(at(r) / best)).join(' | ') +
        ` | ${fmt(at('ragctl-onnx') / at('ragctl-onnx-plain'))} |`,
    );
  }
}
console.log(lines.join('\n'));
