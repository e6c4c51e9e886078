#!/usr/bin/env node
// Replays hybrid ranking offline from dump-legs.mjs's dumps, with changes that cross-corpus.mjs
// cannot replay from the legs' top 50 alone: a second vector query moved towards the first
// one's best chunks (pseudo-relevance feedback), evidence from the other chunks of a hit's file
// or from its neighbours, agreement between the legs, text re-ordering vector's top N.
//
//   node bench/quality/dump-legs.mjs --corpus <c>        # once per corpus, after eval.mjs
//   node bench/quality/rank-replay.mjs [--corpora git-man,py-lib,py-howto] [--level section]
//   node bench/quality/rank-replay.mjs --family lex --shipped filesum:0.01 [--diagnose] [--fit]
//        lexical features (lexical/lexical-features.ts) on top of what ships (BENCHMARKS §23)
//
// The vector leg is recomputed exactly (cosine over every chunk; LanceDB scans flat too below
// its ANN threshold), so the replay of the shipped fusion ('rs') equals the live hybrid. For each
// corpus held out, the setting best on the others (mean MRR@10) is reported on it, with 95 %
// bootstrap intervals over its questions and paired intervals against shipped and vector.
import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bootstrapMean } from '../stats.mjs';
import { judge } from './sections.mjs';

register('../store/ts-loader.mjs', import.meta.url);
// The lexical features (terms made as the full-text index makes them).
const { lexicalFeatures } = await import('./lexical/lexical-features.js');

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    corpora: { type: 'string', default: 'git-man,py-lib,py-howto' },
    level: { type: 'string', default: 'section' },
    /** Only these specs (comma-separated) besides the baselines: for a quick look. */
    only: { type: 'string' },
    /** Choose only among specs of this variant (e.g. 'filesum'), with --shipped as the fallback. */
    family: { type: 'string' },
    /**
     * The ranking a change must beat (fallback of the choice, "− shipped" column): 'rs' (fusion
     * alone, as before file evidence) or e.g. 'filesum:0.01' (what ships since §19).
     */
    shipped: { type: 'string', default: 'rs' },
    /**
     * Also print, per lexical feature, how often the answer's value beats the wrong first hit's
     * where the shipped ranking puts a wrong chunk first and the answer is among the candidates.
     */
    diagnose: { type: 'boolean', default: false },
    /**
     * Also fit a linear model of all lexical features (one weight each, coordinate ascent on
     * mean MRR@10) on two corpora and report it on the third, rotated.
     */
    fit: { type: 'boolean', default: false },
  },
});
const K = 10;
const POOL = 50;
const corpora = args.corpora.split(',');

// --- data ---------------------------------------------------------------------------------
const fromBase64 = (s) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
function load(name) {
  const dump = JSON.parse(readFileSync(join(repo, 'bench/out', `legs-${name}.json`), 'utf8'));
  const chunks = dump.chunks.map(({ vector, ...c }) => ({ ...c, vector: fromBase64(vector) }));
  const byId = new Map(chunks.map((c, i) => [c.id, i]));
  // Neighbours: the chunks before and after in the same file, by line.
  const order = chunks
    .map((_, i) => i)
    .sort((a, b) => {
      const x = chunks[a];
      const y = chunks[b];
      return x.rel < y.rel ? -1 : x.rel > y.rel ? 1 : x.startLine - y.startLine;
    });
  const prev = new Int32Array(chunks.length).fill(-1);
  const next = new Int32Array(chunks.length).fill(-1);
  for (let j = 1; j < order.length; j++)
    if (chunks[order[j]].rel === chunks[order[j - 1]].rel) {
      prev[order[j]] = order[j - 1];
      next[order[j - 1]] = order[j];
    }
  const questions = dump.questions.map((q) => ({
    ...q,
    vector: fromBase64(q.vector),
    text: q.text.filter((h) => byId.has(h.id)).map((h) => ({ i: byId.get(h.id), score: h.score })),
    is: judge(q),
  }));
  // Sub-chunk vectors (dump-windows.mjs), when dumped: window → its chunk.
  const wPath = join(repo, 'bench/out', `legs-${name}.windows.json`);
  const windows = existsSync(wPath) ? JSON.parse(readFileSync(wPath, 'utf8')) : null;
  if (windows) {
    const all = fromBase64(windows.vectors);
    const dim = chunks[0].vector.length;
    windows.of = windows.ids.map((id) => byId.get(id));
    windows.vectors = windows.ids.map((_, j) => all.subarray(j * dim, (j + 1) * dim));
  }
  return { name, chunks, prev, next, questions, windows };
}

