#!/usr/bin/env node
// Searching several engines at once: does a question find its answer as well as when it is asked
// of its own engine alone? A script, not a test.
//
//   node bench/quality/make-corpora.mjs && node bench/code/make-bases.mjs --check   # the sources
//   node bench/xengine/eval.mjs [--reindex] [--modes hybrid,vector,text] [--sets py-howto,git-man,flask,click]
//
// One index in bench/data/xengine/ (git-ignored) holds three engines as a user's config declares
// them: `md` over two Markdown corpora of bench/quality (py-howto, git-man), `code` over two code
// bases of bench/code (flask, click), and `sql` over the stderr log of a real PostgreSQL server
// (test/helpers/pg-server.ts: a private server in a temp dir, pgbench and the query families,
// logged with log_min_duration_statement = 0; the log keeps the server's own messages, as a
// user's does). Each question set is asked three ways, k = 10, one index:
//   own  its own engine only (`engine: md` / `code`): the reference;
//   rrf  all engines, merged as before: 1/(60 + rank) over each engine's top 10 (the store's
//        `fuseRrf` over the engines' own lists: the exact former behaviour);
//   new  all engines, as `ragctl search` does now (the live SearchService).
// Reports per set and mode MRR@10, R@5, R@10 with 95 % bootstrap intervals of new − rrf and
// new − own (paired over questions), and the share of top-5 slots taken by other engines.
// Writes bench/out/xengine-<time>.json.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isAnswer, symbolOf } from '../code/judge.mjs';
import { judge, sectionLines } from '../quality/sections.mjs';
import { bootstrapMean } from '../stats.mjs';

register('../store/ts-loader.mjs', import.meta.url);

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    reindex: { type: 'boolean', default: false },
    modes: { type: 'string', default: 'hybrid,vector,text' },
    sets: { type: 'string', default: 'py-howto,git-man,flask,click' },
  },
});
const K = 10;
const MODES = args.modes.split(',');
const data = join(repo, 'bench/data');
const dir = join(data, 'xengine');
const sqlDir = join(dir, 'sql');

const { resolveConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { App } = await import('../../src/app.js');
const { optimizeIfWorthIt } = await import('../../src/cli/optimize.js');
const { fuseRrf } = await import('../../src/store/search.js');
const { findPostgres, runPgWorkload } = await import('../../test/helpers/pg-server.ts');

/** Question sets: where their sources are, which engine reads them, how a hit is judged. */
const SETS = {
  'py-howto': markdownSet('py-howto'),
  'git-man': markdownSet('git-man'),
  flask: codeSet('flask'),
  click: codeSet('click'),
};
const sets = args.sets.split(',').map((name) => {
  if (!SETS[name])
    throw new Error(`xengine: no question set '${name}' (sets: ${Object.keys(SETS).join(', ')})`);
  return { name, ...SETS[name] };
});

function markdownSet(corpus) {
  const root = join(data, 'quality', corpus, 'corpus');
  const file = join(repo, 'bench/quality/corpora', corpus, 'questions.jsonl');
  return {
    engine: 'md',
    root,
    questions: () =>
      lines(file).map((q) => {
        for (const r of q.relevant)
          for (const s of r.sections ?? []) s.lines ??= sectionLines(join(root, r.path), s.heading, q.id);
        const is = judge(q);
        return { id: q.id, question: q.question, isAnswer: (h) => is.section(slim(h, root)) };
      }),
  };
}

/** A code question's answer, judged as bench/code/eval.mjs does (bench/code/judge.mjs). */
function codeSet(base) {
  const root = join(data, 'code-bases', base);
  const file = join(repo, 'bench/code', base, 'questions.jsonl');
  const view = (h) => {
    const { rel } = slim(h, root);
    return { rel, symbol: symbolOf(h, rel), startLine: h.startLine, endLine: h.endLine };
  };
  return {
    engine: 'code',
    root,
    questions: () =>
      lines(file).map((q) => {
        const is = isAnswer(q);
        return { id: q.id, question: q.question, isAnswer: (h) => is(view(h)) };
      }),
  };
}

function lines(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

const slim = (h, root) => ({ rel: relative(root, h.path), startLine: h.startLine, endLine: h.endLine });

for (const s of sets)
  if (!existsSync(s.root))
    throw new Error(
      `xengine: ${relative(repo, s.root)} is missing: run node bench/quality/make-corpora.mjs and node bench/code/make-bases.mjs --check`,
    );

// --- the SQL log: a real server's --------------------------------------------------------
const sqlLog = join(sqlDir, 'postgresql.log');
if (!existsSync(sqlLog) || args.reindex) {
  const pg = findPostgres();
  if (!pg.bin) throw new Error(`xengine: ${pg.reason}`);
  console.error('running a private PostgreSQL for its log (pgbench + query families) …');
  const workload = await runPgWorkload(pg.bin, { clients: 2, transactions: 200 });
  try {
    mkdirSync(sqlDir, { recursive: true });
    copyFileSync(workload.stderrLog, sqlLog);
  } finally {
    await workload.cleanup();
  }
}

// --- the index -----------------------------------------------------------------------------
const roots = { md: sets.filter((s) => s.engine === 'md'), code: sets.filter((s) => s.engine === 'code') };
const embedder = { type: 'onnx', model: 'sentence-transformers/all-MiniLM-L6-v2', precision: 'fp32' };
const codeInclude = ['**/*.py', '**/*.ts', '**/*.go'];
const raw = {
  dataDir: join(dir, 'index'),
  log: { level: 'warn' },
  embedders: { default: embedder },
  engines: {
    md: { chunker: 'markdown', mapper: 'document', embedder: 'default' },
    code: { chunker: 'code', mapper: 'code', embedder: 'default', include: codeInclude },
    sql: { chunker: 'sql', mapper: 'sql', embedder: 'default', include: ['**/*.log'] },
  },
  sources: [
    ...[...roots.md, ...roots.code].map((s) => ({ path: s.root, engine: s.engine })),
    { path: sqlDir, engine: 'sql' },
  ],
  search: { k: K, rrfK: 60 },
};
const config = resolveConfig(raw, join(dir, 'config.yaml'), {});
const statePath = join(dir, 'state.json');
const wanted = JSON.stringify(raw);
if (args.reindex || !existsSync(statePath) || readFileSync(statePath, 'utf8') !== wanted) {
  rmSync(raw.dataDir, { recursive: true, force: true });
}
const logger = createLogger({ level: 'warn', pretty: false });
const app = await App.open(config, { logger, readConsistencyS: 0 });
const engines = Object.keys(raw.engines);
try {
  const started = performance.now();
  const indexed = await app.indexer.reconcile({});
  if (indexed.chunksEmbedded > 0)
    console.error(
      `indexed ${indexed.filesAdded + indexed.filesChanged} files, ${indexed.chunksEmbedded} chunks in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  // The full-text index is built here, as `ragctl index` does after indexing.
  await optimizeIfWorthIt(app);
  writeFileSync(statePath, wanted);
  const rows = Object.fromEntries(
    await Promise.all(engines.map(async (e) => [e, await app.indexer.table(e).countRows()])),
  );
  console.error(`chunks: ${engines.map((e) => `${e} ${rows[e]}`).join(', ')}`);

  // --- questions ---------------------------------------------------------------------------
  const perQuestion = [];
  const timing = {};
  for (const set of sets) {
    for (const q of set.questions()) {
      const row = { set: set.name, id: q.id, question: q.question, modes: {} };
      for (const mode of MODES) {
        const own = await app.search.search({ query: q.question, mode, k: K, engine: set.engine });
        const each = [];
        for (const e of engines)
          each.push((await app.search.search({ query: q.question, mode, k: K, engine: e })).results);
        const rrf = fuseRrf(each, 60, K);
        const now = await app.search.search({ query: q.question, mode, k: K });
        timing[mode] ??= { own: [], all: [], merge: [] };
        timing[mode].own.push(own.tookMs);
        timing[mode].all.push(now.tookMs);
        timing[mode].merge.push(now.timings.mergeMs);
        const rank = (hits) => {
          const i = hits.findIndex((h) => h.engine === set.engine && q.isAnswer(h));
          return i < 0 ? null : i + 1;
        };
        const foreign = (hits) => hits.slice(0, 5).filter((h) => h.engine !== set.engine).length;
        const top = (hits) =>
          hits.slice(0, 5).map((h) => `${h.engine}:${relative(h.root, h.path)}:${h.startLine}`);
        row.modes[mode] = {
          own: { rank: rank(own.results), foreign: 0 },
          rrf: { rank: rank(rrf), foreign: foreign(rrf), top: top(rrf) },
          new: { rank: rank(now.results), foreign: foreign(now.results), top: top(now.results) },
        };
      }
      perQuestion.push(row);
    }
  }

  // --- report ------------------------------------------------------------------------------
  const rr = (r) => (r === null ? 0 : 1 / r);
  const at = (n) => (r) => (r !== null && r <= n ? 1 : 0);
  const metrics = { 'MRR@10': rr, 'R@5': at(5), 'R@10': at(10) };
  const fmt = (x) => x.toFixed(3);
  const ci = (xs) => {
    const [lo, hi] = bootstrapMean(xs);
    return `${fmt(xs.reduce((a, b) => a + b, 0) / xs.length)} [${fmt(lo)}, ${fmt(hi)}]`;
  };
  const summary = {};
  for (const mode of MODES) {
    console.log(`\n### ${mode}\n`);
    console.log(
      '| set | n | own MRR / R@5 / R@10 | all, rrf | all, new | new − rrf MRR@10 | new − own MRR@10 | other engines in top 5 (rrf → new) |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const set of sets) {
      const rows = perQuestion.filter((r) => r.set === set.name).map((r) => r.modes[mode]);
      const mean = (v, f) => rows.reduce((a, r) => a + f(r[v].rank), 0) / rows.length;
      const triple = (v) =>
        Object.values(metrics)
          .map((f) => fmt(mean(v, f)))
          .join(' / ');
      const diff = (a, b) => ci(rows.map((r) => rr(r[a].rank) - rr(r[b].rank)));
      const slots = (v) => (rows.reduce((a, r) => a + r[v].foreign, 0) / (rows.length * 5)).toFixed(2);
      summary[`${mode}/${set.name}`] = Object.fromEntries(
        ['own', 'rrf', 'new'].map((v) => [
          v,
          Object.fromEntries(Object.entries(metrics).map(([m, f]) => [m, mean(v, f)])),
        ]),
      );
      console.log(
        `| ${set.name} | ${rows.length} | ${triple('own')} | ${triple('rrf')} | ${triple('new')} | ${diff('new', 'rrf')} | ${diff('new', 'own')} | ${slots('rrf')} → ${slots('new')} |`,
      );
    }
  }
  const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  console.log(
    '\n| mode | own engine: search p50 / p95 ms | all engines: search p50 / p95 ms | of which the merge p50 / p95 ms |',
  );
  console.log('|---|---|---|---|');
  for (const [mode, t] of Object.entries(timing)) {
    const two = (xs) => `${pct(xs, 0.5).toFixed(1)} / ${pct(xs, 0.95).toFixed(1)}`;
    const twoFine = (xs) => `${pct(xs, 0.5).toFixed(2)} / ${pct(xs, 0.95).toFixed(2)}`;
    console.log(`| ${mode} | ${two(t.own)} | ${two(t.all)} | ${twoFine(t.merge)} |`);
  }
  const out = join(repo, 'bench/out');
  mkdirSync(out, { recursive: true });
  const file = join(out, `xengine-${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}.json`);
  writeFileSync(file, `${JSON.stringify({ rows, summary, perQuestion }, null, 1)}\n`);
  console.error(`\nwrote ${relative(repo, file)}`);
} finally {
  await app.close();
}
