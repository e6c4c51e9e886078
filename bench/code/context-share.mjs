#!/usr/bin/env node
// How often `ragctl context` hands over a question's answer ready to use: the share of questions
// whose answering function is in the assembled context together with every scope that encloses
// it (its class header, the function it is nested in) and its module's imports, within a token
// budget (default 2,000). Side by side in the same run, on the same searches: the search's hits
// alone, pasted best first while they fit the same budget (what a caller without the assembler
// gets). A script, not a test.
//
//   node bench/code/context-share.mjs --base click|ajv [--budget 2000] [--k 10] [--mode hybrid]
//   node bench/code/context-share.mjs --config <config.yaml> --questions <questions.jsonl>
//
// The question set is bench/code's (bench/code/README.md, written for bench/code/eval.mjs): one
// JSON object a line, {"id", "question", "relevant": [{"path", "symbol", "lines": [start, end],
// "unnamed"?: true}]}, `path` relative to the source folder, `symbol` the qualified name inside
// the file. The index must exist: `node bench/code/eval.mjs --base <base> --index-only` builds
// it (or `ragctl index --config <config.yaml>`); it is only read here.
//
// A question is "answered" when a block of the context is the labelled definition or nested in
// it (as eval.mjs counts a hit; for an `unnamed` one, a symbol-less block overlapping its lines);
// "with scopes" when, in addition, for each enclosing name of the labelled symbol (`Class` of
// `Class.method`, `outer` of `outer.inner`) a block of that symbol is there; "complete" when the
// file's import block is there too (or the file has none); "whole" when every line of the
// labelled definition is shown (a long function's header alone is not), read from each block's
// text, not from its range.
//
// ragctl runs straight from src/ through bench/store's loader (types stripped), so nothing has
// to be built.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { answers } from './judge.mjs';

register('../store/ts-loader.mjs', import.meta.url);

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    config: { type: 'string' },
    questions: { type: 'string' },
    budget: { type: 'string', default: '2000' },
    k: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'hybrid' },
    quiet: { type: 'boolean', default: false },
  },
});
if (!args.base && !(args.config && args.questions)) {
  console.error(
    'usage: context-share.mjs --base click|ajv | --config <config.yaml> --questions <questions.jsonl>',
  );
  process.exit(2);
}
const configPath = resolve(args.config ?? `${here}/${args.base}/config.yaml`);
const questionsPath = resolve(args.questions ?? `${here}/${args.base}/questions.jsonl`);
const budget = Number(args.budget);
const k = Number(args.k);

const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { ReadOnlyApp } = await import('../../src/app-reader.js');
const { formatContext } = await import('../../src/context/format.js');
const { connect } = await import('@lancedb/lancedb');

const config = loadConfig({ configPath });
const codeEngine = Object.keys(config.engines).find((e) => config.engines[e].chunker === 'code');
if (!codeEngine) throw new Error(`${configPath}: no engine with chunker: code`);
const roots = config.sources.filter((s) => s.engine === codeEngine).map((s) => s.path);
const questions = readFileSync(questionsPath, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l));

const logger = createLogger({ level: 'warn', pretty: false });
const app = await ReadOnlyApp.open(config, { logger });
if (app.problems.length) {
  for (const p of app.problems) console.error(`note: ${p.reason}\n  fix: ${p.fix}`);
}
const embedder =
  app.embedders.get(config.engines[codeEngine].embedder ?? 'default') ?? [...app.embedders.values()][0];
const tokenizer = embedder.tokenizer;
const special = tokenizer.countTokens('');
const tokensOf = (text) => tokenizer.countTokens(text) - special;

// Which files have an import block: read apart from the code under test, straight from LanceDB.
const db = await connect(`${config.dataDir}/index`);
const table = await db.openTable(`chunks_${codeEngine}`);
const filesWithImports = new Set(
  (await table.query().where("kind = 'imports'").select(['path']).toArray()).map((r) => r.path),
);
table.close();
db.close();

const relOf = (path) => {
  const root = roots.find((r) => path.startsWith(`${r}/`));
  return root ? relative(root, path) : path;
};
/** A block (or hit) as eval.mjs judges a hit: its file relative to the source, its symbol inside the file. */
const view = (path, symbol, startLine, endLine) => {
  const rel = relOf(path);
  const s = typeof symbol === 'string' && symbol.startsWith(`${rel}:`) ? symbol.slice(rel.length + 1) : '';
  return { path, rel, symbol: s, startLine, endLine };
};

/** Lines the assembler writes itself: a nested block shown apart, or the first hit cut. */
const NOTE = /^\s*… \(lines (\d+)-(\d+) (below|cut: over the budget)\)$/;

/**
 * The file lines a block's text shows, counted from its first line: its `end_line` is not
 * trusted (a long function's header once claimed the whole definition), and a note stands for
 * lines shown elsewhere, or for the end of a cut block.
 */
function shownLines(block) {
  const shown = new Set();
  let line = block.startLine;
  for (const text of block.text.split('\n')) {
    const note = NOTE.exec(text);
    if (note?.[3] === 'below') line = Number(note[2]) + 1;
    else if (note) break;
    else shown.add(line++);
  }
  return shown;
}

/**
 * answered / with scopes / complete / whole, for one set of blocks. `whole`: every line of the
 * labelled definition is shown by the blocks that answer it (the definition and what is nested
 * in it, whose text is the file's lines).
 */
