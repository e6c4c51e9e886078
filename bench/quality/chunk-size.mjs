#!/usr/bin/env node
// Markdown chunk size on the held-out corpora (docs/BENCHMARKS.md, "Markdown chunk size, held
// out"): for each corpus and each maximum, a scratch copy of the corpus's config with
// `chunkMaxTokens: N` on the md engine and a data dir of its own (bench/data/quality-chunk/), then
// a live eval.mjs run labelled `<corpus>-cm<N>`. One run at a time: each indexes its corpus anew.
//
//   node bench/quality/chunk-size.mjs [--sizes 128,192,256] [--corpora git-man,py-lib,py-howto]
//   node bench/quality/chunk-size.mjs --report [--base 256]   # the runs' numbers, no new run
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bootstrapMean } from '../stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '128,192,256' },
    corpora: { type: 'string', default: 'git-man,py-lib,py-howto' },
    report: { type: 'boolean', default: false },
    base: { type: 'string', default: '256' },
  },
});
const sizes = args.sizes.split(',').map(Number);
const corpora = args.corpora.split(',');

/** The corpus's config with its relative paths made absolute, a data dir per size, and the maximum set. */
function scratchConfig(corpus, size) {
  const dir = join(here, 'corpora', corpus);
  const text = readFileSync(join(dir, 'config.yaml'), 'utf8');
  const abs = (rel) => resolve(dir, rel);
  const out = text
    .replace(
      /^dataDir: (.+)$/m,
      () => `dataDir: ${join(repo, 'bench/data/quality-chunk', `${corpus}-cm${size}`)}`,
    )
    .replace(/^(\s+- path: )(.+)$/m, (_, lead, p) => `${lead}${abs(p)}`)
    .replace(/^(\s+)chunker: markdown$/m, (line, indent) => `${line}\n${indent}chunkMaxTokens: ${size}`);
  if (!out.includes(`chunkMaxTokens: ${size}`))
    throw new Error(`${join(dir, 'config.yaml')}: no 'chunker: markdown' line to add chunkMaxTokens under`);
  const path = join(repo, 'bench/data/quality-chunk', `${corpus}-cm${size}.yaml`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, out);
  return path;
}

if (!args.report) {
  for (const c of corpora)
    for (const n of sizes) {
      console.error(`--- ${c}, chunkMaxTokens ${n}`);
      execFileSync(
        process.execPath,
        [
          join(here, 'eval.mjs'),
          '--config',
          scratchConfig(c, n),
          '--questions',
          join(here, 'corpora', c, 'questions.jsonl'),
          '--label',
          `${c}-cm${n}`,
          '--quiet',
        ],
        { stdio: 'inherit' },
      );
    }
}

// --- report: the latest run of each label -----------------------------------------------------
const outDir = join(repo, 'bench/out');
const runs = readdirSync(outDir)
  .filter((f) => /^quality-.*\.json$/.test(f))
  .sort()
  .map((f) => ({ f, run: JSON.parse(readFileSync(join(outDir, f), 'utf8')) }));
const latest = (label) => runs.filter((r) => r.run.meta.label === label).at(-1);
const f3 = (x) => x.toFixed(3);
const signed = (x) => (x >= 0 ? `+${f3(x)}` : f3(x));
const ci = ([lo, hi]) => `[${f3(lo)}, ${f3(hi)}]`;
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const rr = (run, mode) =>
  run.questions.map((q) => {
    const r = q.modes[mode].sectionRank;
    return r && r <= 10 ? 1 / r : 0;
  });
const at = (xs, n) => mean(xs.map((x) => (x >= 1 / n ? 1 : 0)));
const reached = (run, b) => run.questions.map((q) => (q.budget?.reached[b] ? 1 : 0));

const lines = [
  `section level; paired differences against chunkMaxTokens ${args.base} (95 % bootstrap, 10,000 resamples)`,
  '',
  '| corpus | max | chunks | index s | mode | R@1 | R@5 | R@10 | MRR@10 [95 % CI] | − base, paired | ≤512 tok | ≤1024 tok |',
  '|---|---:|---:|---:|---|---:|---:|---:|---|---|---:|---:|',
];
const table = {};
for (const c of corpora) {
  const base = latest(`${c}-cm${args.base}`);
  if (!base)
    throw new Error(`no run labelled ${c}-cm${args.base} in ${outDir}: run this script without --report`);
  table[c] = {};
  for (const n of sizes) {
    const found = latest(`${c}-cm${n}`);
    if (!found) throw new Error(`no run labelled ${c}-cm${n} in ${outDir}`);
    const { run } = found;
    const wall = run.meta.index?.indexing?.wallSeconds;
    table[c][n] = {
      mrr: mean(rr(run, 'hybrid')),
      r10: at(rr(run, 'hybrid'), 10) * run.questions.length,
      b512: mean(reached(run, 512)) * run.questions.length,
      b1024: mean(reached(run, 1024)) * run.questions.length,
      diff: rr(run, 'hybrid').map((x, i) => x - rr(base.run, 'hybrid')[i]),
    };
    for (const mode of ['text', 'vector', 'hybrid']) {
      const xs = rr(run, mode);
      const d = xs.map((x, i) => x - rr(base.run, mode)[i]);
      const budget =
        mode === 'hybrid' ? `${f3(mean(reached(run, 512)))} | ${f3(mean(reached(run, 1024)))}` : ' | ';
      lines.push(
        `| ${c} | ${n} | ${run.meta.chunks} | ${wall === undefined ? '–' : wall.toFixed(0)} | ${mode} | ${f3(at(xs, 1))} | ${f3(at(xs, 5))} | ${f3(at(xs, 10))} | ${f3(mean(xs))} ${ci(bootstrapMean(xs, 12))} | ${String(n) === args.base ? '' : `${signed(mean(d))} ${ci(bootstrapMean(d, 12))}`} | ${budget} |`,
      );
    }
  }
  lines.push(`| ${c} | runs | ${sizes.map((n) => latest(`${c}-cm${n}`).f).join(', ')} ||||||||||`);
}

