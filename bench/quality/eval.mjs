#!/usr/bin/env node
// Retrieval quality of ragctl search on a real corpus (the Markdown shipped inside installed
// packages) against hand-labelled questions: recall@5, recall@10 and MRR@10 for the text,
// vector and hybrid modes, per question category. A script, not a test.
//
//   node bench/quality/eval.mjs [--reindex] [--rrf-k 60] [--rerank 20] [--modes text,vector,hybrid] [--label x]
//        [--config bench/quality/config.yaml] [--questions bench/quality/questions.jsonl] [--no-optimize]
//        [--every] [--no-rank-down]
//
// One command does it all: builds the corpus if missing (make-corpus.mjs), indexes it once into
// bench/data/quality-index/ (reused while the corpus manifest, the config and the code that
// decides chunks and the full-text index are unchanged; a delta index after a corpus change, a
// fresh one after a code or config change or with --reindex), runs every question in every
// mode with k = 10, prints Markdown tables and writes bench/out/quality-<timestamp>.json with
// per-question ranks and each leg's top 50 (for bench/quality/fusion-sweep.mjs).
//
// ragctl runs straight from src/ through bench/store's loader (types stripped), so nothing
// has to be built and an edit to src/ is measured at once.
//
// Definitions (see docs/bench-quality.md):
//   file hit     a result whose path is one of the question's labelled files;
//   section hit  a file hit whose lines overlap one of the labelled sections of that file;
//   recall@k     share of questions with a hit in the top k (labelled files are alternatives:
//                any one of them answers the question);
//   MRR@10       mean of 1/rank of the first hit, 0 when none is in the top 10.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sourceSha } from '../source-sha.mjs';
import { judge, sectionLines } from './sections.mjs';

register('../store/ts-loader.mjs', import.meta.url);

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    config: { type: 'string', default: join(here, 'config.yaml') },
    questions: { type: 'string', default: join(here, 'questions.jsonl') },
    modes: { type: 'string', default: 'text,vector,hybrid' },
    k: { type: 'string', default: '10' },
    /** Depth of the text and vector lists kept per question for offline fusion experiments. */
    depth: { type: 'string', default: '50' },
    'rrf-k': { type: 'string' },
    /** `search.rerank`: hybrid's first N hits re-ranked by late interaction (0: the fused order). */
    rerank: { type: 'string' },
    reindex: { type: 'boolean', default: false },
    /** Measure the index as LanceDB leaves it before an optimize (see docs/bench-quality.md). */
    'no-optimize': { type: 'boolean', default: false },
    label: { type: 'string', default: '' },
    quiet: { type: 'boolean', default: false },
    /** Every row its own hit (`every: true`): copies of a passage in several files not folded. */
    every: { type: 'boolean', default: false },
    /** Release notes (CHANGELOG.md, HISTORY.md…) not ranked down: the Markdown mapper's `hybridRankDown` off. */
    'no-rank-down': { type: 'boolean', default: false },
  },
});
const K = Number(args.k);
const DEPTH = Math.max(Number(args.depth), K);
const MODES = args.modes.split(',');
const CUTOFFS = [5, 10];

const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { App } = await import('../../src/app.js');
const { optimizeIfWorthIt } = await import('../../src/cli/optimize.js');
const { DataDirLock } = await import('../../src/daemon/lock.js');

// --- corpus and index ---------------------------------------------------------------------
let config = loadConfig({ configPath: resolve(args.config) });
if (args['rrf-k']) config = { ...config, search: { ...config.search, rrfK: Number(args['rrf-k']) } };
if (args.rerank !== undefined)
  config = { ...config, search: { ...config.search, rerank: Number(args.rerank) } };
