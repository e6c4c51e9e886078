#!/usr/bin/env node
// Replays hybrid search offline from the text and vector lists an eval run saved (each leg's
// top 50 per question, in bench/out/quality-*.json) with other fusion methods and settings.
// No model, no index: a grid takes a second.
//
//   node bench/quality/fusion-sweep.mjs [bench/out/quality-<stamp>.json]     # the grid
//   node bench/quality/fusion-sweep.mjs [file] --compare 'rs:a=0.7' 'rrf:k=60' [more pairs…]
//
// Methods (pool = candidates per leg, the store's max(4k, 50) = 50 at k = 10):
//   rrf:k=60,pool=50,wt=1,wv=1   reciprocal rank fusion, Σ w/(k + rank) — what ships; with
//                                equal weights it is the store's own fuseRrf
//   rs:a=0.5,pool=50             relative score fusion: each leg's scores min-max normalised
//                                over its pool, a × vector + (1 − a) × text
//   text, vector                 one leg alone
// The grid also splits the questions into odd and even ids, so a setting that only wins on
// one half shows as such. --compare prints paired-bootstrap 95 % intervals of MRR@10
// differences (10,000 resamples of the questions, seeded) for each pair A B: A − B.
import { readdirSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

register('../store/ts-loader.mjs', import.meta.url);
const { fuseRrf } = await import('../../src/store/search.js');

const here = dirname(fileURLToPath(import.meta.url));
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { compare: { type: 'boolean', default: false }, k: { type: 'string', default: '10' } },
});
const K = Number(args.k);
const outDir = resolve(here, '../../bench/out');
const isRunFile = (p) => p.endsWith('.json');
const file =
  positionals.find(isRunFile) ??
  join(
    outDir,
    readdirSync(outDir)
      .filter((f) => /^quality-.*\.json$/.test(f))
      .sort()
      .at(-1),
  );
const specs = positionals.filter((p) => !isRunFile(p));
const run = JSON.parse(readFileSync(file, 'utf8'));
const depth = run.meta.depth ?? 50;

// --- methods ------------------------------------------------------------------------------
function parseSpec(spec) {
  const [name, params = ''] = spec.split(':');
  const p = Object.fromEntries(
    params
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('='))
      .map(([key, v]) => [key, Number(v)]),
  );
  const pool = p.pool ?? 50;
  if (pool > depth) throw new Error(`${spec}: pool ${pool} is deeper than the saved legs (${depth})`);
  if (name === 'text' || name === 'vector') return (q) => q.legs[name].slice(0, K);
  if (name === 'rrf') {
    const { k = 60, wt = 1, wv = 1 } = p;
    return (q) => weightedRrf(q.legs.vector.slice(0, pool), q.legs.text.slice(0, pool), k, wv, wt);
  }
  if (name === 'rs') {
    const a = p.a ?? 0.5;
    return (q) => relativeScore(q.legs.vector.slice(0, pool), q.legs.text.slice(0, pool), a);
  }
  throw new Error(`unknown method ${spec}`);
}

function weightedRrf(vector, text, rrfK, wv, wt) {
  if (wv === 1 && wt === 1) return fuseRrf([vector, text], rrfK, K);
  const fused = new Map();
  for (const [list, w] of [
    [vector, wv],
    [text, wt],
  ]) {
    list.forEach((hit, i) => {
      const c = w / (rrfK + i + 1);
      const seen = fused.get(hit.id);
      if (seen) seen.score += c;
      else fused.set(hit.id, { ...hit, score: c });
    });
  }
  return topK(fused);
}

function relativeScore(vector, text, a) {
  const fused = new Map();
  for (const [list, w] of [
    [vector, a],
    [text, 1 - a],
  ]) {
    if (!list.length) continue;
    const scores = list.map((h) => h.score);
    const lo = Math.min(...scores);
    const hi = Math.max(...scores);
    for (const hit of list) {
      const c = w * (hi > lo ? (hit.score - lo) / (hi - lo) : 1);
      const seen = fused.get(hit.id);
      if (seen) seen.score += c;
      else fused.set(hit.id, { ...hit, score: c });
    }
  }
  return topK(fused);
}

const topK = (fused) =>
  [...fused.values()].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, K);