// What each size costs and delivers, hybrid only: rows, the index on disk, indexing wall time,
// median search time (a loaded machine: approximate), file-level MRR@10, and the budget measures
// with their paired differences to the base.
const dirBytes = (dir) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((s, e) => s + statSync(join(e.parentPath, e.name)).size, 0);
lines.push(
  '',
  '| corpus | max | chunks (× base) | index MB | index s | hybrid ms p50 | file MRR@10 | ≤512 tok, − base paired | ≤1024 tok, − base paired | top 10 < 1024 tok |',
  '|---|---:|---:|---:|---:|---:|---:|---|---|---:|',
);
for (const c of corpora) {
  const base = latest(`${c}-cm${args.base}`).run;
  for (const n of sizes) {
    const { run } = latest(`${c}-cm${n}`);
    const indexDir = join(repo, 'bench/data/quality-chunk', `${c}-cm${n}`, 'index');
    const mb = existsSync(indexDir) ? (dirBytes(indexDir) / 2 ** 20).toFixed(1) : '–';
    const fileRr = run.questions.map((q) => {
      const r = q.modes.hybrid.fileRank;
      return r && r <= 10 ? 1 / r : 0;
    });
    const budget = (b) => {
      const xs = reached(run, b);
      const d = xs.map((x, i) => x - reached(base, b)[i]);
      return `${f3(mean(xs))}${String(n) === args.base ? '' : `, ${signed(mean(d))} ${ci(bootstrapMean(d, 12))}`}`;
    };
    lines.push(
      `| ${c} | ${n} | ${run.meta.chunks} (${(run.meta.chunks / base.meta.chunks).toFixed(2)}) | ${mb} | ${run.meta.index?.indexing?.wallSeconds?.toFixed(0) ?? '–'} | ${run.meta.searchMsMedian.hybrid.toFixed(1)} | ${f3(mean(fileRr))} | ${budget(512)} | ${budget(1024)} | ${f3(mean(run.questions.map((q) => (q.budget.topTokens < 1024 ? 1 : 0))))} |`,
    );
  }
}

/**
 * The adoption rule of docs/BENCHMARKS.md, fixed before the runs: a size beats the base on a set
 * of corpora when its hybrid MRR@10 is ≥ the base's on every one of them and above it by more than
 * noise (the paired interval's lower end > 0) on all but one of them (two of three; one of two),
 * and R@10 and both budget measures are not worse by more than one question on any of them.
 */
function wins(n, set) {
  const ok = set.every((c) => {
    const [x, b] = [table[c][n], table[c][args.base]];
    return x.mrr >= b.mrr && x.r10 >= b.r10 - 1 && x.b512 >= b.b512 - 1 && x.b1024 >= b.b1024 - 1;
  });
  const clear = set.filter((c) => bootstrapMean(table[c][n].diff, 12)[0] > 0).length;
  return ok && clear >= set.length - 1;
}
const candidates = sizes.filter((n) => String(n) !== args.base);
/** Among the sizes that win on `set`, the one with the best mean hybrid MRR@10 there; else the base. */
const choose = (set) => {
  const winners = candidates.filter((n) => wins(n, set));
  if (winners.length === 0) return args.base;
  const score = (n) => mean(set.map((c) => table[c][n].mrr));
  return String(winners.sort((a, b) => score(b) - score(a))[0]);
};
lines.push('', '| rule on | chosen | held out | its MRR@10 there − base, paired |', '|---|---|---|---|');
for (const held of corpora) {
  const rest = corpora.filter((c) => c !== held);
  const pick = choose(rest);
  const d = table[held][pick].diff;
  lines.push(
    `| ${rest.join(', ')} | ${pick} | ${held} | ${pick === args.base ? '(base)' : `${signed(mean(d))} ${ci(bootstrapMean(d, 12))}`} |`,
  );
}
lines.push('', `on all three: ${choose(corpora)}`);
console.log(lines.join('\n'));