if (config.sources.length !== 1) throw new Error(`${args.config}: the eval expects exactly one source`);
const corpusRoot = config.sources[0].path;
const manifestPath = `${corpusRoot}.manifest.json`;
if (!existsSync(manifestPath) || !existsSync(corpusRoot)) {
  console.error(`no corpus at ${relative(repo, corpusRoot)}: building it`);
  execFileSync(process.execPath, [join(here, 'make-corpus.mjs'), '--out', corpusRoot], { stdio: 'inherit' });
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

const sha = (s) => createHash('sha256').update(s).digest('hex');
/**
 * What makes an existing index stale though no file changed: the chunker's code and the
 * tokenizer that sizes chunks. Not the full-text tokenizer's options: the store itself rebuilds
 * the full-text index of a table built with other ones when it opens it (TEXT_INDEX_NAME in
 * src/store/indexes.ts), which costs seconds, not a re-embedding.
 */
const INDEX_CODE = ['src/engines', 'src/embed/tokenizer.ts'];
const codeSha = sourceSha(repo, INDEX_CODE);
const configSha = sha(readFileSync(resolve(args.config)));
const statePath = join(config.dataDir, 'eval-state.json');
const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : undefined;
const indexDir = join(config.dataDir, 'index');

let indexing = null;
const stale = !state || state.corpusSha256 !== manifest.corpusSha256;
const rebuild = args.reindex || (state && (state.codeSha !== codeSha || state.configSha !== configSha));
// The eval's own logger: warnings only, so a skipped file shows.
const logger = createLogger({ level: 'warn', pretty: false });
if (rebuild || stale || !existsSync(indexDir)) {
  if (rebuild) {
    const why = args.reindex
      ? '--reindex'
      : state.codeSha !== codeSha
        ? `code under ${INDEX_CODE.join(', ')} changed`
        : 'the config changed';
    console.error(`rebuilding the index (${why})`);
    rmSync(indexDir, { recursive: true, force: true });
  } else console.error('indexing the corpus (delta: unchanged files are skipped)');
  const started = performance.now();
  // Like `ragctl index`: one writer per data dir (a daemon or another run on this config fails here).
  mkdirSync(config.dataDir, { recursive: true });
  const lock = DataDirLock.acquire(config.dataDir, 'quality-eval');
  const app = await App.open(config, { logger });
  try {
    const summary = await app.indexer.reconcile({});
    // As `ragctl index` does: rows the full-text index has not folded in are searched "flat"
    // by LanceDB 0.31, which ranks them badly (see docs/bench-quality.md), so fold them in.
    const optimized = args['no-optimize'] ? false : await optimizeIfWorthIt(app);
    indexing = { ...summary, optimized, wallSeconds: (performance.now() - started) / 1000 };
    console.error(
      `indexed: ${summary.filesAdded + summary.filesChanged} files, ${summary.chunksEmbedded} chunks embedded, ${summary.filesSkipped} skipped · ${indexing.wallSeconds.toFixed(0)} s`,
    );
  } finally {
    await app.close();
    lock.release();
  }
  writeFileSync(
    statePath,
    `${JSON.stringify({ corpusSha256: manifest.corpusSha256, codeSha, configSha, indexedAt: new Date().toISOString(), indexing }, null, 1)}\n`,
  );
}

// --- questions ----------------------------------------------------------------------------
const questionsText = readFileSync(resolve(args.questions), 'utf8');
const questions = questionsText
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));
const inCorpus = new Set(manifest.fileList.map((f) => f.path));
for (const q of questions) {
  for (const r of q.relevant) {
    if (!inCorpus.has(r.path)) console.error(`warning: ${q.id} labels ${r.path}, which is not in the corpus`);
    else
      for (const s of r.sections ?? []) s.lines ??= sectionLines(join(corpusRoot, r.path), s.heading, q.id);
  }
}

