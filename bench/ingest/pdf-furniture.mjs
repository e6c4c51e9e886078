// How many chunks of a PDF still hold a running head or foot (markdown/pdf.ts `pageFurniture`),
// and, with `--before`, which lines of text one pdf.ts leaves out that the other keeps, to read
// for body text dropped by mistake. A running head is told by the patterns below, written for the
// manuals tried (texinfo's `Chapter 5: Title 169`, gnuplot's `150 gnuplot 5.4` / `gnuplot 5.4 151`,
// shared-mime-info's title on every page): this is a count for those manuals, not a detector.
//
//   cd src/engines/markdown
//   git show <rev>:src/engines/markdown/converted.ts > converted-before.ts
//   git show <rev>:src/engines/markdown/pdf.ts | sed 's#/converted.js#/converted-before.js#' > pdf-before.ts
//   cd - && node --import ./bench/store/register-ts.mjs bench/ingest/pdf-furniture.mjs \
//     [--before src/engines/markdown/pdf-before.ts] [--show 40] /tmp/passpdf/library/R/*.pdf …
//   rm src/engines/markdown/{pdf,converted}-before.ts
//
// (the older converted.ts beside it: a pdf.ts from before `ConvertedLines.pushText` imports `asText`)
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { WordPieceTokenizer } from '../../src/embed/tokenizer.js';
import { chunkMarkdown } from '../../src/engines/markdown/chunker.js';
import { pdfToMarkdown } from '../../src/engines/markdown/pdf.js';
import { testModel } from '../../test/helpers/model.js';

const RUNNING_HEAD = [
  /^(?:Chapter|Appendix) [\dA-Z]+: .+ (?:\d+|[ivxlc]+)$/,
  /^(?:\d+ gnuplot 5\.4(?: CONTENTS)?|(?:CONTENTS )?gnuplot 5\.4 \d+)$/,
  /^Shared MIME-info Database$/,
];
const isHead = (line) => RUNNING_HEAD.some((re) => re.test(line.trim()));

const { values, positionals } = parseArgs({
  options: { before: { type: 'string' }, show: { type: 'string', default: '40' } },
  allowPositionals: true,
});
if (!positionals.length) throw new Error('name one or more .pdf files');
const readers = { now: pdfToMarkdown };
if (values.before) readers.before = (await import(pathToFileURL(resolve(values.before)).href)).pdfToMarkdown;
// The daemon's defaults: the model's 256 tokens, `chunkMinTokens` 48.
const limits = { maxTokens: 256, minTokens: 48, tokenizer: new WordPieceTokenizer(testModel().dir, 256) };

const totals = {};
for (const path of positionals) {
  const bytes = readFileSync(path);
  const texts = {};
  const row = [];
  for (const [name, read] of Object.entries(readers)) {
    const page = await read(bytes).catch((err) => ({ error: err.message }));
    if (page.error) {
      row.push(`${name}: skipped (${page.error})`);
      continue;
    }
    texts[name] = page.text;
    const chunks = chunkMarkdown({ path, text: '' }, limits, page);
    const withHead = chunks.filter((c) => c.text.split('\n').some(isHead)).length;
    const lines = page.text.split('\n').filter((l) => l.trim()).length;
    totals[name] = (totals[name] ?? 0) + withHead;
    row.push(`${name}: ${withHead}/${chunks.length} chunks with a running head, ${lines} lines`);
  }
  console.log(`${basename(path)}: ${row.join('; ')}`);
  if (texts.before !== undefined && texts.now !== undefined) {
    for (const [gone, from, to] of [
      ['left out now', texts.before, texts.now],
      ['kept now', texts.now, texts.before],
    ]) {
      const left = new Map();
      for (const l of to.split('\n')) left.set(l, (left.get(l) ?? 0) + 1);
      const missing = [];
      for (const l of from.split('\n')) {
        if (!l.trim()) continue;
        if (left.get(l)) left.set(l, left.get(l) - 1);
        else missing.push(l);
      }
      const notHeads = missing.filter((l) => !isHead(l));
      console.log(`  ${gone}: ${missing.length} lines, ${notHeads.length} of them no running head`);
      for (const l of notHeads.slice(0, Number(values.show))) console.log(`    ${JSON.stringify(l)}`);
    }
  }
}
console.log(
  `all: ${Object.entries(totals)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ')} chunks with a running head`,
);
