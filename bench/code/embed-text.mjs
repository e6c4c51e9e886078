#!/usr/bin/env node
// What the code engine embeds for a chunk: its text alone, or its symbol path and then its text.
// Chunks this repository's src/ with the code chunker, embeds every chunk both ways with the real
// model, and ranks the chunks for a few questions a person would ask about the code (each names
// the symbol that answers it); prints MRR and recall@5 for each variant. Vector search only, so
// the variants differ in nothing but the embedded text.
//
//   npm run build && node bench/code/embed-text.mjs [--model sentence-transformers/all-MiniLM-L6-v2]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..', '..');
const { CodeChunker } = await import(join(REPO, 'dist/engines/code/chunker.js'));
const { Grammars } = await import(join(REPO, 'dist/engines/code/grammars.js'));
const { MlxEmbedder } = await import(join(REPO, 'dist/embed/mlx-embedder.js'));

const { values: args } = parseArgs({
  options: { model: { type: 'string', default: 'sentence-transformers/all-MiniLM-L6-v2' } },
});

/** Questions as a person asks them, and the symbol (`path:Name`, relative to src/) that answers each. */
const QUESTIONS = [
  ['where is the SQL where clause for an engine filter built', 'store/where.ts:fieldWhere'],
  ['how does indexing tell a binary file from text', 'pipeline/read-file.ts:readForIndex'],
  ['which files does the code engine refuse as minified or generated', 'engines/code/skip.ts:skipReason'],
  ['suggest the closest key when a config key is misspelt', 'config/schema.ts:closest'],
  ['load a tree-sitter grammar for a language', 'engines/code/grammars.ts:Grammars.parser'],
  ['free the wasm memory held by parsers', 'engines/code/grammars.ts:Grammars.close'],
  ['hash file contents for change detection', 'pipeline/read-file.ts:shortHash'],
  ['glob pattern to regular expression', 'store/where.ts:globToRegex'],
  ['turn a glob over file paths into a filter on rel_path or path', 'store/where.ts:pathGlobWhere'],
  ['validate the config and resolve source folders', 'config/load.ts:resolveConfig'],
  ['register a chunker or mapper by name', 'registry/registry.ts:ComponentRegistry.registerMapper'],
  ['count syntax error characters in a parse tree', 'engines/code/chunker.ts:errorChars'],
];

function* files(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

const src = join(REPO, 'src');
const embedder = new MlxEmbedder({ model: args.model, batchTokens: 4096 });
const chunker = new CodeChunker(new Grammars());
const limits = { maxTokens: embedder.maxTokens, minTokens: 32, tokenizer: embedder.tokenizer };
const chunks = [];
for (const path of files(src)) {
  const input = { path, relativePath: relative(src, path), text: readFileSync(path, 'utf8') };
  for (const chunk of await chunker.chunk(input, limits)) chunks.push(chunk);
}
const missing = QUESTIONS.filter(([, s]) => !chunks.some((c) => c.metadata.symbol === s));
if (missing.length) throw new Error(`no chunk for: ${missing.map(([, s]) => s).join(', ')}`);

const VARIANTS = {
  // What CodeChunker stores is the second; the source alone starts at `bodyOffset`.
  'text alone': (c) => c.text.slice(c.metadata.bodyOffset),
  'symbol path + text': (c) => c.text,
};
const dim = embedder.dimension;
const queries = await embedder.embed(
  QUESTIONS.map(([q]) => q),
  { priority: 'query' },
);
const results = [];
for (const [variant, textOf] of Object.entries(VARIANTS)) {
  const t0 = performance.now();
  const vectors = await embedder.embed(chunks.map(textOf));
  const seconds = (performance.now() - t0) / 1000;
  let rr = 0;
  let hits5 = 0;
  const ranks = [];
  QUESTIONS.forEach(([, symbol], q) => {
    const qv = queries.subarray(q * dim, (q + 1) * dim);
    const scored = chunks.map((c, i) => {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += qv[d] * vectors[i * dim + d];
      return { symbol: c.metadata.symbol, dot };
    });
    scored.sort((a, b) => b.dot - a.dot);
    const rank = scored.findIndex((s) => s.symbol === symbol) + 1;
    ranks.push(rank);
    rr += 1 / rank;
    if (rank <= 5) hits5++;
  });
  const row = {
    variant,
    chunks: chunks.length,
    questions: QUESTIONS.length,
    mrr: +(rr / QUESTIONS.length).toFixed(3),
    recallAt5: +(hits5 / QUESTIONS.length).toFixed(3),
    ranks,
    embedSeconds: +seconds.toFixed(1),
  };
  console.log(JSON.stringify(row));
  results.push(row);
}
console.log(
  '\n| embedded text | chunks | questions | MRR | R@5 | ranks |\n| --- | ---: | ---: | ---: | ---: | --- |',
);
for (const r of results)
  console.log(
    `| ${r.variant} | ${r.chunks} | ${r.questions} | ${r.mrr} | ${r.recallAt5} | ${r.ranks.join(' ')} |`,
  );
await embedder.close();
