// What reading a PDF costs (markdown/pdf.ts through the md chunker), and what comes out: pages,
// headings from its outline, chunks. Each file is read `--rounds` times after one warm-up
// (pdf.js's module load and JIT); the median is kept.
//
//   node --import ./bench/store/register-ts.mjs bench/ingest/pdf-read.mjs \
//     /usr/share/doc/libtasn1-doc/libtasn1.pdf /usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf
//
// Raw numbers: bench/out/pdf-read-<time>.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { WordPieceTokenizer } from '../../src/embed/tokenizer.js';
import { markdownChunker } from '../../src/engines/markdown/chunker.js';
import { pdfToMarkdown } from '../../src/engines/markdown/pdf.js';
import { testModel } from '../../test/helpers/model.js';

const { values, positionals } = parseArgs({
  options: { rounds: { type: 'string', default: '5' } },
  allowPositionals: true,
});
if (!positionals.length) throw new Error('name one or more .pdf files');
const limits = { maxTokens: 256, minTokens: 48, tokenizer: new WordPieceTokenizer(testModel().dir, 256) };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const files = [];
for (const path of positionals) {
  const bytes = readFileSync(path);
  const read = await pdfToMarkdown(bytes); // warm-up
  const times = [];
  let chunks = 0;
  for (let r = 0; r < Number(values.rounds); r++) {
    const t0 = performance.now();
    chunks = (await markdownChunker.chunk({ path, text: '', bytes }, limits)).length;
    times.push(performance.now() - t0);
  }
  const pages = (read.lines.at(-1)?.last ?? -1) + 1;
  const headings = read.text.split('\n').filter((l) => /^#{1,6} /.test(l)).length;
  const file = {
    path,
    bytes: bytes.length,
    pages,
    headings,
    textChars: read.text.length,
    chunks,
    medianMs: median(times),
    times,
  };
  files.push(file);
  console.log(
    `${path}: ${(bytes.length / 1e6).toFixed(2)} MB, ${pages} pages with text, ${headings} headings, ${read.text.length} characters, ${chunks} chunks; read + chunked in ${file.medianMs.toFixed(0)} ms (median of ${values.rounds}), ${(file.medianMs / Math.max(1, pages)).toFixed(0)} ms a page`,
  );
}
mkdirSync('bench/out', { recursive: true });
const out = `bench/out/pdf-read-${new Date().toISOString().replace(/[:.]/g, '')}.json`;
writeFileSync(
  out,
  `${JSON.stringify({ cpu: cpus()[0]?.model, cores: cpus().length, openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null, files }, null, 1)}\n`,
);
console.log(`wrote ${out}`);
