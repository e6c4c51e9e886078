#!/usr/bin/env node
// Retrieval quality of ragctl search over code nobody on the team wrote (bench/code/make-bases.mjs:
// click for Python, ajv for TypeScript) against hand-written questions that describe behaviour
// without naming identifiers: recall@5, recall@10 and MRR@10 for text, vector and hybrid, with
// bootstrap 95 % intervals over questions and paired intervals for hybrid minus each single mode.
// A script, not a test.
//
//   node bench/code/eval.mjs --base click|ajv|flask|pflag|toml [--reindex|--update] [--modes text,vector,hybrid] [--seed 1]
//        [--rerank N]   (`search.rerank`; it applies only to engines whose mapper declares `rerank`)
//        [--index-only] [--quiet]
//
// Builds the base if missing, indexes it once with bench/code/<base>/config.yaml (the code engine
// as the shipped config.yaml declares it) into bench/data/code-index-<base>/, reused while the
// base, the config and the code that decides chunks are unchanged, then runs every question of
// bench/code/<base>/questions.jsonl in every mode with k = 10 on that one index. Writes
// bench/out/code-<base>-<timestamp>.json with per-question ranks and top 10s.
//
// A question's line: {"id", "question", "relevant": [{"path", "symbol", "lines": [start, end]}]}.
// `path` is relative to the base's root, `symbol` the qualified name inside the file
// (`Context.invoke`), `lines` the definition's 1-based inclusive range. Several entries are
// alternatives: any one answers the question.
//
// A hit answers when its path is a labelled path and its symbol is the labelled symbol or nested
// in it (a part of a split function, a function defined inside it): the chunk a user would open.
// A class's summary chunk does not answer a question about one of its methods, nor the reverse.
// `"unnamed": true` marks a definition the chunker gives no symbol of its own (ajv's keywords are
// methods of exported object literals, chunked as module code): there a chunk without a symbol
// whose lines overlap `lines` answers, and `symbol` only names it for the reader (`def.code`).
//
// ragctl runs straight from src/ through bench/store's loader (types stripped), as in
// bench/quality/eval.mjs, so nothing has to be built.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sourceSha } from '../source-sha.mjs';
import { bootstrapMean } from '../stats.mjs';
import { answers, isAnswer, symbolOf } from './judge.mjs';
import { buildBase } from './make-bases.mjs';

register('../store/ts-loader.mjs', import.meta.url);

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    modes: { type: 'string', default: 'text,vector,hybrid' },
    reindex: { type: 'boolean', default: false },
    /**
     * A stale index is brought up to date by ragctl's own reconcile instead of being built again:
     * what an upgraded daemon does with a user's index (a chunker version bump re-chunks every
     * file and reuses every vector whose source is unchanged). Compare runs made this way only
     * with runs whose vectors came from the same model.
     */
    update: { type: 'boolean', default: false },
    'index-only': { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    /** Bootstrap resamples for the intervals. */
    resamples: { type: 'string', default: '10000' },
    quiet: { type: 'boolean', default: false },
    /**
     * Experiment, not what ragctl does: drop English stop words from each question before it is
     * searched (every mode), to see how much of the full-text leg's ranking they decide.
     */
    'strip-stopwords': { type: 'boolean', default: false },
    /** `search.rerank`: hybrid's first N hits re-ranked by late interaction, where the mapper allows it. */
    rerank: { type: 'string' },
  },
});
if (!args.base) throw new Error('eval: --base click|ajv is required');
const K = 10;
const MODES = args.modes.split(',');
const baseDir = join(here, args.base);
const configPath = join(baseDir, 'config.yaml');

const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { App } = await import('../../src/app.js');
const { optimizeIfWorthIt } = await import('../../src/cli/optimize.js');
const { DataDirLock } = await import('../../src/daemon/lock.js');

// --- base and index -----------------------------------------------------------------------
const loaded = loadConfig({ configPath });
const config =
  args.rerank === undefined
    ? loaded
    : { ...loaded, search: { ...loaded.search, rerank: Number(args.rerank) } };
