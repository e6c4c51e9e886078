#!/usr/bin/env node

// Project folders read by the code and Markdown engines together (a repository's code, docs and
// changelog), asked what a developer asks while working ("how"), and what its changelog answers
// ("history"). Measures the Markdown mapper's rank-down of release notes (its changelog, news,
// history files: src/engines/markdown/release-notes.ts) at each factor, side by side on one
// index. A script, not a test.
//
//   node bench/quality/project-eval.mjs --config <config.yaml> --root <folder the question paths are under>
//        --questions <questions.jsonl> [--factors 1,0.85,0.7,0.7+asked]
//
// `<factor>+asked`: as shipped, a query asking about releases (RELEASE_QUESTION) is not ranked
// down; a bare factor ranks every query's release notes down.
//
// Questions: {"id", "kind": "how" | "history", "question", "relevant": [{"path", "lines": [a, b]}]},
// paths relative to --root. A hit answers where any of its places (its lines, its copies, the
// other rows of its passage) overlaps a labelled range. Hybrid, k 10, the config's own re-rank
// depth; one read-only app per factor, each question once.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bootstrapMean, machine } from '../stats.mjs';

register('../store/ts-loader.mjs', import.meta.url);
const { values: args } = parseArgs({
  options: {
    config: { type: 'string' },
    root: { type: 'string' },
    questions: { type: 'string' },
    factors: { type: 'string', default: '1,0.85,0.7,0.7+asked' },
  },
});
if (!args.config || !args.root || !args.questions) {
  console.error(
    'usage: project-eval.mjs --config <config.yaml> --root <folder> --questions <questions.jsonl> [--factors 1,0.7]',
  );
  process.exit(2);
}
const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { ReadOnlyApp } = await import('../../src/app-reader.js');
const { documentMapper } = await import('../../src/engines/document-mapper.js');
const { RELEASE_NOTES_PATHS, RELEASE_QUESTION } = await import('../../src/engines/markdown/release-notes.js');

const config = loadConfig({ configPath: resolve(args.config) });
const logger = createLogger({ level: 'warn', pretty: false });
const root = resolve(args.root);
const questions = readFileSync(resolve(args.questions), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));
const factors = args.factors.split(',');
const shipped = documentMapper.hybridRankDown;

const rel = (path) => relative(root, path);
const overlaps = (q, path, a, b) =>
  q.relevant.some((r) => r.path === path && a <= r.lines[1] && b >= r.lines[0]);
/** Whether a hit answers `q`: any of the places it shows overlaps a labelled range. */
const answers = (q, h) =>
  overlaps(q, rel(h.path), h.startLine, h.endLine) ||
  (h.copies ?? []).some((c) => overlaps(q, rel(c.path), c.startLine, c.endLine)) ||
  (h.parts ?? []).some((p) => overlaps(q, rel(h.path), p.startLine, p.endLine));
const isReleaseNotes = (h) => RELEASE_NOTES_PATHS.test(relative(h.root, h.path).split('\\').join('/'));

const runs = {};
for (const factor of factors) {
  // The mapper is read when an app opens: each factor gets its own app.
  // The release-notes rule at this factor; the mapper's other rules (listings) as shipped.
  const [by, asked] = factor.split('+');
  const others = shipped.filter((rule) => rule.paths !== RELEASE_NOTES_PATHS);
  const releaseNotes = {
    paths: RELEASE_NOTES_PATHS,
    factor: Number(by),
    why: 'release notes',
    ...(asked ? { unlessAsked: RELEASE_QUESTION } : {}),
  };
  documentMapper.hybridRankDown = Number(by) === 1 ? others : [releaseNotes, ...others];
  const app = await ReadOnlyApp.open(config, { logger });
  const per = [];
  try {
    for (const q of questions) {
      const { results } = await app.search.search({ query: q.question, k: 10 });
      const rank = results.findIndex((h) => answers(q, h)) + 1;
      per.push({
        id: q.id,
        kind: q.kind,
        rank: rank || null,
        releaseNotesInTop5: results.slice(0, 5).filter(isReleaseNotes).length,
        top: results.slice(0, 5).map((h) => `${rel(h.path)}:${h.startLine}-${h.endLine}`),
      });
    }
  } finally {
    await app.close();
  }
  runs[factor] = per;
}
documentMapper.hybridRankDown = shipped;

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rr = (r) => (r.rank ? 1 / r.rank : 0);
const fmt = (x) => x.toFixed(3);
const m = machine();
console.log(
  `${args.questions}: ${questions.length} questions; ${m.cpu}, ${m.cores} cores, OPENBLAS_CORETYPE ${m.openblasCoretype ?? 'unset'}`,
);
console.log(
  '| kind | factor | R@1 | R@5 | R@10 | MRR@10 [95 % CI] | − factor 1, paired | release-notes rows in the top 5 |',
);
console.log('|---|---:|---:|---:|---:|---|---|---:|');
for (const kind of [...new Set(questions.map((q) => q.kind))]) {
  const base = runs[factors[0]].filter((r) => r.kind === kind);
  for (const factor of factors) {
    const rows = runs[factor].filter((r) => r.kind === kind);
    const [lo, hi] = bootstrapMean(rows.map(rr));
    const diff = rows.map((r, i) => rr(r) - rr(base[i]));
    const [dlo, dhi] = bootstrapMean(diff);
    console.log(
      `| ${kind} | ${factor} | ${fmt(mean(rows.map((r) => (r.rank === 1 ? 1 : 0))))} | ${fmt(mean(rows.map((r) => (r.rank && r.rank <= 5 ? 1 : 0))))} | ${fmt(mean(rows.map((r) => (r.rank ? 1 : 0))))} | ${fmt(mean(rows.map(rr)))} [${fmt(lo)}, ${fmt(hi)}] | ${factor === factors[0] ? '' : `${mean(diff) >= 0 ? '+' : ''}${fmt(mean(diff))} [${fmt(dlo)}, ${fmt(dhi)}]`} | ${fmt(mean(rows.map((r) => r.releaseNotesInTop5)))} |`,
    );
  }
}
mkdirSync(resolve('bench/out'), { recursive: true });
const out = resolve(`bench/out/project-eval-${new Date().toISOString().replace(/[:.]/g, '')}.json`);
writeFileSync(
  out,
  `${JSON.stringify({ machine: m, config: args.config, questions: args.questions, runs }, null, 1)}\n`,
);
console.log(`per question: ${out}`);
