#!/usr/bin/env node
// Chooses the hybrid fusion on some corpora and reports it on the others. Replays fusion offline
// from the text and vector legs that eval.mjs saved (each leg's top 50 per question), so a grid
// of methods over every corpus takes seconds and no model.
//
//   node bench/quality/cross-corpus.mjs                      # latest run of each corpus
//   node bench/quality/cross-corpus.mjs --level file         # file-level hits instead of sections
//   node bench/quality/cross-corpus.mjs --runs a.json,b.json # explicit runs
//
// For each corpus held out, the method (and its setting) with the best mean MRR@10 over the
// *other* corpora is picked and reported on the held-out one, next to text alone, vector alone
// and the shipped fusion, with 95 % bootstrap intervals over that corpus's questions (10,000
// resamples, seeded) and paired intervals of the chosen method minus each baseline. So no
// number reported for a corpus was tuned on it.
//
// Methods (pool = 50 candidates a leg, the store's max(4k, 50) at k = 10):
//   rs:w        relative score: each leg min-max normalised over its candidates,
//               w × vector + (1 − w) × text (shipped with w = 0.5)
//   rrf:k       reciprocal rank fusion, Σ 1/(k + rank)
//   dbsf:w      distribution-based: each leg's scores as (s − (μ − 3σ)) / 6σ, clipped to 0–1
//   zs:w        z-scores of each leg over its candidates, a missed leg counts its lowest z
//   max:w       each leg divided by its best score (scores keep their absolute scale)
//   pool:w:n    rs:w over each leg's top n only
//   mnz:w       CombMNZ: rs:w, doubled for a hit both legs found
//   adapt:w:wk  rs with w for questions and wk for keyword-like queries (≤ 3 words, code marks)
//   agree:c     the text leg's share 0.5 × min(1, c × overlap), overlap = share of its top 10
//               that the vector leg also found: a text top that meaning does not back is noise
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { rng } from '../stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string' },
    level: { type: 'string', default: 'section' },
    k: { type: 'string', default: '10' },
    resamples: { type: 'string', default: '10000' },
    /** Only runs whose label matches this regular expression (e.g. 'baseline'). */
    match: { type: 'string' },
  },
});
const K = Number(args.k);
const LEVEL = args.level;

// --- runs: the latest of each corpus ------------------------------------------------------
const outDir = join(repo, 'bench/out');
const files = args.runs
  ? args.runs.split(',').map((f) => resolve(f))
  : readdirSync(outDir)
      .filter((f) => /^quality-.*\.json$/.test(f))
      .sort()
      .map((f) => join(outDir, f));
const byCorpus = new Map();
for (const f of files) {
  const run = JSON.parse(readFileSync(f, 'utf8'));
  const name = run.meta.corpus ?? run.meta.label?.split(/[-_ ]baseline|:/)[0];
  if (!name || !run.questions?.[0]?.legs?.text || run.meta.questions < 40) continue;
  if (args.match && !new RegExp(args.match).test(run.meta.label ?? '')) continue;
  byCorpus.set(name, { file: relative(repo, f), run });
}
const corpora = [...byCorpus.keys()].sort();
if (corpora.length < 2) throw new Error(`need runs of at least two corpora in ${outDir}, found ${corpora}`);

// --- fusion methods -----------------------------------------------------------------------
const topK = (fused) =>
  [...fused.values()].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, K);
const combine = (...a) => topK(fuseAll(...a));
/** Every hit of either leg with its fused score, unsorted. */
function fuseAll(legs, weights, normalise, missing = () => 0) {
  const fused = new Map();
  const parts = legs.map((list) => normalise(list));
  legs.forEach((list, i) => {
    for (const [j, hit] of list.entries()) {
      const seen = fused.get(hit.id) ?? { ...hit, score: 0, seen: new Set() };
      seen.score += weights[i] * parts[i][j];
      seen.seen.add(i);
      fused.set(hit.id, seen);
    }
  });
  for (const hit of fused.values())
    legs.forEach((_, i) => {
      if (!hit.seen.has(i)) hit.score += weights[i] * missing(parts[i]);
    });
  return fused;
}
const stats = (xs) => {
  const mean = xs.reduce((s, x) => s + x, 0) / (xs.length || 1);
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length || 1));
  return { mean, sd };
};
const NORMALISE = {
  rs: (list) => {
    const s = list.map((h) => h.score);
    const lo = Math.min(...s);
    const hi = Math.max(...s);
    return s.map((x) => (hi > lo ? (x - lo) / (hi - lo) : 1));
  },
  dbsf: (list) => {
    const s = list.map((h) => h.score);
    const { mean, sd } = stats(s);
    return s.map((x) => (sd > 0 ? Math.min(1, Math.max(0, (x - (mean - 3 * sd)) / (6 * sd))) : 1));
  },
  zs: (list) => {
    const s = list.map((h) => h.score);
    const { mean, sd } = stats(s);
    return s.map((x) => (sd > 0 ? (x - mean) / sd : 0));
  },
  max: (list) => {
    const s = list.map((h) => h.score);
    const hi = Math.max(...s);
    return s.map((x) => (hi > 0 ? x / hi : 0));
  },
};
/**
 * A query that looks like a lookup rather than a question: at most three words, or a word with
 * code punctuation (`fs.watch`, `--force`, `ERR_X`, `getUserName`).
 */
