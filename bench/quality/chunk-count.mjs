#!/usr/bin/env node
// What the markdown chunker makes of folders: chunks, listings (`metadata.listing`, and in which
// files), and chunks with no breadcrumb whose text holds a heading line (two chapters' text
// merged under none). `npm run build && node bench/quality/chunk-count.mjs <folder>...`
import { readFileSync } from 'node:fs';
import { filesUnder, markdownChunkerOf } from './chunker-files.mjs';

const { chunker: markdownChunker, limits } = await markdownChunkerOf(undefined, 32);
const readable = /\.(md|markdown|txt|rst|html?|xhtml|pdf)$/i;
const files = (root) => filesUnder(root, readable);
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
