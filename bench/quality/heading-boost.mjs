#!/usr/bin/env node
// Experiment: weight the heading path above the body in the full-text leg. Adds a full-text
// index on `heading_path` (a List<utf8>; LanceDB indexes its items) to an eval index, then runs
// each question's text leg as a MultiMatchQuery over `text` (which already starts with the
// breadcrumb) and `heading_path` with boost b, and fuses it with the vector leg saved by the
// corpus's eval run (relative score, 0.5/0.5, as shipped). Prints section-level MRR@10 and R@10
// of the text leg alone and of hybrid per boost. b = 0 is the shipped text leg.
//
//   node bench/quality/heading-boost.mjs --corpus py-lib [--run bench/out/quality-….json]
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect, Index, MatchQuery, MultiMatchQuery } from '@lancedb/lancedb';
import { sectionLines } from './sections.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: 'py-lib' },
    run: { type: 'string' },
    boosts: { type: 'string', default: '0,0.5,1,2,4' },
  },
});
const K = 10;
const POOL = 50;
const corpusRoot = realpathSync(join(repo, 'bench/data/quality', args.corpus, 'corpus'));
const outDir = join(repo, 'bench/out');
const runFile =
  args.run ??
  join(
    outDir,
    readdirSync(outDir)
      .filter((f) => /^quality-.*\.json$/.test(f))
      .sort()
      .filter(
        (f) => JSON.parse(readFileSync(join(outDir, f), 'utf8')).meta.label === `${args.corpus}-baseline`,
      )
      .at(-1),
  );
const run = JSON.parse(readFileSync(runFile, 'utf8'));
const questions = readFileSync(join(here, 'corpora', args.corpus, 'questions.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));

const judges = new Map(
  questions.map((q) => {
    const byPath = new Map(
      q.relevant.map((r) => [
        r.path,
        r.sections.map((s) => sectionLines(join(corpusRoot, r.path), s.heading)),
      ]),
    );
    return [
      q.id,
      (h) =>
        byPath
          .get(relative(corpusRoot, realpathSync(h.path)))
          ?.some(([a, b]) => h.start_line <= b && h.end_line >= a) ?? false,
    ];
  }),
);

const db = await connect(join(repo, `bench/data/quality-index-${args.corpus}`, 'index'));
const table = await db.openTable('chunks_md');
if (!(await table.listIndices()).some((i) => i.columns.includes('heading_path'))) {
  await table.createIndex('heading_path', {
    config: Index.fts({
      baseTokenizer: 'simple',
      language: 'English',
      lowercase: true,
      asciiFolding: true,
      stem: true,
    }),
    name: 'heading_path_fts',
  });
}

const minmax = (list) => {
  const s = list.map((h) => h.score);
  const lo = Math.min(...s);
  const hi = Math.max(...s);
  return new Map(list.map((h) => [h.id, hi > lo ? (h.score - lo) / (hi - lo) : 1]));
};
const rr = (list) => {
  const i = list.findIndex((h) => h.hit);
  return i < 0 || i >= K ? 0 : 1 / (i + 1);
};
console.log(`${args.corpus}: ${questions.length} questions, vector legs from ${relative(repo, runFile)}`);
console.log('| boost | text MRR@10 | text R@10 | hybrid MRR@10 | hybrid R@10 |\n|---:|---:|---:|---:|---:|');
for (const b of args.boosts.split(',').map(Number)) {
  let tMrr = 0;
  let tR = 0;
  let hMrr = 0;
  let hR = 0;
  for (const q of run.questions) {
    const judge = judges.get(q.id);
    const match =
      b === 0
        ? new MatchQuery(q.question, 'text')
        : new MultiMatchQuery(q.question, ['text', 'heading_path'], { boosts: [1, b] });
    const rows = await table
      .query()
      .fullTextSearch(match)
      .select(['id', 'path', 'start_line', 'end_line', '_score'])
      .limit(POOL)
      .toArray();
    const text = rows.map((r) => ({ id: r.id, score: r._score, hit: judge(r) }));
    const vector = q.legs.vector.slice(0, POOL).map((h) => ({ id: h.id, score: h.score, hit: h.section }));
    tMrr += rr(text);
    tR += text.slice(0, K).some((h) => h.hit) ? 1 : 0;
    const nv = minmax(vector);
    const nt = minmax(text);
    const fused = new Map();
    for (const h of [...vector, ...text]) fused.set(h.id, { id: h.id, hit: h.hit });
    const list = [...fused.values()]
      .map((h) => ({ ...h, score: 0.5 * (nv.get(h.id) ?? 0) + 0.5 * (nt.get(h.id) ?? 0) }))
      .sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1));
    hMrr += rr(list);
    hR += list.slice(0, K).some((h) => h.hit) ? 1 : 0;
  }
  const n = run.questions.length;
  const f = (x) => (x / n).toFixed(3);
  console.log(`| ${b} | ${f(tMrr)} | ${f(tR)} | ${f(hMrr)} | ${f(hR)} |`);
}
table.close();
db.close();
