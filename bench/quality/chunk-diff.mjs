#!/usr/bin/env node
// Which Markdown files two builds of the markdown chunker cut differently: each file's chunks
// (lines, paths, texts, hashes) compared whole. For a chunker change that must leave some
// corpora as they were (the held-out ones, whose numbers then stand).
// `npm run build && node bench/quality/chunk-diff.mjs <before-dist> <after-dist> <folder>...`
import { readFileSync } from 'node:fs';
import { filesUnder, markdownChunkerOf } from './chunker-files.mjs';

const [before, after, ...roots] = process.argv.slice(2);
if (!before || !after || roots.length === 0)
  throw new Error('usage: chunk-diff.mjs <before-dist> <after-dist> <folder>...');
const [a, b] = [await markdownChunkerOf(before), await markdownChunkerOf(after)];
for (const root of roots) {
  let count = 0;
  let differ = 0;
  for (const path of filesUnder(root, /\.(md|mdx|markdown)$/i)) {
    count++;
    const text = readFileSync(path, 'utf8');
    const cut = ({ chunker, limits }) => JSON.stringify(chunker.chunk({ path, text }, limits));
    if (cut(a) !== cut(b)) {
      differ++;
      console.log(`  differs: ${path}`);
    }
  }
  console.log(`${root}: ${count} files, ${differ} chunked differently`);
}
