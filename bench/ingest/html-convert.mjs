// What reading an HTML page as the text it shows (markdown/html.ts) adds to chunking it. Each
// page of a folder is chunked twice per round, side by side: as the `.html` file the md engine
// reads (conversion, then the Markdown chunker) and as the Markdown text that conversion gives,
// named `.md` (the chunker alone). The tokenizer is the real model's; no embedding.
//
//   node --import ./bench/store/register-ts.mjs bench/ingest/html-convert.mjs --dir /usr/share/doc/python3.11/html/library
//
// Raw numbers: bench/out/html-convert-<time>.json.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WordPieceTokenizer } from '../../src/embed/tokenizer.js';
import { chunkMarkdown } from '../../src/engines/markdown/chunker.js';
import { htmlToMarkdown } from '../../src/engines/markdown/html.js';
import { testModel } from '../../test/helpers/model.js';
import { machine, sideBySide } from '../stats.mjs';

const { values } = parseArgs({
  options: { dir: { type: 'string' }, rounds: { type: 'string', default: '5' } },
});
if (!values.dir) throw new Error('--dir <folder of .html pages> is required');
const dir = resolve(values.dir);
const pages = readdirSync(dir)
  .filter((f) => /\.html?$/i.test(f))
  .map((f) => ({
    path: join(dir, f),
    text: readFileSync(join(dir, f), 'utf8'),
    bytes: statSync(join(dir, f)).size,
  }));
for (const p of pages) p.markdown = htmlToMarkdown(p.text).text;
const limits = { maxTokens: 256, minTokens: 48, tokenizer: new WordPieceTokenizer(testModel().dir, 256) };
const ways = {
  html: (p) => chunkMarkdown({ path: p.path, relativePath: 'p.html', text: p.text }, limits).length,
  markdown: (p) =>
    chunkMarkdown({ path: `${p.path}.md`, relativePath: 'p.md', text: p.markdown }, limits).length,
};
const { times, counts: chunks, medianMs } = sideBySide(ways, pages, Number(values.rounds));
const mb = pages.reduce((n, p) => n + p.bytes, 0) / 1e6;
const result = {
  ...machine(),
  dir,
  pages: pages.length,
  htmlMB: Number(mb.toFixed(2)),
  markdownMB: Number((pages.reduce((n, p) => n + p.markdown.length, 0) / 1e6).toFixed(2)),
  chunks,
  medianMs,
  times,
};
console.log(
  `${pages.length} pages, ${result.htmlMB} MB of HTML → ${result.markdownMB} MB of Markdown; chunks ${chunks.html} / ${chunks.markdown}`,
);
console.log(
  `chunking, median of ${values.rounds} rounds: as .html ${result.medianMs.html.toFixed(0)} ms, its Markdown as .md ${result.medianMs.markdown.toFixed(0)} ms (conversion ${(result.medianMs.html - result.medianMs.markdown).toFixed(0)} ms, ${((result.medianMs.html - result.medianMs.markdown) / mb).toFixed(0)} ms per MB of HTML)`,
);
mkdirSync('bench/out', { recursive: true });
const out = `bench/out/html-convert-${new Date().toISOString().replace(/[:.]/g, '')}.json`;
writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
console.log(`wrote ${out}`);