const root = config.sources[0].path;
const manifestPath = join(dirname(root), `${args.base}.manifest.json`);
if (!existsSync(root) || !existsSync(manifestPath)) {
  console.error(`no base at ${relative(repo, root)}: building it`);
  buildBase(args.base, dirname(root));
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

const sha = (s) => createHash('sha256').update(s).digest('hex');
/** What makes an index stale though no file changed (see bench/quality/eval.mjs). */
const INDEX_CODE = ['src/engines', 'src/store/indexes.ts', 'src/embed/tokenizer.ts', 'src/store/tuning.ts'];
const codeSha = sourceSha(repo, INDEX_CODE);
const configSha = sha(readFileSync(configPath));
const statePath = join(config.dataDir, 'eval-state.json');
const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : undefined;
const indexDir = join(config.dataDir, 'index');
const logger = createLogger({ level: 'warn', pretty: false });

const fresh =
  state &&
  existsSync(indexDir) &&
  !args.reindex &&
  state.baseSha256 === manifest.baseSha256 &&
  state.codeSha === codeSha &&
  state.configSha === configSha &&
  // Chunks hold absolute paths: an index copied from another checkout answers with that
  // checkout's paths, and no hit would match a question's relative path.
  state.root === root;
if (!fresh) {
  const updating = args.update && !args.reindex && existsSync(indexDir);
  console.error(
    `indexing ${relative(repo, root)} ${updating ? 'by updating the index there' : 'from scratch'}`,
  );
  if (!updating) rmSync(indexDir, { recursive: true, force: true });
  mkdirSync(config.dataDir, { recursive: true });
  const started = performance.now();
  const lock = DataDirLock.acquire(config.dataDir, 'code-eval');
  const app = await App.open(config, { logger });
  let indexing;
  try {
    const summary = await app.indexer.reconcile({});
    const optimized = await optimizeIfWorthIt(app);
    indexing = { ...summary, optimized, wallSeconds: (performance.now() - started) / 1000 };
  } finally {
    await app.close();
    lock.release();
  }
  console.error(
    `indexed: ${indexing.filesAdded + indexing.filesChanged} files, ${indexing.chunksEmbedded} chunks, ${indexing.filesSkipped} skipped · ${indexing.wallSeconds.toFixed(0)} s`,
  );
  writeFileSync(
    statePath,
    `${JSON.stringify({ baseSha256: manifest.baseSha256, codeSha, configSha, root, indexedAt: new Date().toISOString(), indexing }, null, 1)}\n`,
  );
}
if (args['index-only']) process.exit(0);

// --- questions ----------------------------------------------------------------------------
const questionsPath = join(baseDir, 'questions.jsonl');
const questionsText = readFileSync(questionsPath, 'utf8');
const questions = questionsText
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));

