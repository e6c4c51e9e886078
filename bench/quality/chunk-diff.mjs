#!/usr/bin/env node
// Which Markdown files two builds of the markdown chunker cut differently: each file's chunks
// (lines, paths, texts, hashes) compared whole. For a chunker change that must leave some
// corpora as they were (the held-out ones, whose numbers then stand).
// `npm run build && node bench/quality/chunk-diff.mjs <before-dist> <after-dist> <folder>...`
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [before, after, ...roots] = process.argv.slice(2);
if (!before || !after || roots.length === 0)
  throw new Error('usage: chunk-diff.mjs <before-dist> <after-dist> <folder>...');
const href = (dist, module) => pathToFileURL(join(resolve(dist), module)).href;
const chunkerOf = async (dist) => (await import(href(dist, 'engines/markdown/chunker.js'))).markdownChunker;
const [a, b] = [await chunkerOf(before), await chunkerOf(after)];
const { WordPieceTokenizer } = await import(href(after, 'embed/tokenizer.js'));
const { resolveModel } = await import(href(after, 'embed/model/resolve.js'));
const tokenizer = new WordPieceTokenizer(resolveModel('sentence-transformers/all-MiniLM-L6-v2').dir, 256);
const limits = { maxTokens: 256, minTokens: 48, tokenizer };
function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(md|mdx|markdown)$/i.test(name)) yield path;
  }
}
for (const root of roots) {
  let count = 0;
  let differ = 0;
  for (const path of files(root)) {
    count++;
    const text = readFileSync(path, 'utf8');
    const cut = (chunker) => JSON.stringify(chunker.chunk({ path, text }, limits));
    if (cut(a) !== cut(b)) {
      differ++;
      console.log(`  differs: ${path}`);
    }
  }
  console.log(`${root}: ${count} files, ${differ} chunked differently`);
}
