#!/usr/bin/env node
// What the markdown chunker embeds of a folder of MDX pages: chunks, chunks whose embedded text
// (outside fenced code) holds an `import`/`export` statement's line or an MDX `{/* comment */}`,
// and the word pieces embedded. `npm run build && node bench/quality/mdx-hidden.mjs <folder> <dist>...`
// (each dist a checkout's build, for a before/after on the same pages).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, ...dists] = process.argv.slice(2);
if (!root || dists.length === 0) throw new Error('usage: mdx-hidden.mjs <folder> <dist>...');
const href = (dist, module) => pathToFileURL(join(resolve(dist), module)).href;
const { WordPieceTokenizer } = await import(href(dists[0], 'embed/tokenizer.js'));
const { resolveModel } = await import(href(dists[0], 'embed/model/resolve.js'));
const tokenizer = new WordPieceTokenizer(resolveModel('sentence-transformers/all-MiniLM-L6-v2').dir, 256);
const limits = { maxTokens: 256, minTokens: 48, tokenizer };
function* pages(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* pages(path);
    else if (name.endsWith('.mdx')) yield path;
  }
}
for (const dist of dists) {
  const { markdownChunker } = await import(href(dist, 'engines/markdown/chunker.js'));
  let chunks = 0;
  let statements = 0;
  let comments = 0;
  let pieces = 0;
  for (const path of pages(root)) {
    for (const c of markdownChunker.chunk({ path, text: readFileSync(path, 'utf8') }, limits)) {
      const embedded = c.embedText ?? c.text;
      const prose = embedded.replace(/```[\s\S]*?```/g, '');
      chunks++;
      if (/^(import|export)\b/m.test(prose)) statements++;
      if (prose.includes('{/*')) comments++;
      pieces += tokenizer.countTokens(embedded);
    }
  }
  console.log(
    `${dist}: ${chunks} chunks, ${statements} embedding a statement, ${comments} embedding an MDX comment, ${pieces} word pieces embedded`,
  );
}