const dot = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const normalise = (v) => {
  const n = Math.sqrt(dot(v, v)) || 1;
  return v.map((x) => x / n);
};
/** The whole table's cosine similarities to `vector`, and the top `n` as a leg. */
function vectorLeg(corpus, vector, n = POOL) {
  const sims = corpus.chunks.map((c) => dot(c.vector, vector));
  const top = sims
    .map((s, i) => ({ i, score: s }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, n);
  return { sims, top };
}
const minMax = (leg) => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of leg) {
    lo = Math.min(lo, h.score);
    hi = Math.max(hi, h.score);
  }
  return new Map(leg.map((h) => [h.i, hi > lo ? (h.score - lo) / (hi - lo) : 1]));
};
/** Relative-score fusion as src/store/search.ts ships it: Map chunk → fused score. */
function rs(vLeg, tLeg, w = 0.5) {
  const out = new Map();
  for (const [i, s] of minMax(vLeg)) out.set(i, w * s);
  for (const [i, s] of minMax(tLeg)) out.set(i, (out.get(i) ?? 0) + (1 - w) * s);
  return out;
}
// Ties break by chunk id, as the store's fusion does.
let ids = [];
const ranked = (scores) =>
  [...scores.entries()].sort((a, b) => b[1] - a[1] || (ids[a[0]] < ids[b[0]] ? -1 : 1)).map(([i]) => i);

// --- variants -----------------------------------------------------------------------------
// Each returns the ranked chunk indices for a question. `ctx` caches the legs per question.
function legs(corpus, q) {
  q.cache ??= {};
  if (!q.cache.v) q.cache.v = vectorLeg(corpus, q.vector);
  return { v: q.cache.v, t: q.text.slice(0, POOL) };
}
/** q' = normalise(q + beta × mean of the vectors of `from`'s top m). */
function prfVector(corpus, q, topIdx, m, beta) {
  const v = Float32Array.from(q.vector);
  const take = topIdx.slice(0, m);
  for (const i of take) {
    const c = corpus.chunks[i].vector;
    for (let d = 0; d < v.length; d++) v[d] += (beta * c[d]) / take.length;
  }
  return normalise(v);
}
/** Fused score + g × the best fused score of another candidate of the same file. */
function fileBoost(c, f, g) {
  const best = new Map(); // rel → [best, second]
  for (const [i, s] of f) {
    const r = c.chunks[i].rel;
    const b = best.get(r) ?? [0, 0];
    if (s > b[0]) best.set(r, [s, b[0]]);
    else if (s > b[1]) best.set(r, [b[0], s]);
    else best.set(r, b);
  }
  const out = new Map();
  for (const [i, s] of f) {
    const b = best.get(c.chunks[i].rel);
    out.set(i, s + g * (b[0] === s ? b[1] : b[0]));
  }
  return out;
}
/** Fused score + g × the sum of the fused scores of the file's other candidates (`withFileEvidence`). */
function fileSum(c, f, g) {
  const sum = new Map();
  for (const [i, s] of f) sum.set(c.chunks[i].rel, (sum.get(c.chunks[i].rel) ?? 0) + s);
  const out = new Map();
  for (const [i, s] of f) out.set(i, s + g * (sum.get(c.chunks[i].rel) - s));
  return out;
}
/** The shipped ranking's scores (fusion + file evidence 0.01) + Σ weight × lexical feature. */
function withLex(c, q, weights) {
  const { v, t } = legs(c, q);
  const base = fileSum(c, rs(v.top, t), 0.01);
  q.cache.lex ??= lexicalFeatures(
    q.question,
    [...base.keys()].map((i) => ({
      id: String(i),
      text: c.chunks[i].text,
      headingPath: c.chunks[i].headingPath,
    })),
  );
  const out = new Map();
  for (const [i, s] of base) {
    const f = q.cache.lex.get(String(i));
    let score = s;
    for (const [name, g] of Object.entries(weights)) {
      if (!(name in f)) throw new Error(`lex: no feature ${name} (${LEX_FEATURES.join(', ')})`);
      score += g * f[name];
    }
    out.set(i, score);
  }
  return out;
}
/**
 * Mean vectors of groups of chunks (a file: `rel`; a section: `rel` + heading path), normalised,
 * cached per corpus: the prior a chunk's whole file or section gives it, over all its chunks,
 * not only the candidates.
 */