function judge(q, blocks) {
  const best = { answered: false, scopes: false, complete: false, whole: false, wholeComplete: false };
  for (const r of q.relevant) {
    const found = blocks.find((b) => answers(b, r));
    if (!found) continue;
    best.answered = true;
    let all = !r.unnamed;
    if (all) {
      const shown = new Set(blocks.filter((b) => answers(b, r)).flatMap((b) => [...shownLines(b)]));
      for (let l = r.lines[0]; l <= r.lines[1] && all; l++) all = shown.has(l);
    }
    best.whole ||= all;
    const names = r.unnamed ? [] : r.symbol.split('.');
    const scopes = names.slice(0, -1).map((_, i) => names.slice(0, i + 1).join('.'));
    const hasScopes = scopes.every((s) => blocks.some((b) => b.rel === r.path && b.symbol === s));
    const hasImports =
      !filesWithImports.has(found.path) || blocks.some((b) => b.path === found.path && b.role === 'imports');
    best.scopes ||= hasScopes;
    best.complete ||= hasScopes && hasImports;
    best.wholeComplete ||= all && hasScopes && hasImports;
  }
  return best;
}

const totals = {
  assembler: { answered: 0, scopes: 0, complete: 0, whole: 0, wholeComplete: 0, tokens: 0 },
  hitsOnly: { answered: 0, scopes: 0, complete: 0, whole: 0, wholeComplete: 0, tokens: 0 },
};
const perQuestion = [];
const started = performance.now();
for (const q of questions) {
  const params = { query: q.question, engine: codeEngine, k, mode: args.mode };
  const context = await app.context.assemble({ ...params, budget });
  const blocks = context.blocks.map((b) => ({
    ...view(b.path, b.symbol, b.start_line, b.end_line),
    role: b.role,
    text: b.text,
  }));
  // The same search's hits, best first, each whole while the rendered text fits the same budget.
  const found = await app.search.search(params);
  const pasted = [];
  let used = 0;
  for (const h of found.results) {
    const offset = typeof h.metadata.bodyOffset === 'number' ? h.metadata.bodyOffset : 0;
    const block = {
      path: h.path,
      engine: h.engine,
      start_line: h.startLine,
      end_line: h.endLine,
      role: 'hit',
      symbol: typeof h.metadata.symbol === 'string' ? h.metadata.symbol : null,
      heading_path: h.headingPath,
      score: h.score,
      text: h.text.slice(offset),
    };
    const cost = tokensOf(formatContext({ blocks: [block] }));
    if (used + cost > budget) continue;
    used += cost;
    pasted.push(block);
  }
  const hitBlocks = pasted.map((b) => ({
    ...view(b.path, b.symbol, b.start_line, b.end_line),
    role: 'hit',
    text: b.text,
  }));
  const a = judge(q, blocks);
  const h = judge(q, hitBlocks);
  for (const [name, r, tokens] of [
    ['assembler', a, context.tokens],
    ['hitsOnly', h, used],
  ]) {
    totals[name].answered += r.answered ? 1 : 0;
    totals[name].scopes += r.scopes ? 1 : 0;
    totals[name].complete += r.complete ? 1 : 0;
    totals[name].whole += r.whole ? 1 : 0;
    totals[name].wholeComplete += r.wholeComplete ? 1 : 0;
    totals[name].tokens += tokens;
  }
  perQuestion.push({
    id: q.id,
    assembler: a,
    hitsOnly: h,
    tokens: context.tokens,
    blocks: context.blocks.length,
  });
  if (!args.quiet)
    console.error(
      `${q.id}: context ${a.complete ? 'complete' : a.scopes ? 'scopes' : a.answered ? 'answered' : '-'} (${context.tokens} tokens, ${context.blocks.length} blocks); hits only ${h.complete ? 'complete' : h.scopes ? 'scopes' : h.answered ? 'answered' : '-'}`,
    );
}
const seconds = (performance.now() - started) / 1000;
await app.close();

const n = questions.length;
const pct = (x) => `${((100 * x) / n).toFixed(1)} %`;
console.log(
  `\n${n} questions, ${relative(process.cwd(), questionsPath)}; budget ${budget} tokens, k ${k}, ${args.mode}; ${seconds.toFixed(1)} s`,
);
console.log(
  '| context | answer present | + enclosing scopes | + imports (complete) | answer whole | whole and complete | mean tokens |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [name, label] of [
  ['assembler', '`ragctl context`'],
  ['hitsOnly', 'search hits alone, same budget'],
]) {
  const t = totals[name];
  console.log(
    `| ${label} | ${pct(t.answered)} | ${pct(t.scopes)} | ${pct(t.complete)} | ${pct(t.whole)} | ${pct(t.wholeComplete)} | ${Math.round(t.tokens / n)} |`,
  );
}
const outDir = resolve(here, '../out');
mkdirSync(outDir, { recursive: true });
const name = args.base ?? basename(dirname(questionsPath));
const outFile = `${outDir}/context-share-${name}-${new Date().toISOString().replaceAll(':', '-')}.json`;
writeFileSync(
  outFile,
  `${JSON.stringify({ config: configPath, questions: questionsPath, budget, k, mode: args.mode, n, totals, perQuestion }, null, 1)}\n`,
);
console.log(`per question: ${relative(process.cwd(), outFile)}`);
