// What a text format's reader (markdown/latex.ts for `.tex`, markdown/rtf.ts for `.rtf`) gives
// and costs, side by side with what such a file gave when a config's own include named it: its
// source chunked as if it were Markdown. Over a folder of real files of that extension (every one
// below it), each file is chunked both ways per round; the tokenizer is the real model's, no
// embedding. Besides time and chunks: files that failed, and how much of the chunks' text is
// still markup (a `\word`, LaTeX's commands and RTF's control words alike, outside `$…$` and code
// blocks).
//
//   apt-get download texlive-publishers-doc liggghts-doc cadabra         # once: real papers' sources
//   for d in *.deb; do dpkg-deb -x "$d" tex-debs; done
//   find tex-debs -name '*.tex.gz' -exec gunzip -k {} +
//   node --import ./bench/store/register-ts.mjs bench/ingest/text-reader.mjs --dir tex-debs
//   node --import ./bench/store/register-ts.mjs bench/ingest/text-reader.mjs --dir rtf-debs --ext rtf
//
// Raw numbers: bench/out/text-reader-<ext>-<time>.json.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WordPieceTokenizer } from '../../src/embed/tokenizer.js';
import { chunkMarkdown } from '../../src/engines/markdown/chunker.js';
import { testModel } from '../../test/helpers/model.js';
import { machine, sideBySide } from '../stats.mjs';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    ext: { type: 'string', default: 'tex' },
    rounds: { type: 'string', default: '3' },
  },
});
if (!values.dir) throw new Error('--dir <folder with the files below it> is required');
const ext = `.${values.ext.replace(/^\./, '')}`;
const files = [];
(function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.isFile() && entry.name.toLowerCase().endsWith(ext)) files.push(path);
  }
})(resolve(values.dir));
const docs = files.map((path) => ({ path, text: readFileSync(path, 'latin1'), size: statSync(path).size }));
for (const d of docs) if (!/\ufffd/.test(readFileSync(d.path, 'utf8'))) d.text = readFileSync(d.path, 'utf8');
const limits = { maxTokens: 256, minTokens: 48, tokenizer: new WordPieceTokenizer(testModel().dir, 256) };
const failures = [];
const chunksOf = {
  reader: (d) => {
    try {
      return chunkMarkdown({ path: d.path, text: d.text }, limits);
    } catch (err) {
      failures.push(`${d.path}: ${err.message}`);
      return [];
    }
  },
  asMarkdown: (d) => chunkMarkdown({ path: `${d.path}.md`, text: d.text }, limits),
};
const ways = Object.fromEntries(Object.entries(chunksOf).map(([k, f]) => [k, (d) => f(d).length]));
const { times, counts: chunks, medianMs } = sideBySide(ways, docs, Number(values.rounds));

/** Characters of `\command`s outside mathematics and code blocks, per character of text. */
function markupShare(texts) {
  let markup = 0;
  let all = 0;
  for (const text of texts) {
    const prose = text.replace(/```[\s\S]*?```/g, '').replace(/\$[^$]*\$/g, '');
    all += prose.length;
    markup += (prose.match(/\\[A-Za-z]+/g) ?? []).join('').length;
  }
  return all ? markup / all : 0;
}
failures.length = 0;
const texts = Object.fromEntries(
  Object.entries(chunksOf).map(([k, f]) => [k, docs.flatMap((d) => f(d).map((c) => c.text))]),
);
const result = {
  ...machine(),
  dir: resolve(values.dir),
  ext,
  files: docs.length,
  sourceMB: Number((docs.reduce((n, d) => n + d.size, 0) / 1e6).toFixed(2)),
  failures,
  chunks,
  textMB: Object.fromEntries(
    Object.entries(texts).map(([k, t]) => [
      k,
      Number((t.reduce((n, x) => n + x.length, 0) / 1e6).toFixed(2)),
    ]),
  ),
  markupShare: Object.fromEntries(
    Object.entries(texts).map(([k, t]) => [k, Number(markupShare(t).toFixed(4))]),
  ),
  medianMs,
  times,
};
console.log(
  `${result.files} ${ext} files, ${result.sourceMB} MB; failed: ${failures.length}; chunks read ${chunks.reader} / as Markdown ${chunks.asMarkdown}`,
);
console.log(
  `chunk text ${result.textMB.reader} / ${result.textMB.asMarkdown} MB, of it \\words ${(100 * result.markupShare.reader).toFixed(1)} % / ${(100 * result.markupShare.asMarkdown).toFixed(1)} %`,
);
console.log(
  `chunking, median of ${values.rounds} rounds: read ${medianMs.reader.toFixed(0)} ms, as Markdown ${medianMs.asMarkdown.toFixed(0)} ms`,
);
mkdirSync('bench/out', { recursive: true });
const out = `bench/out/text-reader-${ext.slice(1)}-${new Date().toISOString().replace(/[:.]/g, '')}.json`;
writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
console.log(`wrote ${out}`);