function groupVectors(c, key) {
  c.groups ??= {};
  if (c.groups[key]) return c.groups[key];
  const keyOf = key === 'file' ? (ch) => ch.rel : (ch) => `${ch.rel}\u0000${ch.headingPath.join('\u0000')}`;
  const sums = new Map();
  for (const ch of c.chunks) {
    const k = keyOf(ch);
    const sum = sums.get(k) ?? new Float32Array(ch.vector.length);
    for (let d = 0; d < sum.length; d++) sum[d] += ch.vector[d];
    sums.set(k, sum);
  }
  const vectors = new Map([...sums].map(([k, v]) => [k, normalise(v)]));
  c.groups[key] = { keyOf, vectors };
  return c.groups[key];
}
/** The shipped ranking (fusion + file evidence 0.01) + g × the min-max scaled cosine of the hit's file (or section) mean. */
function withGroupPrior(c, q, key, g) {
  const { v, t } = legs(c, q);
  const base = fileSum(c, rs(v.top, t), 0.01);
  const { keyOf, vectors } = groupVectors(c, key);
  const sims = new Map([...base.keys()].map((i) => [i, dot(vectors.get(keyOf(c.chunks[i])), q.vector)]));
  const scaled = minMax([...sims].map(([i, score]) => ({ i, score })));
  const out = new Map();
  for (const [i, s] of base) out.set(i, s + g * scaled.get(i));
  return out;
}
const VARIANTS = {
  text: () => (c, q) => legs(c, q).t.map((h) => h.i),
  vector: () => (c, q) => legs(c, q).v.top.map((h) => h.i),
  /** Shipped + g × the hit's file's mean vector's similarity to the query (scaled over the candidates). */
  filevec: (g) => (c, q) => ranked(withGroupPrior(c, q, 'file', Number(g))),
  /** The same with the hit's section (file + heading path): a long section's chunks share its topic. */
  secvec: (g) => (c, q) => ranked(withGroupPrior(c, q, 'section', Number(g))),
  rs:
    (w = 0.5) =>
    (c, q) => {
      const { v, t } = legs(c, q);
      return ranked(rs(v.top, t, Number(w)));
    },
  /** The ceiling of any re-ranking of the two pools: a hit among the candidates goes first. */
  oracle: () => (c, q) => {
    const { v, t } = legs(c, q);
    const pool = [...new Set([...v.top.map((h) => h.i), ...t.map((h) => h.i)])];
    return pool.sort((a, b) => Number(q.is[args.level](c.chunks[b])) - Number(q.is[args.level](c.chunks[a])));
  },
  /** Vector PRF from the vector leg's top m, then shipped fusion with the text leg. */
  prfv: (m, beta) => (c, q) => {
    const { v, t } = legs(c, q);
    const v2 = vectorLeg(
      c,
      prfVector(
        c,
        q,
        v.top.map((h) => h.i),
        Number(m),
        Number(beta),
      ),
    );
    return ranked(rs(v2.top, t));
  },
  /** Vector PRF from the hybrid's top m (so the text leg's evidence moves the query), then fusion. */
  prfh: (m, beta) => (c, q) => {
    const { v, t } = legs(c, q);
    const first = ranked(rs(v.top, t));
    const v2 = vectorLeg(c, prfVector(c, q, first, Number(m), Number(beta)));
    return ranked(rs(v2.top, t));
  },
  /** prfh, the second vector leg fused with the first and the text leg (weights w1 w2 text). */
  prfh3: (m, beta) => (c, q) => {
    const { v, t } = legs(c, q);
    const first = ranked(rs(v.top, t));
    const v2 = vectorLeg(c, prfVector(c, q, first, Number(m), Number(beta)));
    const out = new Map();
    for (const [i, s] of minMax(v.top)) out.set(i, 0.25 * s);
    for (const [i, s] of minMax(v2.top)) out.set(i, (out.get(i) ?? 0) + 0.25 * s);
    for (const [i, s] of minMax(t)) out.set(i, (out.get(i) ?? 0) + 0.5 * s);
    return ranked(out);
  },
  /** Vector leg scored by a × whole chunk + (1 − a) × its best window (the chunk when none), then rs. */
  win: (a) => (c, q) => {
    const { v, t } = legs(c, q);
    if (!c.windows) throw new Error(`no windows for ${c.name}: run dump-windows.mjs`);
    q.cache.best ??= (() => {
      const best = Float32Array.from(v.sims);
      c.windows.vectors.forEach((w, j) => {
        best[c.windows.of[j]] = Math.max(best[c.windows.of[j]], dot(w, q.vector));
      });
      return best;
    })();
    const score = v.sims.map((s, i) => Number(a) * s + (1 - Number(a)) * q.cache.best[i]);
    const top = score
      .map((x, i) => ({ i, score: x }))
      .sort((x, y) => y.score - x.score || x.i - y.i)
      .slice(0, POOL);
    return ranked(rs(top, t));
  },
  /** Fused score + g × the best fused score of another candidate of the same file. */
  file: (g) => (c, q) => {
    const { v, t } = legs(c, q);
    return ranked(fileBoost(c, rs(v.top, t), Number(g)));
  },
  /** Fused score + g × the sum of the other candidates of the same file (how often it matches). */
  filesum:
    (g, w = 0.5) =>
    (c, q) => {
      const { v, t } = legs(c, q);
      const f = rs(v.top, t, Number(w));
      const sum = new Map();
      for (const [i, s] of f) sum.set(c.chunks[i].rel, (sum.get(c.chunks[i].rel) ?? 0) + s);
      const out = new Map();
      for (const [i, s] of f) out.set(i, s + Number(g) * (sum.get(c.chunks[i].rel) - s));
      return ranked(out);
    },
  /** Fused score + g × the sum of the best n other candidates of the same file. */
  filetop: (n, g) => (c, q) => {
    const { v, t } = legs(c, q);
    const f = rs(v.top, t);
    const per = new Map();
    for (const [i, s] of f) {
      const l = per.get(c.chunks[i].rel) ?? [];
      l.push(s);
      per.set(c.chunks[i].rel, l);
    }
    for (const l of per.values()) l.sort((a, b) => b - a);
    const out = new Map();
    for (const [i, s] of f) {
      const l = per.get(c.chunks[i].rel);
      let sum = 0;
      let taken = 0;
      let skipped = false;
      for (const x of l) {
        if (!skipped && x === s) {
          skipped = true;
          continue;
        }
        if (taken++ >= Number(n)) break;
        sum += x;
      }
      out.set(i, s + Number(g) * sum);
    }
    return ranked(out);
  },
  /** Fused score + g × how many other candidates the file has. */
  filecount: (g) => (c, q) => {
    const { v, t } = legs(c, q);
    const f = rs(v.top, t);
    const n = new Map();
    for (const i of f.keys()) n.set(c.chunks[i].rel, (n.get(c.chunks[i].rel) ?? 0) + 1);
    const out = new Map();
    for (const [i, s] of f) out.set(i, s + Number(g) * (n.get(c.chunks[i].rel) - 1));
    return ranked(out);
  },
  /** Fused score + g × the best fused score of its neighbours (before and after in the file). */
  nb: (g) => (c, q) => {
    const { v, t } = legs(c, q);
    const f = rs(v.top, t);
    const out = new Map();
    for (const [i, s] of f) {
      const n = Math.max(f.get(c.prev[i]) ?? 0, f.get(c.next[i]) ?? 0);
      out.set(i, s + Number(g) * n);
    }
    return ranked(out);
  },
  /** Neighbour evidence from the raw cosine of the neighbours (every chunk has one, no pool limit). */
  nbv: (g) => (c, q) => {
    const { v, t } = legs(c, q);
    const f = rs(v.top, t);
    const sims = v.sims;
    const lo = v.top[v.top.length - 1].score;
    const hi = v.top[0].score;
    const norm = (i) => (i < 0 ? 0 : Math.max(0, (sims[i] - lo) / (hi - lo || 1)));
    const out = new Map();
    for (const [i, s] of f) out.set(i, s + Number(g) * Math.max(norm(c.prev[i]), norm(c.next[i])));
    return ranked(out);
  },
  /** Agreement: a candidate both legs found gets + b (b = 1 puts every such hit above single-leg ones). */
  both: (b) => (c, q) => {
    const { v, t } = legs(c, q);
    const f = rs(v.top, t);
    const inT = new Set(t.map((h) => h.i));
    const out = new Map();
    for (const h of v.top) out.set(h.i, f.get(h.i) + (inT.has(h.i) ? Number(b) : 0));
    for (const h of t) if (!out.has(h.i)) out.set(h.i, f.get(h.i));
    return ranked(out);
  },
  /** Text as a re-ranker: vector's top n, re-ordered by rs(w) over them; then the rest of vector. */
  rerank:
    (n, w = 0.5) =>
    (c, q) => {
      const { v, t } = legs(c, q);
      const f = rs(v.top, t, Number(w));
      const head = v.top.slice(0, Number(n)).map((h) => h.i);
      head.sort((a, b) => f.get(b) - f.get(a) || a - b);
      return [...head, ...v.top.slice(Number(n)).map((h) => h.i)];
    },
  /** rs(w), then a chunk of a section (file + heading path) already ranked above it scores × d. */
  sect: (w, d) => (c, q) => {
    const { v, t } = legs(c, q);
    const f = rs(v.top, t, Number(w));
    const seen = new Set();
    const out = new Map();
    for (const i of ranked(f)) {
      const key = `${c.chunks[i].rel}\u0000${c.chunks[i].headingPath.join('\u0000')}`;
      out.set(i, seen.has(key) ? f.get(i) * Number(d) : f.get(i));
      seen.add(key);
    }
    return ranked(out);
  },
  /**
   * Lexical evidence (lexical/lexical-features.ts) on top of the shipped ranking (fusion + file
   * evidence 0.01): + g × one feature of the candidate ('coverage', 'coverageIdf', 'heading',
   * 'headingIdf', 'proximity', 'bigram'); a second feature and weight make it a linear model.
   */
  lex:
    (feature, g, feature2, g2 = 0) =>
    (c, q) => {
      const weights = { [feature]: Number(g) };
      if (feature2) weights[feature2] = Number(g2);
      return ranked(withLex(c, q, weights));
    },
  /** A linear model: + Σ wᵢ × featureᵢ, one weight per LEX_FEATURES entry in order (`--fit`). */
  lexw:
    (...w) =>
    (c, q) =>
      ranked(withLex(c, q, Object.fromEntries(LEX_FEATURES.map((f, i) => [f, Number(w[i] ?? 0)])))),
  /** prfh then file evidence. */
  prfhfile: (m, beta, g) => (c, q) => {
    const { v, t } = legs(c, q);
    const first = ranked(rs(v.top, t));
    const v2 = vectorLeg(c, prfVector(c, q, first, Number(m), Number(beta)));
    return ranked(fileBoost(c, rs(v2.top, t), Number(g)));
  },
};
const GRID = [
  ...['0.3', '0.4', '0.6'].map((w) => `rs:${w}`),
  ...[3, 5, 10].flatMap((m) => [0.3, 0.6, 1, 2].map((b) => `prfv:${m}:${b}`)),
  ...[1, 2, 3, 5, 10].flatMap((m) => [0.3, 0.6, 1, 2].map((b) => `prfh:${m}:${b}`)),
  ...[1, 3, 5].flatMap((m) => [0.6, 1, 2].map((b) => `prfh3:${m}:${b}`)),
  ...[0.05, 0.1, 0.2, 0.3, 0.5].map((g) => `file:${g}`),
  ...[0.01, 0.02, 0.05, 0.1].map((g) => `filesum:${g}`),
  ...[0.05, 0.1, 0.2, 0.3].map((g) => `nb:${g}`),
  ...[0.05, 0.1, 0.2].map((g) => `nbv:${g}`),
  ...[0.05, 0.1, 0.2, 1].map((b) => `both:${b}`),
  ...[10, 20, 30].flatMap((n) => [0.5, 0.7].map((w) => `rerank:${n}:${w}`)),
  ...[3, 5].flatMap((m) => [1, 2].flatMap((b) => [0.1, 0.2].map((g) => `prfhfile:${m}:${b}:${g}`))),
  ...[0.5, 0.6].flatMap((w) => [0, 0.5, 0.8].map((d) => `sect:${w}:${d}`)),
  ...[0.55, 0.65, 0.7].map((w) => `rs:${w}`),
  ...[10, 15].flatMap((n) => [0.4, 0.6].map((w) => `rerank:${n}:${w}`)),
  ...[0.02, 0.05, 0.1, 0.2, 0.3].flatMap((g) => [`filevec:${g}`, `secvec:${g}`]),
];
const LEX_FEATURES = ['coverage', 'coverageIdf', 'heading', 'headingIdf', 'proximity', 'bigram'];
const LEX_WEIGHTS = [0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3];
/** Lexical evidence: each feature alone, and coverage or its IDF version with a second feature. */
const LEX_GRID = [
  ...LEX_FEATURES.flatMap((f) => LEX_WEIGHTS.map((g) => `lex:${f}:${g}`)),
  ...['coverage', 'coverageIdf'].flatMap((f) =>
    ['headingIdf', 'proximity', 'bigram'].flatMap((f2) =>
      [0.02, 0.05, 0.1].flatMap((g) => [0.02, 0.05, 0.1].map((g2) => `lex:${f}:${g}:${f2}:${g2}`)),
    ),
  ),
];
const BASELINES = [...new Set(['text', 'vector', 'rs', args.shipped])];
const grid = args.family === 'lex' ? LEX_GRID : GRID;
const specs = args.only ? [...BASELINES, ...args.only.split(',')] : [...BASELINES, ...grid];

