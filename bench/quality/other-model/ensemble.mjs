#!/usr/bin/env node
// Replays hybrid from eval.mjs's saved legs (top 50 each) with both models' vector legs: the
// shipped relative-score fusion of MiniLM's vector leg and the text leg, bge's instead, and
// three-way fusions (docs/BENCHMARKS.md §32). File evidence (0.01) is left out of every row, so
// the first row sits slightly below the live hybrid. Section-level MRR@10.
//
//   node bench/quality/other-model/ensemble.mjs     # after run.sh (and the -qp runs, §32)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const outDir = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'bench/out');
const runs = readdirSync(outDir)
  .filter((f) => /^quality-.*\.json$/.test(f))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(outDir, f), 'utf8')));
const latest = (label) => runs.filter((r) => r.meta.label === label).at(-1);

/** Each list's scores min-max scaled to [0, 1], keyed by file and lines (ids differ per index). */
function scaled(list) {
  const byKey = new Map();
  const scores = list.map((x) => x.score);
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  for (const x of list)
    byKey.set(`${x.rel}:${x.startLine}-${x.endLine}`, { v: hi > lo ? (x.score - lo) / (hi - lo) : 1, x });
  return byKey;
}
function fuse(lists, weights) {
  const all = new Map();
  lists.forEach((list, i) => {
    for (const [key, { v, x }] of scaled(list)) {
      const e = all.get(key) ?? { s: 0, x };
      e.s += weights[i] * v;
      all.set(key, e);
    }
  });
  return [...all.values()]
    .sort((a, b) => b.s - a.s)
    .slice(0, 10)
    .map((e) => e.x);
}
const rr = (top) => {
  const i = top.findIndex((x) => x.section);
  return i < 0 ? 0 : 1 / (i + 1);
};
const mean = (xs) => (xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(3);

console.log(
  '| corpus | MiniLM + text | bge + text | both vectors + text (¼ ¼ ½) | both vectors + text (⅓ each) | both vectors, no text |',
);
console.log('|---|---:|---:|---:|---:|---:|');
for (const c of ['git-man', 'py-lib', 'py-howto', 'pg-docs']) {
  const mini = latest(`${c}-minilm`);
  const bge = latest(`${c}-bge256-qp`) ?? latest(`${c}-bge256`);
  const rows = [[], [], [], [], []];
  mini.questions.forEach((q, i) => {
    const b = bge.questions[i];
    rows[0].push(rr(fuse([q.legs.vector, q.legs.text], [0.5, 0.5])));
    rows[1].push(rr(fuse([b.legs.vector, q.legs.text], [0.5, 0.5])));
    rows[2].push(rr(fuse([q.legs.vector, b.legs.vector, q.legs.text], [0.25, 0.25, 0.5])));
    rows[3].push(rr(fuse([q.legs.vector, b.legs.vector, q.legs.text], [1 / 3, 1 / 3, 1 / 3])));
    rows[4].push(rr(fuse([q.legs.vector, b.legs.vector], [0.5, 0.5])));
  });
  console.log(`| ${c} (${bge.meta.label}) | ${rows.map(mean).join(' | ')} |`);
}
