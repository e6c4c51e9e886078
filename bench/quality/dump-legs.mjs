#!/usr/bin/env node
// Dumps what offline ranking experiments need from a corpus's index (built by eval.mjs): every
// chunk (id, file, lines, heading path, text, vector) and, per question, the query's embedding and the text leg's
// top `--depth` with BM25 scores. rank-replay.mjs then recomputes the vector leg exactly (the
// tables are small enough for a flat scan, which is what LanceDB does without an ANN index) and
// replays fusions that need more than the legs' top 50: a second vector query (pseudo-relevance
// feedback), scores of other chunks of the same file, neighbours.
//
//   node bench/quality/dump-legs.mjs --corpus py-lib [--depth 50: the text leg as hybrid asks for it at k 10]
//   → bench/out/legs-<corpus>.json
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sectionLines } from './sections.mjs';

register('../store/ts-loader.mjs', import.meta.url);

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: { corpus: { type: 'string' }, depth: { type: 'string', default: '50' } },
});
if (!args.corpus) throw new Error('--corpus <name> is required (a folder of bench/quality/corpora)');
const dir = join(here, 'corpora', args.corpus);

const { loadConfig } = await import('../../src/config/load.js');
const { createLogger } = await import('../../src/log.js');
const { App } = await import('../../src/app.js');

const config = loadConfig({ configPath: join(dir, 'config.yaml') });
const root = realpathSync(config.sources[0].path);
const questions = readFileSync(join(dir, 'questions.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));
for (const q of questions)
  for (const r of q.relevant)
    for (const s of r.sections ?? []) s.lines ??= sectionLines(join(root, r.path), s.heading, q.id);
const app = await App.open(config, {
  logger: createLogger({ level: 'warn', pretty: false }),
  readConsistencyS: 0,
});
const rel = (p) => relative(root, realpathSync(p));
try {
  const table = app.indexer.table('md');
  const chunks = [];
  const columns = ['id', 'path', 'start_line', 'end_line', 'heading_path', 'text', 'vector'];
  for await (const batch of table.scan(columns, undefined)) {
    const [id, path, start, end, headings, text, vector] = columns.map((c) => batch.getChild(c));
    for (let i = 0; i < batch.numRows; i++) {
      const v = Float32Array.from(vector.get(i).toArray());
      chunks.push({
        id: id.get(i),
        rel: rel(path.get(i)),
        startLine: start.get(i),
        endLine: end.get(i),
        headingPath: Array.from(headings.get(i)),
        // The chunk's text as stored (breadcrumb first), for lexical features (rank-replay --family lex).
        text: text.get(i),
        vector: Buffer.from(v.buffer).toString('base64'),
      });
    }
  }
  const embedder = app.embedders.get(config.engines.md.embedder);
  const rows = [];
  for (const q of questions) {
    const vector = await embedder.embed([q.question], { priority: 'query' });
    const text = await app.search.search({ query: q.question, mode: 'text', k: Number(args.depth) });
    rows.push({
      id: q.id,
      question: q.question,
      relevant: q.relevant,
      vector: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64'),
      text: text.results.map((h) => ({ id: h.id, score: h.score })),
    });
  }
  const out = join(repo, 'bench/out', `legs-${args.corpus}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ corpus: args.corpus, chunks, questions: rows }));
  console.log(`wrote ${relative(repo, out)}: ${chunks.length} chunks, ${rows.length} questions`);
} finally {
  await app.close();
}
