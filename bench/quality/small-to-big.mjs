#!/usr/bin/env node
// "Small to big": the vector leg scored from 128-token chunks, the full-text leg and the hits from
// the 256-token chunks (what ships), fused at the 256-chunk level. Measures whether hybrid gains
// before anyone builds a second vector index; ragctl does not build it.
//
// A 256-chunk's vector score is an aggregate of the cosines of the 128-chunks overlapping it
// (same file, line ranges intersect): `max`, `top2` (mean of the best two) or `mix`
// (0.5 × its own cosine + 0.5 × max). The vector pool is the top 50 256-chunks by that score,
// the text pool the live run's text leg (top 50 BM25), then the shipped fusion: relative score
// 0.5 / 0.5 + file evidence 0.01 (src/store/file-evidence.ts). The aggregation is chosen leave one
// corpus out (best mean hybrid MRR@10 on the two others) and reported on the third.
//
// Needs, per corpus, the indexes and live runs of chunk-size.mjs (BENCHMARKS §24):
// bench/data/quality-chunk/<c>-cm128 and -cm256, and bench/out/quality-*.json labelled <c>-cm256.
//
//   node bench/quality/small-to-big.mjs [--corpora git-man,py-lib,py-howto] [--redump]
//   → the tables on stdout; per corpus the chunks, vectors and query vectors in bench/out/s2b-<c>.json
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bootstrapMean } from '../stats.mjs';
import { judge, sectionLines } from './sections.mjs';

register('../store/ts-loader.mjs', import.meta.url);

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    corpora: { type: 'string', default: 'git-man,py-lib,py-howto' },
    redump: { type: 'boolean', default: false },
  },
});
const corpora = args.corpora.split(',');
const K = 10;
const POOL = 50;
/** File evidence as shipped (src/store/search.ts). */
const FILE_WEIGHT = 0.01;
const AGGREGATIONS = ['max', 'top2', 'mix'];