/** A short English stop-word list (articles, pronouns, auxiliaries, prepositions, conjunctions). */
const STOP_WORDS = new Set(
  `a an the and or but if then else when while of to in on at by for with from into onto out over under
  as is are was were be been being do does did has have had it its this that these those there here
  which who whom whose what where how why so than too very can could should would may might must will
  shall not no nor only own same such just also any each every all both either neither one some more
  most other another i me my we our you your he him his she her they them their up down off again`.split(
    /\s+/,
  ),
);
const queryOf = (q) =>
  args['strip-stopwords']
    ? q.question
        .split(/\s+/)
        .filter((w) => !STOP_WORDS.has(w.toLowerCase().replace(/[^a-z']/g, '')))
        .join(' ')
    : q.question;

// --- search -------------------------------------------------------------------------------
const app = await App.open(config, { logger, readConsistencyS: 0 });
const chunks = await app.indexer.table('code').countRows();
// Every labelled symbol must exist as a chunk, or the question cannot be answered at all. Read
// straight from the table (a bench may; ragctl has no "list symbols" call).
const lancedb = await import('@lancedb/lancedb');
const db = await lancedb.connect(indexDir);
const rows = await (await db.openTable('chunks_code'))
  .query()
  .select(['rel_path', 'symbol', 'start_line', 'end_line'])
  .toArray();
db.close();
for (const q of questions)
  for (const r of q.relevant) {
    const found = rows.some((c) =>
      answers({ rel: c.rel_path, symbol: c.symbol, startLine: c.start_line, endLine: c.end_line }, r),
    );
    if (!found) throw new Error(`${q.id}: no chunk in the index answers ${r.path}:${r.symbol}`);
  }
const perQuestion = [];
try {
  for (const q of questions) {
    const row = { id: q.id, question: q.question, modes: {} };
    for (const mode of MODES) {
      const res = await app.search.search({ query: queryOf(q), mode, k: K });
      const hits = res.results.map((h) => {
        const rel = relative(root, h.path);
        return { rel, symbol: symbolOf(h, rel), startLine: h.startLine, endLine: h.endLine };
      });
      const i = hits.findIndex(isAnswer(q));
      row.modes[mode] = {
        rank: i < 0 ? null : i + 1,
        top: hits.map((h) => `${h.rel}:${h.symbol || h.startLine}`),
      };
    }
    perQuestion.push(row);
    if (!args.quiet)
      console.error(
        `${q.id} ${MODES.map((m) => `${m} ${row.modes[m].rank ?? '-'}`).join('  ')}  ${q.question.slice(0, 70)}`,
      );
  }
} finally {
  await app.close();
}

// --- metrics ------------------------------------------------------------------------------
const perQ = {
  'recall@5': (rank) => (rank !== null && rank <= 5 ? 1 : 0),
  'recall@10': (rank) => (rank !== null && rank <= 10 ? 1 : 0),
  'mrr@10': (rank) => (rank !== null && rank <= 10 ? 1 / rank : 0),
};
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const seed = Number(args.seed);
const summary = {};
for (const mode of MODES) {
  summary[mode] = {};
  for (const [name, f] of Object.entries(perQ)) {
    const xs = perQuestion.map((r) => f(r.modes[mode].rank));
    summary[mode][name] = { mean: mean(xs), ci95: bootstrapMean(xs, seed, Number(args.resamples)) };
  }
}
// Paired: the same resampled questions for both modes, so the interval is on the difference.
const paired = {};
for (const other of MODES.filter((m) => m !== 'hybrid')) {
  if (!MODES.includes('hybrid')) break;
  paired[`hybrid-${other}`] = {};
  for (const [name, f] of Object.entries(perQ)) {
    const xs = perQuestion.map((r) => f(r.modes.hybrid.rank) - f(r.modes[other].rank));
    paired[`hybrid-${other}`][name] = {
      mean: mean(xs),
      ci95: bootstrapMean(xs, seed, Number(args.resamples)),
    };
  }
}

// --- report -------------------------------------------------------------------------------
const f3 = (x) => x.toFixed(3);
const cell = ({ mean: m, ci95: [lo, hi] }) => `${f3(m)} [${f3(lo)}, ${f3(hi)}]`;
const lines = [
  `${args.base} ${manifest.version} (${manifest.language}): ${manifest.files} files, ${manifest.lines} lines, ${chunks} chunks · ${questions.length} questions · k=${K} · rrfK=${config.search.rrfK}${args['strip-stopwords'] ? ' · stop words stripped from the questions (experiment)' : ''}`,
  '',
  '| mode | R@5 [95 % CI] | R@10 [95 % CI] | MRR@10 [95 % CI] |',
  '|---|---|---|---|',
  ...MODES.map(
    (m) =>
      `| ${m} | ${cell(summary[m]['recall@5'])} | ${cell(summary[m]['recall@10'])} | ${cell(summary[m]['mrr@10'])} |`,
  ),
];
if (Object.keys(paired).length) {
  lines.push('', '| paired difference | R@5 | R@10 | MRR@10 |', '|---|---|---|---|');
  for (const [name, x] of Object.entries(paired))
    lines.push(`| ${name} | ${cell(x['recall@5'])} | ${cell(x['recall@10'])} | ${cell(x['mrr@10'])} |`);
}
console.log(lines.join('\n'));

const stamp = new Date()
  .toISOString()
  .replace(/[-:]/g, '')
  .replace(/\.\d+Z$/, 'Z');
const outPath = join(repo, 'bench/out', `code-${args.base}-${stamp}.json`);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(
  outPath,
  `${JSON.stringify(
    {
      meta: {
        base: args.base,
        version: manifest.version,
        baseSha256: manifest.baseSha256,
        at: new Date().toISOString(),
        node: process.version,
        chunks,
        questions: questions.length,
        questionsSha256: sha(questionsText),
        k: K,
        rrfK: config.search.rrfK,
        rerank: config.search.rerank,
        stripStopwords: args['strip-stopwords'],
        index: JSON.parse(readFileSync(statePath, 'utf8')),
      },
      summary,
      paired,
      questions: perQuestion,
    },
    null,
    1,
  )}\n`,
);
console.log(`\nwrote ${relative(repo, outPath)}`);