/** 1-based rank of the first result that satisfies `isHit`, or null. */
const rankOf = (hits, isHit) => {
  const i = hits.findIndex(isHit);
  return i < 0 ? null : i + 1;
};
// --- search -------------------------------------------------------------------------------
if (args['no-rank-down']) {
  // The mapper is read when the app opens.
  const { documentMapper } = await import('../../src/engines/document-mapper.js');
  documentMapper.hybridRankDown = undefined;
}
const app = await App.open(config, { logger, readConsistencyS: 0 });
const table = app.indexer.table('md');
// An index built by an older `ragctl index` (before it optimized) or interrupted may still hold
// rows the full-text index has not seen; measure the index a user gets after an optimize.
const ftsUnindexed = (await table.stats()).indexes.find((i) => i.type === 'FTS')?.unindexedRows ?? 0;
if (ftsUnindexed > 0 && !args['no-optimize']) {
  console.error(`${ftsUnindexed} rows not in the full-text index yet: optimizing first`);
  await app.store.optimize();
}
const stats = { chunks: await table.countRows(), ftsUnindexedBeforeEval: ftsUnindexed };
// Hits carry the path the index was built with; compare real paths so a symlinked checkout agrees.
const realRoot = realpathSync(corpusRoot);
const relPath = (path) => relative(realRoot, existsSync(path) ? realpathSync(path) : path);
const slim = (h) => ({
  rel: relPath(h.path),
  startLine: h.startLine,
  endLine: h.endLine,
  id: h.id,
  score: Number(h.score.toFixed(6)),
  ...(h.copies ? { copies: h.copies.map((c) => ({ ...c, rel: relPath(c.path) })) } : {}),
  ...(h.parts ? { parts: h.parts.map((p) => ({ ...p, rel: relPath(h.path) })) } : {}),
});
const tokenizer = app.embedders.get(config.engines.md?.embedder ?? 'default')?.tokenizer;
if (!tokenizer) throw new Error(`${args.config}: no embedder for the md engine, so no tokens to count`);
/**
 * The size-neutral measure: hybrid's top k (the list R@k and MRR are read from, and what
 * `ragctl context` fills its budget from) taken in order while the chunks' texts (breadcrumb +
 * body, the model's [CLS]/[SEP] not counted) fit in B tokens; the answer is reached within B when
 * one of those overlaps the answering section. Unlike R@k it does not favour bigger chunks: a
 * chunk twice as big takes twice the budget. Small chunks may run out of the top k before B
 * (`topTokens` < B), which counts against them.
 */
const BUDGETS = [512, 1024];
function budgetReach(hits, is) {
  const out = { tokensAtHit: null, topTokens: 0, reached: {} };
  for (const h of hits) {
    out.topTokens += tokenizer.countTokens(h.text) - 2;
    if (out.tokensAtHit === null && is.section(slim(h))) out.tokensAtHit = out.topTokens;
  }
  for (const b of BUDGETS) out.reached[b] = out.tokensAtHit !== null && out.tokensAtHit <= b;
  return out;
}
const perQuestion = [];
const searchMs = Object.fromEntries(MODES.map((m) => [m, []]));
try {
  for (const q of questions) {
    const is = judge(q);
    const row = {
      id: q.id,
      category: q.category,
      answer_in: q.answer_in,
      question: q.question,
      modes: {},
      legs: {},
    };
    for (const mode of MODES) {
      const t0 = performance.now();
      const res = await app.search.search({
        query: q.question,
        mode,
        k: K,
        ...(args.every ? { every: true } : {}),
      });
      searchMs[mode].push(performance.now() - t0);
      const hits = res.results.map(slim);
      if (mode === 'hybrid') row.budget = budgetReach(res.results, is);
      row.modes[mode] = {
        fileRank: rankOf(hits, is.file),
        sectionRank: rankOf(hits, is.section),
        top: hits.map((h) => `${h.rel}:${h.startLine}-${h.endLine}`),
      };
    }
    // Deeper single-mode lists for fusion experiments (what hybrid fuses is the top 50 of each).
    for (const mode of ['text', 'vector']) {
      // Every row: the replays fuse the legs as the store does, before copies are folded.
      const res = await app.search.search({ query: q.question, mode, k: DEPTH, every: true });
      row.legs[mode] = res.results.map(slim).map((h) => ({ ...h, file: is.file(h), section: is.section(h) }));
    }
    perQuestion.push(row);
    if (!args.quiet) {
      const cells = MODES.map(
        (m) => `${m} ${row.modes[m].fileRank ?? '-'}/${row.modes[m].sectionRank ?? '-'}`,
      );
      console.error(`${q.id} ${cells.join('  ')}  ${q.question.slice(0, 60)}`);
    }
  }
} finally {
  await app.close();
}