// --- metrics ------------------------------------------------------------------------------
function perQuestion(corpus, spec) {
  ids = corpus.chunks.map((c) => c.id);
  const [name, ...p] = spec.split(':');
  const make = VARIANTS[name];
  if (!make) throw new Error(`unknown variant ${spec}`);
  const rank = make(...p);
  return corpus.questions.map((q) => {
    const top = rank(corpus, q).slice(0, K);
    const r = top.findIndex((i) => q.is[args.level](corpus.chunks[i])) + 1;
    return { rr: r ? 1 / r : 0, r1: r === 1 ? 1 : 0, r5: r && r <= 5 ? 1 : 0, r10: r ? 1 : 0 };
  });
}
const mean = (rows, m) => rows.reduce((s, x) => s + x[m], 0) / rows.length;
const f3 = (x) => x.toFixed(3);
const signed = (x) => (x >= 0 ? `+${f3(x)}` : f3(x));
const ci = ([lo, hi]) => `[${f3(lo)}, ${f3(hi)}]`;

const data = corpora.map(load);
const table = new Map(specs.map((s) => [s, new Map(data.map((c) => [c.name, perQuestion(c, s)]))]));
const out = [
  `level ${args.level} · pool ${POOL} · ${data.map((c) => `${c.name} (${c.questions.length} q, ${c.chunks.length} chunks)`).join(', ')}`,
  '',
  `| spec | ${corpora.map((c) => `${c} MRR / R@10`).join(' | ')} | mean MRR |`,
  `|---|${corpora.map(() => '---:').join('|')}|---:|`,
];
for (const [spec, per] of table) {
  const ms = corpora.map((c) => mean(per.get(c), 'rr'));
  out.push(
    `| ${spec} | ${corpora.map((c, i) => `${f3(ms[i])} / ${f3(mean(per.get(c), 'r10'))}`).join(' | ')} | ${f3(ms.reduce((s, x) => s + x, 0) / ms.length)} |`,
  );
}
out.push(
  '',
  'Held out (chosen by mean MRR@10 on the other corpora):',
  '',
  '| held out | spec | R@1 | R@5 | R@10 | MRR@10 [95 % CI] | − shipped | − vector |',
  '|---|---|---:|---:|---:|---|---|---|',
);
const SHIPPED = args.shipped;
const candidates = specs.filter(
  (s) => s === SHIPPED || (!BASELINES.includes(s) && (!args.family || s.split(':')[0] === args.family)),
);
for (const held of corpora) {
  const others = corpora.filter((c) => c !== held);
  let best = null;
  for (const spec of candidates) {
    const score = others.reduce((s, c) => s + mean(table.get(spec).get(c), 'rr'), 0);
    if (!best || score > best.score) best = { spec, score };
  }
  for (const spec of [...new Set(['text', 'vector', 'rs', SHIPPED, best.spec])]) {
    const r = table.get(spec).get(held);
    const d = (base) => {
      const b = table.get(base).get(held);
      const diff = r.map((x, i) => x.rr - b[i].rr);
      return `${signed(mean(r, 'rr') - mean(b, 'rr'))} ${ci(bootstrapMean(diff, 12))}`;
    };
    out.push(
      `| ${held} | ${spec === best.spec ? `chosen: ${spec}` : spec} | ${f3(mean(r, 'r1'))} | ${f3(mean(r, 'r5'))} | ${f3(mean(r, 'r10'))} | ${f3(mean(r, 'rr'))} ${ci(
        bootstrapMean(
          r.map((x) => x.rr),
          12,
        ),
      )} | ${d(SHIPPED)} | ${d('vector')} |`,
    );
  }
}
out.push(
  '',
  `Tuned on one corpus, reported on each other one (MRR@10 − shipped ${SHIPPED}; R@10 in brackets):`,
  '',
  `| tuned on | chosen | ${corpora.map((c) => `on ${c}`).join(' | ')} |`,
  `|---|---|${corpora.map(() => '---:').join('|')}|`,
);
for (const tune of corpora) {
  let best = null;
  for (const spec of candidates) {
    const score = mean(table.get(spec).get(tune), 'rr');
    if (!best || score > best.score) best = { spec, score };
  }
  const cells = corpora.map((c) => {
    if (c === tune) return '(tuned)';
    const r = table.get(best.spec).get(c);
    return `${signed(mean(r, 'rr') - mean(table.get(SHIPPED).get(c), 'rr'))} (${f3(mean(r, 'r10'))})`;
  });
  out.push(`| ${tune} | ${best.spec} | ${cells.join(' | ')} |`);
}
if (args.diagnose) out.push('', ...diagnoseLex());
if (args.fit) out.push('', ...fitLex());
console.log(out.join('\n'));

