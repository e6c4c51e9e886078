#!/usr/bin/env node
// What the markdown chunker embeds of a folder of pages, of the markup their rendered pages hide:
// chunks, chunks whose embedded text (outside fenced code) holds an MDX `import`/`export`
// statement's line, an MDX `{/* comment */}`, a callout box's fence (`::: tip`, `:::`), or a
// `<script>`/`<style>` element, and the word pieces embedded.
// `npm run build && node bench/quality/hidden-markup.mjs <folder> <dist>...` (each dist a
// checkout's build, for a before/after on the same pages; .md, .mdx and .markdown files).
import { readFileSync } from 'node:fs';
import { filesUnder, markdownChunkerOf } from './chunker-files.mjs';

const [root, ...dists] = process.argv.slice(2);
if (!root || dists.length === 0) throw new Error('usage: hidden-markup.mjs <folder> <dist>...');
const KINDS = {
  statement: /^(import|export)\b/m,
  'MDX comment': /\{\/\*/,
  'box fence': /^ {0,3}:{3,}/m,
  'script or style': /<(script|style)\b/i,
};
for (const dist of dists) {
  const { chunker, tokenizer, limits } = await markdownChunkerOf(dist);
  const counts = Object.fromEntries(Object.keys(KINDS).map((k) => [k, 0]));
  let chunks = 0;
  let pieces = 0;
  for (const path of filesUnder(root, /\.(md|mdx|markdown)$/i)) {
    for (const c of chunker.chunk({ path, text: readFileSync(path, 'utf8') }, limits)) {
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
