#!/usr/bin/env node
// What the markdown chunker makes of Markdown folders, as to the markup a rendered page hides
// (src/engines/markdown/hidden.ts: comments, empty anchors, link reference definitions): how many
// chunks, how many show a reader nothing but headings (their body, headings left out, is hidden
// markup alone), and how many embed text other than their own (`embedText`).
//
//   npm run build && node bench/markdown/hidden-markup.mjs <folder>...
//   node bench/markdown/hidden-markup.mjs --dist /tmp/before/dist <folder>...   # another build
//
// Both builds are judged by this checkout's hidden.ts, so their counts compare.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    dist: { type: 'string', default: new URL('../../dist', import.meta.url).pathname },
    rounds: { type: 'string', default: '3' },
  },
  allowPositionals: true,
});
const dist = resolve(values.dist);
const { markdownChunker } = await import(join(dist, 'engines/markdown/chunker.js'));
const { WordPieceTokenizer } = await import(join(dist, 'embed/tokenizer.js'));
const { resolveModel } = await import(join(dist, 'embed/model/resolve.js'));
const { showsNothing } = await import('../../dist/engines/markdown/hidden.js');

const model = resolveModel('sentence-transformers/all-MiniLM-L6-v2');
const limits = { maxTokens: 256, minTokens: 32, tokenizer: new WordPieceTokenizer(model.dir, 256) };
const MARKDOWN = /\.(md|markdown|mdx)$/i;
const HEADING = /^ {0,3}#{1,6}(?:\s.*)?$/gm;
function* files(dir) {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (MARKDOWN.test(name)) yield path;
  }
}
console.log(`chunker ${markdownChunker.version} (${dist})`);
for (const root of positionals) {
  const inputs = [...files(root)].map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  let best = Number.POSITIVE_INFINITY;
  let made = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    const started = performance.now();
    made = [];
    for (const input of inputs) made.push(...(await markdownChunker.chunk(input, limits)));
    best = Math.min(best, performance.now() - started);
  }
  let hiddenOnly = 0;
  let headingsOnly = 0;
  let otherEmbedded = 0;
  const examples = [];
  for (const chunk of made) {
    const body = chunk.text.slice(chunk.metadata.bodyOffset ?? 0);
    const words = body.replace(HEADING, '');
    if (words.trim() === '') headingsOnly++;
    else if (showsNothing(words)) {
      hiddenOnly++;
      if (examples.length < 5)
        examples.push(`${chunk.startLine}-${chunk.endLine}: ${JSON.stringify(body.slice(0, 80))}`);
    }
    if (chunk.embedText !== undefined && chunk.embedText !== chunk.text) otherEmbedded++;
  }
  console.log(
    `${root}: ${inputs.length} files, ${made.length} chunks in ${best.toFixed(0)} ms; ${hiddenOnly} of hidden markup (and headings) only, ${headingsOnly} of headings only; ${otherEmbedded} embed other text than their own`,
  );
  for (const e of examples) console.log(`  ${e}`);
}