/**
 * A weight per lexical feature, fitted on the other corpora by coordinate ascent (each weight in
 * turn set to the grid value that most raises their mean MRR@10, until a sweep changes nothing),
 * then reported on the held-out corpus against the shipped ranking.
 */
function fitLex() {
  const GRID_W = [-0.3, -0.2, -0.1, -0.05, -0.02, 0, 0.02, 0.05, 0.1, 0.2, 0.3];
  const SWEEPS = 4;
  const lines = [
    `Linear model of all lexical features, fitted on the other corpora (weights: ${LEX_FEATURES.join(', ')}):`,
    '',
    '| held out | fitted weights | fitted-on MRR@10 (shipped) | R@10 (shipped) | MRR@10 [95 % CI] | − shipped |',
    '|---|---|---|---|---|---|',
  ];
  for (const held of data) {
    const train = data.filter((c) => c !== held);
    const trainMrr = (spec) =>
      train.reduce((sum, c) => sum + mean(perQuestion(c, spec), 'rr'), 0) / train.length;
    let w = LEX_FEATURES.map(() => 0);
    let best = trainMrr(`lexw:${w.join(':')}`);
    for (let sweep = 0; sweep < SWEEPS; sweep++) {
      let moved = false;
      for (let k = 0; k < w.length; k++)
        for (const g of GRID_W) {
          const trial = w.with(k, g);
          const m = trainMrr(`lexw:${trial.join(':')}`);
          if (m > best + 1e-9) {
            best = m;
            w = trial;
            moved = true;
          }
        }
      if (!moved) break;
    }
    const r = perQuestion(held, `lexw:${w.join(':')}`);
    const b = table.get(SHIPPED).get(held.name);
    const diff = r.map((x, i) => x.rr - b[i].rr);
    lines.push(
      `| ${held.name} | ${w.join(', ')} | ${f3(best)} (${f3(trainMrr(SHIPPED))}) | ${f3(mean(r, 'r10'))} (${f3(mean(b, 'r10'))}) | ${f3(mean(r, 'rr'))} ${ci(
        bootstrapMean(
          r.map((x) => x.rr),
          12,
        ),
      )} | ${signed(mean(r, 'rr') - mean(b, 'rr'))} ${ci(bootstrapMean(diff, 12))} |`,
    );
  }
  return lines;
}

