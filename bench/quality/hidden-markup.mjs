#!/usr/bin/env node
// What the markdown chunker embeds of a folder of pages, of the markup their rendered pages hide:
// chunks, chunks whose embedded text (outside fenced code) holds an MDX `import`/`export`
// statement's line, an MDX `{/* comment */}`, a callout box's fence (`::: tip`, `:::`), or a
// `<script>`/`<style>` element, and the word pieces embedded.
// `npm run build && node bench/quality/hidden-markup.mjs <folder> <dist>...` (each dist a
// checkout's build, for a before/after on the same pages; .md, .mdx and .markdown files).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, ...dists] = process.argv.slice(2);
if (!root || dists.length === 0) throw new Error('usage: hidden-markup.mjs <folder> <dist>...');
const href = (dist, module) => pathToFileURL(join(resolve(dist), module)).href;
const { WordPieceTokenizer } = await import(href(dists[0], 'embed/tokenizer.js'));
const { resolveModel } = await import(href(dists[0], 'embed/model/resolve.js'));
const tokenizer = new WordPieceTokenizer(resolveModel('sentence-transformers/all-MiniLM-L6-v2').dir, 256);
const limits = { maxTokens: 256, minTokens: 48, tokenizer };
const KINDS = {
  statement: /^(import|export)\b/m,
  'MDX comment': /\{\/\*/,
  'box fence': /^ {0,3}:{3,}/m,
  'script or style': /<(script|style)\b/i,
};
function* pages(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* pages(path);
    else if (/\.(md|mdx|markdown)$/i.test(name)) yield path;
  }
}
for (const dist of dists) {
  const { markdownChunker } = await import(href(dist, 'engines/markdown/chunker.js'));
  const counts = Object.fromEntries(Object.keys(KINDS).map((k) => [k, 0]));
  let chunks = 0;
  let pieces = 0;
  for (const path of pages(root)) {
    for (const c of markdownChunker.chunk({ path, text: readFileSync(path, 'utf8') }, limits)) {
      const embedded = c.embedText ?? c.text;
      const prose = embedded.replace(/```[\s\S]*?```/g, '');
      chunks++;
      for (const [kind, pattern] of Object.entries(KINDS)) if (pattern.test(prose)) counts[kind]++;
      pieces += tokenizer.countTokens(embedded);
    }
  }
  const held = Object.entries(counts).map(([kind, n]) => `${n} embedding a ${kind}`);
  console.log(`${dist}: ${chunks} chunks, ${held.join(', ')}, ${pieces} word pieces embedded`);
}