const isKeywordQuery = (query) => {
  const words = query.trim().split(/\s+/);
  return (
    words.length <= 3 ||
    words.some((w) => /[._()[\]{}/\\:=<>#$@-]|[a-z][A-Z]|^[A-Z0-9_]{3,}$/.test(w.replace(/[?!,]$/, '')))
  );
};
function method(spec) {
  const [name, p, p2] = spec.split(':');
  const x = Number(p);
  if (name === 'text' || name === 'vector') return (q) => q.legs[name].slice(0, K);
  if (name === 'pool') {
    // rs with weight x over the top p2 of each leg only.
    const n = Number(p2);
    return (q) => combine([q.legs.vector.slice(0, n), q.legs.text.slice(0, n)], [x, 1 - x], NORMALISE.rs);
  }
  if (name === 'mnz') {
    // CombMNZ: the rs sum times the number of legs that found the hit.
    return (q) => {
      const both = new Set(
        q.legs.vector.map((h) => h.id).filter((id) => q.legs.text.some((t) => t.id === id)),
      );
      const fused = fuseAll([q.legs.vector, q.legs.text], [x, 1 - x], NORMALISE.rs);
      for (const hit of fused.values()) if (both.has(hit.id)) hit.score *= 2;
      return topK(fused);
    };
  }
  if (name === 'agree') {
    // The text leg's share grows with how many of its top 10 the vector leg also found (in its
    // 50): a text top that meaning does not back is likely common-word noise. wt = 0.5 ×
    // min(1, x × overlap), the vector leg gets the rest.
    return (q) => {
      const inVector = new Set(q.legs.vector.map((h) => h.id));
      const top = q.legs.text.slice(0, 10);
      const overlap = top.length ? top.filter((h) => inVector.has(h.id)).length / top.length : 0;
      const wt = 0.5 * Math.min(1, x * overlap);
      return combine([q.legs.vector, q.legs.text], [1 - wt, wt], NORMALISE.rs);
    };
  }
  if (name === 'adapt') {
    // rs with weight x for questions and p2 for keyword-like queries.
    const wk = Number(p2);
    return (q) => {
      const w = isKeywordQuery(q.question) ? wk : x;
      return combine([q.legs.vector, q.legs.text], [w, 1 - w], NORMALISE.rs);
    };
  }
  if (name === 'rrf')
    return (q) => combine([q.legs.vector, q.legs.text], [1, 1], (l) => l.map((_, i) => 1 / (x + i + 1)));
  const normalise = NORMALISE[name];
  if (!normalise) throw new Error(`unknown method ${spec}`);
  const missing = name === 'zs' ? (part) => (part.length ? Math.min(...part) : 0) : () => 0;
  return (q) => combine([q.legs.vector, q.legs.text], [x, 1 - x], normalise, missing);
}
const WEIGHTS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
const GRID = [
  ...WEIGHTS.map((w) => `rs:${w}`),
  ...WEIGHTS.map((w) => `dbsf:${w}`),
  ...WEIGHTS.map((w) => `zs:${w}`),
  ...WEIGHTS.map((w) => `max:${w}`),
  ...[1, 10, 30, 60].map((k) => `rrf:${k}`),
  ...[0.5, 0.6, 0.7].flatMap((w) => [10, 20, 30].map((n) => `pool:${w}:${n}`)),
  ...[0.5, 0.6, 0.7].map((w) => `mnz:${w}`),
  ...[0.6, 0.7].flatMap((w) => [0.3, 0.5].map((wk) => `adapt:${w}:${wk}`)),
  ...[1, 2, 3, 5].map((c) => `agree:${c}`),
];
const BASELINES = ['text', 'vector', 'rs:0.5'];

// --- metrics ------------------------------------------------------------------------------
const key = LEVEL === 'file' ? 'file' : 'section';
const rankOf = (list) => {
  const i = list.findIndex((h) => h[key]);
  return i < 0 ? null : i + 1;
};
/** Per question: reciprocal rank and hits at 1, 5, 10. */
function perQuestion(run, spec) {
  const fuse = method(spec);
  return run.questions.map((q) => {
    const r = rankOf(fuse(q));
    return { rr: r ? 1 / r : 0, r1: r === 1 ? 1 : 0, r5: r && r <= 5 ? 1 : 0, r10: r ? 1 : 0 };
  });
}
const mean = (rows, m) => rows.reduce((s, x) => s + x[m], 0) / rows.length;

/** 95 % percentile interval of the mean of `values` (paired differences when given as such). */
function bootstrap(values, resamples = Number(args.resamples)) {
  const next = rng(12);
  const n = values.length;
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(next() * n)];
    means[b] = s / n;
  }
  means.sort();
  return [means[Math.floor(0.025 * resamples)], means[Math.floor(0.975 * resamples)]];
}
const f3 = (x) => x.toFixed(3);
const ci = ([lo, hi]) => `[${f3(lo)}, ${f3(hi)}]`;
const signed = (x) => (x >= 0 ? `+${f3(x)}` : f3(x));