// --- metrics ------------------------------------------------------------------------------
function metrics(rows, mode, level) {
  const ranks = rows.map((r) => r.modes[mode][`${level}Rank`]);
  const out = { n: rows.length };
  for (const c of CUTOFFS)
    out[`recall@${c}`] = ranks.filter((x) => x !== null && x <= c).length / rows.length;
  out['mrr@10'] = ranks.reduce((s, x) => s + (x !== null && x <= 10 ? 1 / x : 0), 0) / rows.length;
  if (mode === 'hybrid' && level === 'section')
    for (const b of BUDGETS) {
      out[`reached@${b}tok`] = rows.filter((r) => r.budget.reached[b]).length / rows.length;
      out[`topShortOf${b}tok`] = rows.filter((r) => r.budget.topTokens < b).length / rows.length;
    }
  return out;
}
const groups = { all: perQuestion };
for (const key of ['category', 'answer_in']) {
  for (const r of perQuestion) {
    const g = `${key}:${r[key]}`;
    groups[g] ??= [];
    groups[g].push(r);
  }
}
const summary = {};
for (const [g, rows] of Object.entries(groups)) {
  summary[g] = {};
  for (const mode of MODES)
    summary[g][mode] = { file: metrics(rows, mode, 'file'), section: metrics(rows, mode, 'section') };
}

// --- report -------------------------------------------------------------------------------
const f3 = (x) => x.toFixed(3);
const lines = [];
lines.push(
  `corpus ${manifest.files} files (${manifest.corpusSha256.slice(0, 12)}), ${stats.chunks} chunks · ${questions.length} questions · k=${K} · rrfK=${config.search.rrfK}${args.label ? ` · ${args.label}` : ''}`,
  '',
  '| mode | R@5 file | R@10 file | MRR@10 file | R@5 section | R@10 section | MRR@10 section |',
  '|---|---:|---:|---:|---:|---:|---:|',
);
for (const mode of MODES) {
  const { file, section } = summary.all[mode];
  lines.push(
    `| ${mode} | ${f3(file['recall@5'])} | ${f3(file['recall@10'])} | ${f3(file['mrr@10'])} | ${f3(section['recall@5'])} | ${f3(section['recall@10'])} | ${f3(section['mrr@10'])} |`,
  );
}
for (const level of ['file', 'section']) {
  lines.push(
    '',
    `Per group, ${level} level (R@5 / R@10 / MRR@10):`,
    '',
    `| group | n | ${MODES.join(' | ')} |`,
    `|---|---:|${MODES.map(() => '---').join('|')}|`,
  );
  for (const [g, rows] of Object.entries(groups)) {
    if (g === 'all') continue;
    const cells = MODES.map((m) => {
      const x = summary[g][m][level];
      return `${f3(x['recall@5'])} / ${f3(x['recall@10'])} / ${f3(x['mrr@10'])}`;
    });
    lines.push(`| ${g} | ${rows.length} | ${cells.join(' | ')} |`);
  }
}
if (MODES.includes('hybrid')) {
  const h = summary.all.hybrid.section;
  lines.push(
    '',
    `hybrid, answer section within the first ${BUDGETS.map((b) => `${b} tokens ${f3(h[`reached@${b}tok`])}`).join(', ')} of results`,
  );
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
lines.push('', `median search ms: ${MODES.map((m) => `${m} ${median(searchMs[m]).toFixed(0)}`).join(', ')}`);
console.log(lines.join('\n'));

const gitHead = (() => {
  try {
    return execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
})();
const stamp = new Date()
  .toISOString()
  .replace(/[-:]/g, '')
  .replace(/\.\d+Z$/, 'Z');
const outPath = join(repo, 'bench/out', `quality-${stamp}.json`);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(
  outPath,
  `${JSON.stringify(
    {
      meta: {
        corpus: manifest.name ?? basename(dirname(resolve(args.config))),
        label: args.label,
        at: new Date().toISOString(),
        gitHead,
        node: process.version,
        corpusSha256: manifest.corpusSha256,
        corpusFiles: manifest.files,
        chunks: stats.chunks,
        questionsSha256: sha(questionsText),
        questions: questions.length,
        k: K,
        depth: DEPTH,
        rrfK: config.search.rrfK,
        rerank: config.search.rerank,
        modes: MODES,
        index: JSON.parse(readFileSync(statePath, 'utf8')),
        searchMsMedian: Object.fromEntries(MODES.map((m) => [m, median(searchMs[m])])),
      },
      summary,
      questions: perQuestion,
    },
    null,
    1,
  )}\n`,
);
console.log(`\nwrote ${relative(repo, outPath)}`);
