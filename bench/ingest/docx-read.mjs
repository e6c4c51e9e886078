// What reading a Word document (markdown/docx.ts) adds to chunking its text. A folder of Markdown
// files is made into .docx files by pandoc (once, into bench/data/docx/<folder name>/), then each
// document is chunked twice per round, side by side: as the `.docx` the md engine reads (unzip,
// XML, then the Markdown chunker) and as the Markdown that reading gives, named `.md` (the
// chunker alone). The tokenizer is the real model's; no embedding.
//
//   node --import ./bench/store/register-ts.mjs bench/ingest/docx-read.mjs --dir bench/data/quality/pg-docs/corpus/admin
//
// Needs pandoc (apt-get install pandoc). Raw numbers: bench/out/docx-read-<time>.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WordPieceTokenizer } from '../../src/embed/tokenizer.js';
import { chunkMarkdown } from '../../src/engines/markdown/chunker.js';
import { docxToMarkdown } from '../../src/engines/markdown/docx.js';
import { testModel } from '../../test/helpers/model.js';
import { machine, sideBySide } from '../stats.mjs';

const { values } = parseArgs({
  options: { dir: { type: 'string' }, rounds: { type: 'string', default: '5' } },
});
if (!values.dir) throw new Error('--dir <folder of .md files> is required');
const dir = resolve(values.dir);
const outDir = resolve('bench/data/docx', basename(dir));
mkdirSync(outDir, { recursive: true });
const docs = readdirSync(dir)
  .filter((f) => f.endsWith('.md'))
  .map((f) => {
    const docx = join(outDir, f.replace(/\.md$/, '.docx'));
    if (!existsSync(docx)) execFileSync('pandoc', [join(dir, f), '-o', docx]);
    return { path: docx, bytes: readFileSync(docx), size: statSync(docx).size };
  });
for (const d of docs) d.markdown = docxToMarkdown(d.bytes).text;
const limits = { maxTokens: 256, minTokens: 48, tokenizer: new WordPieceTokenizer(testModel().dir, 256) };
const ways = {
  docx: (d) => chunkMarkdown({ path: d.path, text: '' }, limits, docxToMarkdown(d.bytes)).length,
  markdown: (d) => chunkMarkdown({ path: `${d.path}.md`, text: d.markdown }, limits).length,
};
const { times, counts: chunks, medianMs } = sideBySide(ways, docs, Number(values.rounds));
const mb = docs.reduce((n, d) => n + d.size, 0) / 1e6;
const result = {
  ...machine(),
  dir,
  documents: docs.length,
  docxMB: Number(mb.toFixed(2)),
  markdownMB: Number((docs.reduce((n, d) => n + d.markdown.length, 0) / 1e6).toFixed(2)),
  chunks,
  medianMs,
  times,
};
console.log(
  `${docs.length} documents, ${result.docxMB} MB of .docx → ${result.markdownMB} MB of Markdown; chunks ${chunks.docx} / ${chunks.markdown}`,
);
console.log(
  `chunking, median of ${values.rounds} rounds: as .docx ${result.medianMs.docx.toFixed(0)} ms, its Markdown as .md ${result.medianMs.markdown.toFixed(0)} ms (reading the .docx ${(result.medianMs.docx - result.medianMs.markdown).toFixed(0)} ms, ${((result.medianMs.docx - result.medianMs.markdown) / result.markdownMB).toFixed(0)} ms per MB of text)`,
);
mkdirSync('bench/out', { recursive: true });
const out = `bench/out/docx-read-${new Date().toISOString().replace(/[:.]/g, '')}.json`;
writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
console.log(`wrote ${out}`);