// --- grid on every corpus -----------------------------------------------------------------
const table = new Map(); // spec → corpus → rows
for (const spec of [...new Set([...BASELINES, ...GRID])]) {
  table.set(spec, new Map(corpora.map((c) => [c, perQuestion(byCorpus.get(c).run, spec)])));
}
const out = [];
out.push(
  `level: ${LEVEL} · k ${K} · corpora: ${corpora.map((c) => `${c} (${byCorpus.get(c).run.meta.questions} q, ${byCorpus.get(c).file})`).join(', ')}`,
  '',
  `MRR@10 of every method on every corpus (the grid the choice is made from):`,
  '',
  `| method | ${corpora.join(' | ')} | mean |`,
  `|---|${corpora.map(() => '---:').join('|')}|---:|`,
);
for (const [spec, per] of table) {
  const ms = corpora.map((c) => mean(per.get(c), 'rr'));
  out.push(`| ${spec} | ${ms.map(f3).join(' | ')} | ${f3(ms.reduce((s, x) => s + x, 0) / ms.length)} |`);
}
out.push(
  '',
  'R@10 of every method on every corpus:',
  '',
  `| method | ${corpora.join(' | ')} |`,
  `|---|${corpora.map(() => '---:').join('|')}|`,
);
for (const [spec, per] of table)
  out.push(`| ${spec} | ${corpora.map((c) => f3(mean(per.get(c), 'r10'))).join(' | ')} |`);

// --- leave one corpus out -----------------------------------------------------------------
out.push(
  '',
  'Held out: the method chosen on the other corpora, reported on this one (R@1 / R@5 / R@10 / MRR@10, 95 % CI of MRR@10):',
  '',
);
out.push(
  '| held out | chosen on the others | method | R@1 | R@5 | R@10 | MRR@10 | MRR@10 95 % CI |',
  '|---|---|---|---:|---:|---:|---:|---|',
);
const diffs = [];
for (const held of corpora) {
  const others = corpora.filter((c) => c !== held);
  let best = null;
  for (const spec of GRID) {
    const score = others.reduce((s, c) => s + mean(table.get(spec).get(c), 'rr'), 0) / others.length;
    if (!best || score > best.score) best = { spec, score };
  }
  const rows = (spec) => table.get(spec).get(held);
  for (const [label, spec] of [
    ['text', 'text'],
    ['vector', 'vector'],
    ['shipped', 'rs:0.5'],
    ['chosen', best.spec],
  ]) {
    const r = rows(spec);
    out.push(
      `| ${held} | ${label === 'chosen' ? others.join(', ') : label} | ${spec} | ${f3(mean(r, 'r1'))} | ${f3(mean(r, 'r5'))} | ${f3(mean(r, 'r10'))} | ${f3(mean(r, 'rr'))} | ${ci(bootstrap(r.map((x) => x.rr)))} |`,
    );
  }
  for (const base of ['text', 'vector', 'rs:0.5']) {
    const a = rows(best.spec);
    const b = rows(base);
    const d = a.map((x, i) => x.rr - b[i].rr);
    diffs.push({ held, chosen: best.spec, base, d: mean(a, 'rr') - mean(b, 'rr'), ci: bootstrap(d) });
  }
}
out.push(
  '',
  'Tuned on one corpus, reported on each other one (MRR@10 of the method chosen there − shipped rs:0.5):',
  '',
  `| tuned on | chosen | ${corpora.map((c) => `on ${c}`).join(' | ')} |`,
  `|---|---|${corpora.map(() => '---:').join('|')}|`,
);
for (const tune of corpora) {
  let best = null;
  for (const spec of GRID) {
    const score = mean(table.get(spec).get(tune), 'rr');
    if (!best || score > best.score) best = { spec, score };
  }
  const cells = corpora.map((c) =>
    c === tune
      ? '(tuned)'
      : signed(mean(table.get(best.spec).get(c), 'rr') - mean(table.get('rs:0.5').get(c), 'rr')),
  );
  out.push(`| ${tune} | ${best.spec} | ${cells.join(' | ')} |`);
}
out.push('', 'Chosen minus baseline on the held-out corpus (MRR@10, paired bootstrap 95 % CI):', '');
out.push('| held out | chosen | − text | − vector | − shipped (rs:0.5) |', '|---|---|---|---|---|');
for (const held of corpora) {
  const row = diffs.filter((d) => d.held === held);
  out.push(`| ${held} | ${row[0].chosen} | ${row.map((d) => `${signed(d.d)} ${ci(d.ci)}`).join(' | ')} |`);
}
console.log(out.join('\n'));