/**
 * Whether the lexical features could tell the answer from the chunk ranked above it: for each
 * question whose shipped first hit is wrong while an answering chunk is among the candidates,
 * the best-ranked answering chunk's feature against the first hit's (higher / equal / lower).
 */
function diagnoseLex() {
  const lines = [
    'Lexical features, answer vs the wrong first hit (shipped ranking; questions with the answer among the candidates but not first):',
    '',
    `| corpus | questions | ${LEX_FEATURES.map((f) => `${f} > / = / <`).join(' | ')} |`,
    `|---|---:|${LEX_FEATURES.map(() => '---').join('|')}|`,
  ];
  for (const c of data) {
    ids = c.chunks.map((x) => x.id);
    const count = Object.fromEntries(LEX_FEATURES.map((f) => [f, [0, 0, 0]]));
    let n = 0;
    for (const q of c.questions) {
      VARIANTS.lex('coverage', 0)(c, q); // fills q.cache.lex over the candidates
      const { v, t } = legs(c, q);
      const order = ranked(fileSum(c, rs(v.top, t), 0.01));
      const answer = order.find((i) => q.is[args.level](c.chunks[i]));
      if (answer === undefined || answer === order[0]) continue;
      n++;
      const a = q.cache.lex.get(String(answer));
      const top = q.cache.lex.get(String(order[0]));
      for (const f of LEX_FEATURES) count[f][a[f] > top[f] ? 0 : a[f] === top[f] ? 1 : 2]++;
    }
    lines.push(`| ${c.name} | ${n} | ${LEX_FEATURES.map((f) => count[f].join(' / ')).join(' | ')} |`);
  }
  // What the features would add to a search: every question's candidates, five rounds, warm.
  const ms = [];
  let pool = 0;
  for (let round = 0; round < 6; round++)
    for (const c of data)
      for (const q of c.questions) {
        const { v, t } = legs(c, q);
        const cands = [...rs(v.top, t).keys()].map((i) => ({
          id: String(i),
          text: c.chunks[i].text,
          headingPath: c.chunks[i].headingPath,
        }));
        const started = performance.now();
        lexicalFeatures(q.question, cands);
        if (round > 0) ms.push(performance.now() - started);
        pool += round > 0 ? cands.length : 0;
      }
  ms.sort((a, b) => a - b);
  const at = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(2);
  lines.push(
    '',
    `Features' cost per search (${ms.length} timings, ${(pool / ms.length).toFixed(0)} candidates on average): p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms`,
  );
  return lines;
}
