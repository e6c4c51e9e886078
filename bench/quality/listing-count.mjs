#!/usr/bin/env node
// How many chunks of a folder the markdown chunker marks as listings (`metadata.listing`), and
// in which files: `npm run build && node bench/quality/listing-count.mjs <folder>...`
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const { markdownChunker } = await import('../../dist/engines/markdown/chunker.js');
const { WordPieceTokenizer } = await import('../../dist/embed/tokenizer.js');
const { resolveModel } = await import('../../dist/embed/model/resolve.js');

const model = resolveModel('sentence-transformers/all-MiniLM-L6-v2');
const limits = { maxTokens: 256, minTokens: 32, tokenizer: new WordPieceTokenizer(model.dir, 256) };
const readable = /\.(md|markdown|txt|rst|html?|xhtml)$/i;
function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (readable.test(name)) yield path;
  }
}
for (const root of process.argv.slice(2)) {
  let chunks = 0;
  const listed = new Map();
  for (const path of files(root)) {
    for (const chunk of await markdownChunker.chunk({ path, text: readFileSync(path, 'utf8') }, limits)) {
      chunks++;
      if (chunk.metadata.listing) listed.set(path, (listed.get(path) ?? 0) + 1);
    }
  }
  const total = [...listed.values()].reduce((a, b) => a + b, 0);
  console.log(`${root}: ${total} of ${chunks} chunks are listings, in ${listed.size} files`);
  for (const [path, n] of [...listed].sort((a, b) => b[1] - a[1]).slice(0, 10))
    console.log(`  ${n}  ${path}`);
}
