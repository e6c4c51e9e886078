#!/usr/bin/env node
// What the markdown chunker makes of folders: chunks, listings (`metadata.listing`, and in which
// files), and chunks with no breadcrumb whose text holds a heading line (two chapters' text
// merged under none). `npm run build && node bench/quality/chunk-count.mjs <folder>...`
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const { markdownChunker } = await import('../../dist/engines/markdown/chunker.js');
const { WordPieceTokenizer } = await import('../../dist/embed/tokenizer.js');
const { resolveModel } = await import('../../dist/embed/model/resolve.js');

const model = resolveModel('sentence-transformers/all-MiniLM-L6-v2');
const limits = { maxTokens: 256, minTokens: 32, tokenizer: new WordPieceTokenizer(model.dir, 256) };
const readable = /\.(md|markdown|txt|rst|html?|xhtml|pdf)$/i;
function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (readable.test(name)) yield path;
  }
}
for (const root of process.argv.slice(2)) {
  let chunks = 0;
  let unplaced = 0;
  let skipped = 0;
  const listed = new Map();
  for (const path of files(root)) {
    const bytes = readFileSync(path);
    const input = markdownChunker.readsBytes(path)
      ? { path, text: '', bytes }
      : { path, text: bytes.toString('utf8') };
    let made;
    try {
      made = await markdownChunker.chunk(input, limits);
    } catch {
      skipped++; // a PDF without a text layer, say: the index skips it too
      continue;
    }
    for (const chunk of made) {
      chunks++;
      if (chunk.metadata.listing) listed.set(path, (listed.get(path) ?? 0) + 1);
      if (chunk.headingPath.length === 0 && /^#{1,6} /m.test(chunk.text)) unplaced++;
    }
  }
  const total = [...listed.values()].reduce((a, b) => a + b, 0);
  console.log(
    `${root}: ${chunks} chunks; ${total} listings, in ${listed.size} files; ${unplaced} without a breadcrumb holding a heading${skipped ? `; ${skipped} files skipped` : ''}`,
  );
  for (const [path, n] of [...listed].sort((a, b) => b[1] - a[1]).slice(0, 10))
    console.log(`  ${n}  ${path}`);
}