// --- scoring ------------------------------------------------------------------------------
const rank = (list, key) => {
  const i = list.findIndex((h) => h[key]);
  return i < 0 ? null : i + 1;
};
const rr = (list, key) => {
  const r = rank(list, key);
  return r ? 1 / r : 0;
};
function score(lists, key) {
  const ranks = lists.map((l) => rank(l, key));
  const n = ranks.length || 1;
  return {
    r10: ranks.filter((x) => x !== null).length / n,
    mrr: ranks.reduce((s, x) => s + (x ? 1 / x : 0), 0) / n,
  };
}
const f3 = (x) => x.toFixed(3);

// The shipped setting must replay the live hybrid results, or the grid means nothing.
let mismatches = 0;
for (const q of run.questions) {
  if (!q.modes.hybrid) continue;
  const replay = parseSpec(`rrf:k=${run.meta.rrfK}`)(q).map((h) => `${h.rel}:${h.startLine}-${h.endLine}`);
  if (q.modes.hybrid.top.join('\n') !== replay.join('\n')) mismatches++;
}
console.log(
  `${file}\nreplay of the live hybrid (RRF k ${run.meta.rrfK}, pool 50): ${mismatches ? `${mismatches} questions DIFFER` : 'identical'}\n`,
);

const categories = [...new Set(run.questions.map((q) => q.category))].sort();
const odd = (q) => Number(q.id.replace(/\D/g, '')) % 2 === 1;

if (!args.compare) {
  const grid = specs.length
    ? specs
    : [
        'text',
        'vector',
        ...[10, 20, 50].flatMap((pool) => [1, 10, 30, 60].map((k) => `rrf:k=${k},pool=${pool}`)),
        'rrf:k=60,wv=2',
        ...[0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map((a) => `rs:a=${a}`),
        'rs:a=0.5,pool=20',
        'rs:a=0.7,pool=20',
      ];
  console.log(
    `| method | MRR file | R@10 file | MRR section | R@10 section | ${categories.map((c) => `MRR sec. ${c}`).join(' | ')} | MRR sec. odd / even ids |`,
  );
  console.log(`|---|---:|---:|---:|---:|${categories.map(() => '---:').join('|')}|---:|`);
  for (const spec of grid) {
    const fuse = parseSpec(spec);
    const lists = run.questions.map(fuse);
    const f = score(lists, 'file');
    const s = score(lists, 'section');
    const by = (pred) =>
      score(
        run.questions
          .map((q, i) => [q, lists[i]])
          .filter(([q]) => pred(q))
          .map(([, l]) => l),
        'section',
      ).mrr;
    console.log(
      `| ${spec} | ${f3(f.mrr)} | ${f3(f.r10)} | ${f3(s.mrr)} | ${f3(s.r10)} | ${categories.map((c) => f3(by((q) => q.category === c))).join(' | ')} | ${f3(by(odd))} / ${f3(by((q) => !odd(q)))} |`,
    );
  }
} else {
  if (specs.length < 2 || specs.length % 2) throw new Error('--compare takes pairs of methods: A B [A B …]');
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const interval = (diffs) => {
    const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    const means = [];
    for (let i = 0; i < 10_000; i++) {
      let sum = 0;
      for (let j = 0; j < diffs.length; j++) sum += diffs[Math.floor(rand() * diffs.length)];
      means.push(sum / diffs.length);
    }
    means.sort((a, b) => a - b);
    return `${mean >= 0 ? '+' : ''}${f3(mean)} [${f3(means[250])}, ${f3(means[9749])}]`;
  };
  console.log(`| A − B | level | all | ${categories.join(' | ')} |`);
  console.log(`|---|---|---|${categories.map(() => '---').join('|')}|`);
  for (let i = 0; i < specs.length; i += 2) {
    const [a, b] = [parseSpec(specs[i]), parseSpec(specs[i + 1])];
    for (const key of ['file', 'section']) {
      const diffs = (pred) => run.questions.filter(pred).map((q) => rr(a(q), key) - rr(b(q), key));
      console.log(
        `| ${specs[i]} − ${specs[i + 1]} | ${key} | ${interval(diffs(() => true))} | ${categories.map((c) => interval(diffs((q) => q.category === c))).join(' | ')} |`,
      );
    }
  }
}