// --- dump: the two indexes' chunks and the query vectors, once per corpus -----------------------
const fromBase64 = (s) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const toBase64 = (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
/** The corpus-relative path of a stored chunk: the index may have been built in another checkout. */
const relOf = (path) => {
  const m = /\/bench\/data\/quality\/[^/]+\/corpus\/(.*)$/.exec(path);
  if (!m)
    throw new Error(`${path}: not under bench/data/quality/<corpus>/corpus; rebuild with chunk-size.mjs`);
  return m[1];
};

/**
 * A copy of chunk-size.mjs's scratch config with the data dir and the source pointing into this
 * checkout (the copies of the indexes may name the checkout they were built in).
 */
function scratchConfig(corpus, size, dir) {
  const src = join(repo, 'bench/data/quality-chunk', `${corpus}-cm${size}.yaml`);
  if (!existsSync(src)) throw new Error(`${src}: missing; run bench/quality/chunk-size.mjs first`);
  const text = readFileSync(src, 'utf8')
    .replace(/^dataDir: .*$/m, `dataDir: ${join(repo, 'bench/data/quality-chunk', `${corpus}-cm${size}`)}`)
    .replace(/^ {2}- path: .*$/m, `  - path: ${join(repo, 'bench/data/quality', corpus, 'corpus')}`);
  const out = join(dir, `${corpus}-cm${size}.yaml`);
  writeFileSync(out, text);
  return out;
}

async function dump(corpus) {
  const { loadConfig } = await import('../../src/config/load.js');
  const { createLogger } = await import('../../src/log.js');
  const { App } = await import('../../src/app.js');
  const dir = mkdtempSync(join(tmpdir(), 's2b-'));
  const out = { corpus, sizes: {} };
  try {
    for (const size of [128, 256]) {
      const config = loadConfig({ configPath: scratchConfig(corpus, size, dir) });
      const app = await App.open(config, {
        logger: createLogger({ level: 'warn', pretty: false }),
        readConsistencyS: 0,
      });
      try {
        const embedder = app.embedders.get(config.engines.md.embedder);
        const chunks = [];
        const columns = ['id', 'path', 'start_line', 'end_line', 'text', 'vector'];
        for await (const batch of app.indexer.table('md').scan(columns, undefined)) {
          const [id, path, start, end, text, vector] = columns.map((c) => batch.getChild(c));
          for (let i = 0; i < batch.numRows; i++)
            chunks.push({
              id: id.get(i),
              rel: relOf(path.get(i)),
              startLine: start.get(i),
              endLine: end.get(i),
              // What the embedder saw (breadcrumb + body), in its word pieces without [CLS]/[SEP].
              tokens: embedder.tokenizer.countTokens(text.get(i)) - 2,
              vector: toBase64(Float32Array.from(vector.get(i).toArray())),
            });
        }
        if (chunks.length === 0)
          throw new Error(`${config.dataDir}: empty md table; rebuild with chunk-size.mjs`);
        out.sizes[size] = chunks;
        if (size === 256) {
          // The query vectors once, from the same embedder (both indexes use the same model).
          const questions = readQuestions(corpus);
          out.queries = {};
          for (const q of questions)
            out.queries[q.id] = toBase64(await embedder.embed([q.question], { priority: 'query' }));
        }
      } finally {
        await app.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function readQuestions(corpus) {
  const root = realpathSync(join(repo, 'bench/data/quality', corpus, 'corpus'));
  const qs = readFileSync(join(here, 'corpora', corpus, 'questions.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  for (const q of qs)
    for (const r of q.relevant)
      for (const s of r.sections ?? []) s.lines ??= sectionLines(join(root, r.path), s.heading, q.id);
  return qs;
}

/** The newest live run labelled `<corpus>-cm256` (chunk-size.mjs): its text leg and hybrid top 10. */
function liveRun(corpus) {
  const label = `${corpus}-cm256`;
  const files = readdirSync(join(repo, 'bench/out'))
    .filter((f) => /^quality-.*\.json$/.test(f))
    .sort()
    .reverse();
  for (const f of files) {
    const run = JSON.parse(readFileSync(join(repo, 'bench/out', f), 'utf8'));
    if (run.meta?.label === label) return { file: f, run };
  }
  throw new Error(`no bench/out/quality-*.json labelled ${label}; run bench/quality/chunk-size.mjs`);
}

async function load(corpus) {
  const cache = join(repo, 'bench/out', `s2b-${corpus}.json`);
  if (args.redump || !existsSync(cache)) writeFileSync(cache, JSON.stringify(await dump(corpus)));
  const raw = JSON.parse(readFileSync(cache, 'utf8'));
  const big = raw.sizes[256].map((c) => ({ ...c, vector: fromBase64(c.vector) }));
  const small = raw.sizes[128].map((c) => ({ ...c, vector: fromBase64(c.vector) }));
  const bigById = new Map(big.map((c, i) => [c.id, i]));
  // Each 256-chunk's overlapping 128-chunks: same file, line ranges intersect.
  const byFile = new Map();
  small.forEach((c, j) => {
    const l = byFile.get(c.rel) ?? [];
    l.push(j);
    byFile.set(c.rel, l);
  });
  const children = big.map((b) =>
    (byFile.get(b.rel) ?? []).filter(
      (j) => small[j].startLine <= b.endLine && small[j].endLine >= b.startLine,
    ),
  );
  // Sensitivity: only the 128-chunks inside the 256-chunk, as children cut from their parent
  // would be (a 128-chunk across a boundary here counts for both parents).
  const inside = big.map((b, i) =>
    children[i].filter((j) => small[j].startLine >= b.startLine && small[j].endLine <= b.endLine),
  );
  const { file, run } = liveRun(corpus);
  const live = new Map(run.questions.map((q) => [q.id, q]));
  const questions = readQuestions(corpus).map((q) => {
    const l = live.get(q.id);
    if (!l) throw new Error(`${file}: no question ${q.id}`);
    const text = l.legs.text.map((h) => {
      if (!bigById.has(h.id)) throw new Error(`${file}: text hit ${h.id} is not in the cm256 index`);
      return { i: bigById.get(h.id), score: h.score };
    });
    return { ...q, vector: fromBase64(raw.queries[q.id]), text, live: l.modes, is: judge(q) };
  });
  return { name: corpus, big, small, children, inside, questions, liveFile: file };
}

// --- ranking ------------------------------------------------------------------------------------
const dot = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const topOf = (scores, n) =>
  Array.from(scores, (score, i) => ({ i, score }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, n);
const minMax = (leg) => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of leg) {
    lo = Math.min(lo, h.score);
    hi = Math.max(hi, h.score);
  }
  return new Map(leg.map((h) => [h.i, hi > lo ? (h.score - lo) / (hi - lo) : 1]));
};
/** What ships: relative-score fusion 0.5 / 0.5, then file evidence, ties by chunk id. */
function shippedFusion(c, vLeg, tLeg) {
  const fused = new Map();
  for (const [i, s] of minMax(vLeg)) fused.set(i, 0.5 * s);
  for (const [i, s] of minMax(tLeg)) fused.set(i, (fused.get(i) ?? 0) + 0.5 * s);
  const perFile = new Map();
  for (const [i, s] of fused) {
    const f = perFile.get(c.big[i].rel) ?? { sum: 0, count: 0 };
    f.sum += s;
    f.count++;
    perFile.set(c.big[i].rel, f);
  }
  return [...fused.entries()]
    .map(([i, s]) => {
      const f = perFile.get(c.big[i].rel);
      return [i, s + FILE_WEIGHT * (f.count > 1 ? f.sum - s : 0)];
    })
    .sort((a, b) => b[1] - a[1] || (c.big[a[0]].id < c.big[b[0]].id ? -1 : 1))
    .map(([i]) => i);
}
/** A 256-chunk's vector score from its own cosine and its 128-chunks' cosines. */
function aggregate(agg, own, kids) {
  if (kids.length === 0) return own;
  const sorted = [...kids].sort((a, b) => b - a);
  if (agg === 'max') return sorted[0];
  if (agg === 'top2') return sorted.length > 1 ? (sorted[0] + sorted[1]) / 2 : sorted[0];
  if (agg === 'mix') return 0.5 * own + 0.5 * sorted[0];
  throw new Error(`unknown aggregation ${agg} (${AGGREGATIONS.join(', ')})`);
}

/** Per question, each variant's ranked list of 256-chunks (128-chunks for `vector@128`). */
function rankings(c, q) {
  const own = c.big.map((b) => dot(b.vector, q.vector));
  const smallSims = c.small.map((s) => dot(s.vector, q.vector));
  const out = {
    'vector@256': topOf(own, POOL).map((h) => h.i),
    'hybrid shipped': shippedFusion(c, topOf(own, POOL), q.text.slice(0, POOL)),
  };
  for (const agg of AGGREGATIONS) {
    const mapped = own.map((o, i) =>
      aggregate(
        agg,
        o,
        c.children[i].map((j) => smallSims[j]),
      ),
    );
    const vLeg = topOf(mapped, POOL);
    out[`vector 128→256 ${agg}`] = vLeg.map((h) => h.i);
    out[`hybrid 128→256 ${agg}`] = shippedFusion(c, vLeg, q.text.slice(0, POOL));
  }
  const maxInside = own.map((o, i) =>
    aggregate(
      'max',
      o,
      c.inside[i].map((j) => smallSims[j]),
    ),
  );
  out['hybrid 128→256 max, inside only'] = shippedFusion(c, topOf(maxInside, POOL), q.text.slice(0, POOL));
  return { out, smallTop: topOf(smallSims, K).map((h) => h.i) };
}

function score(rankIdx, chunks, is) {
  const r = rankIdx.slice(0, K).findIndex((i) => is.section(chunks[i])) + 1;
  return { rr: r ? 1 / r : 0, r1: r === 1 ? 1 : 0, r5: r && r <= 5 ? 1 : 0, r10: r ? 1 : 0 };
}

// --- report ---------------------------------------------------------------------------------------
const mean = (rows, m) => rows.reduce((s, x) => s + x[m], 0) / rows.length;
const f3 = (x) => x.toFixed(3);
const signed = (x) => (x >= 0 ? `+${f3(x)}` : f3(x));
const ci = ([lo, hi]) => `[${f3(lo)}, ${f3(hi)}]`;
const label = (h) => `${h.rel}:${h.startLine}-${h.endLine}`;

const data = [];
for (const name of corpora) data.push(await load(name));
const lines = [];
const results = new Map(); // corpus → variant → per-question scores
for (const c of data) {
  const per = {};
  let sameHybrid = 0;
  let sameVector = 0;
  for (const q of c.questions) {
    const { out, smallTop } = rankings(c, q);
    for (const [v, ranked] of Object.entries(out)) {
      per[v] ??= [];
      per[v].push(score(ranked, c.big, q.is));
    }
    per['vector@128 (own chunks)'] ??= [];
    per['vector@128 (own chunks)'].push(score(smallTop, c.small, q.is));
    // The replay of what ships must equal the live run: same top 10, in order.
    const top = (v) => out[v].slice(0, K).map((i) => label(c.big[i]));
    if (JSON.stringify(top('hybrid shipped')) === JSON.stringify(q.live.hybrid.top)) sameHybrid++;
    if (JSON.stringify(top('vector@256')) === JSON.stringify(q.live.vector.top)) sameVector++;
  }
  const liveMrr = mean(
    c.questions.map((q) => ({ rr: q.live.hybrid.sectionRank ? 1 / q.live.hybrid.sectionRank : 0 })),
    'rr',
  );
  // sectionRank counts past the top 10 only if the run looked further; MRR@10 ignores it.
  const liveMrr10 = mean(
    c.questions.map((q) => {
      const r = q.live.hybrid.sectionRank;
      return { rr: r && r <= K ? 1 / r : 0 };
    }),
    'rr',
  );
  lines.push(
    `${c.name}: ${c.questions.length} q, ${c.big.length} chunks @256, ${c.small.length} @128; replay = live (${c.liveFile}): hybrid top 10 ${sameHybrid}/${c.questions.length}, vector top 10 ${sameVector}/${c.questions.length}; hybrid MRR@10 replay ${f3(mean(per['hybrid shipped'], 'rr'))}, live ${f3(liveMrr10)} (${f3(liveMrr)})`,
  );
  results.set(c.name, per);
}

lines.push(
  '',
  'Section level, 95 % bootstrap over questions (10,000 resamples); paired difference of MRR@10 to hybrid shipped:',
  '',
  '| corpus | ranking | R@1 | R@5 | R@10 | MRR@10 [95 % CI] | − hybrid shipped, paired |',
  '|---|---|---:|---:|---:|---|---|',
);
for (const c of data) {
  const per = results.get(c.name);
  const base = per['hybrid shipped'];
  const order = [
    'vector@256',
    'vector@128 (own chunks)',
    ...AGGREGATIONS.map((a) => `vector 128→256 ${a}`),
    'hybrid shipped',
    ...AGGREGATIONS.map((a) => `hybrid 128→256 ${a}`),
    'hybrid 128→256 max, inside only',
  ];
  for (const v of order) {
    const r = per[v];
    const diff =
      v === 'hybrid shipped'
        ? ''
        : `${signed(mean(r, 'rr') - mean(base, 'rr'))} ${ci(
            bootstrapMean(
              r.map((x, i) => x.rr - base[i].rr),
              12,
            ),
          )}`;
    lines.push(
      `| ${c.name} | ${v} | ${f3(mean(r, 'r1'))} | ${f3(mean(r, 'r5'))} | ${f3(mean(r, 'r10'))} | ${f3(mean(r, 'rr'))} ${ci(
        bootstrapMean(
          r.map((x) => x.rr),
          12,
        ),
      )} | ${diff} |`,
    );
  }
}

lines.push(
  '',
  'Aggregation chosen leave one corpus out (best mean hybrid MRR@10 on the other two), reported on the third:',
  '',
  '| held out | chosen (MRR@10 on the others) | R@1 | R@5 | R@10 | MRR@10 | − hybrid shipped, paired | per-question better / worse |',
  '|---|---|---:|---:|---:|---:|---|---|',
);
for (const held of data) {
  const others = data.filter((c) => c !== held);
  let best = null;
  for (const a of AGGREGATIONS) {
    const m =
      others.reduce((s, c) => s + mean(results.get(c.name)[`hybrid 128→256 ${a}`], 'rr'), 0) / others.length;
    if (!best || m > best.m) best = { a, m };
  }
  const r = results.get(held.name)[`hybrid 128→256 ${best.a}`];
  const base = results.get(held.name)['hybrid shipped'];
  const diff = r.map((x, i) => x.rr - base[i].rr);
  lines.push(
    `| ${held.name} | ${best.a} (${f3(best.m)}) | ${f3(mean(r, 'r1'))} | ${f3(mean(r, 'r5'))} | ${f3(mean(r, 'r10'))} | ${f3(mean(r, 'rr'))} | ${signed(mean(r, 'rr') - mean(base, 'rr'))} ${ci(bootstrapMean(diff, 12))} | ${diff.filter((d) => d > 0).length} / ${diff.filter((d) => d < 0).length} |`,
  );
}

lines.push(
  '',
  'Cost: rows and vectors, and the word pieces embedded (breadcrumb + body, without [CLS]/[SEP]):',
  '',
  '| corpus | rows @256 | rows @128 (× 256) | 128-chunks per 256-chunk: mean / median / max | 256-chunks with none inside | pieces @256 | pieces @128 (× 256) | both indexes (× 256) |',
  '|---|---:|---:|---|---:|---:|---:|---:|',
);
for (const c of data) {
  const n = c.children.map((k) => k.length).sort((a, b) => a - b);
  const t256 = c.big.reduce((s, x) => s + x.tokens, 0);
  const t128 = c.small.reduce((s, x) => s + x.tokens, 0);
  lines.push(
    `| ${c.name} | ${c.big.length} | ${c.small.length} (${(c.small.length / c.big.length).toFixed(2)}) | ${(n.reduce((s, x) => s + x, 0) / n.length).toFixed(2)} / ${n[Math.floor(n.length / 2)]} / ${n[n.length - 1]} | ${f3(c.inside.filter((k) => k.length === 0).length / c.big.length)} | ${t256} | ${t128} (${(t128 / t256).toFixed(2)}) | ${(1 + c.small.length / c.big.length).toFixed(2)} rows, ${((t128 + t256) / t256).toFixed(2)} pieces |`,
  );
}
console.log(lines.join('\n'));
