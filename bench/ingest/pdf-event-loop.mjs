// Does reading a PDF hold the daemon's event loop (and so every search over the socket) while
// pdf.js parses it? A 1 ms timer runs beside `pdfToMarkdown`; the longest gap between its ticks
// is the longest stall. A synthetic book (test/helpers/pdf-writer.ts: --pages pages of 40 lines)
// and any PDFs named. `--before <module>` reads each also with another pdf.ts (an older one,
// written beside the current so its imports resolve), the two alternating, 3 rounds each.
//
//   cd src/engines/markdown
//   git show <rev>:src/engines/markdown/converted.ts > converted-before.ts
//   git show <rev>:src/engines/markdown/pdf.ts | sed 's#/converted.js#/converted-before.js#' > pdf-before.ts
//   cd - && node --import ./bench/store/register-ts.mjs bench/ingest/pdf-event-loop.mjs [--pages 400] \
//     --before src/engines/markdown/pdf-before.ts /usr/share/doc/libtasn1-doc/libtasn1.pdf
//   rm src/engines/markdown/{pdf,converted}-before.ts
//
// (the older converted.ts beside it: a pdf.ts from before `ConvertedLines.pushText` imports `asText`)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pdfToMarkdown } from '../../src/engines/markdown/pdf.js';
import { writePdf } from '../../test/helpers/pdf-writer.js';
import { machine, median } from '../stats.mjs';

const { values, positionals } = parseArgs({
  options: { pages: { type: 'string', default: '400' }, before: { type: 'string' } },
  allowPositionals: true,
});
const readers = { now: pdfToMarkdown };
if (values.before) readers.before = (await import(pathToFileURL(resolve(values.before)).href)).pdfToMarkdown;
const ROUNDS = 3;
const words =
  'the quick brown fox jumps over the lazy dog while the backup job copies the write ahead log'.split(' ');
const book = writePdf(
  Array.from({ length: Number(values.pages) }, (_, p) =>
    Array.from({ length: 40 }, (_, l) => ({
      text: Array.from({ length: 12 }, (_, w) => words[(p * 7 + l * 3 + w) % words.length]).join(' '),
      y: 760 - l * 18,
    })),
  ),
);
const files = [[`synthetic, ${values.pages} pages`, book], ...positionals.map((f) => [f, readFileSync(f)])];
const m = machine();
console.log(`${m.cpu}, ${m.cores} cores, OPENBLAS_CORETYPE ${m.openblasCoretype ?? 'unset'}`);
console.log(
  '| PDF | reader | read ms (median) | longest event-loop stall ms (median) | stalls over 50 ms (median) |',
);
console.log('| --- | --- | ---: | ---: | ---: |');
/** One read, with the longest gap between the ticks of a 1 ms timer beside it. */
async function timed(read, bytes) {
  let longest = 0;
  let over50 = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    if (now - last > 50) over50++;
    last = now;
  }, 1);
  const started = performance.now();
  await read(new Uint8Array(bytes));
  const took = performance.now() - started;
  clearInterval(timer);
  // A loop held to the end never ran the timer: the gap since its last tick counts too.
  const tail = performance.now() - last;
  longest = Math.max(longest, tail);
  if (tail > 50) over50++;
  return { took, longest, over50 };
}
for (const [name, bytes] of files) {
  const runs = Object.fromEntries(Object.keys(readers).map((r) => [r, []]));
  await timed(readers.now, bytes); // pdf.js's load and JIT
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? Object.keys(readers).reverse() : Object.keys(readers);
    for (const r of order) runs[r].push(await timed(readers[r], bytes));
  }
  for (const [r, xs] of Object.entries(runs))
    console.log(
      `| ${name} | ${r} | ${median(xs.map((x) => x.took)).toFixed(0)} | ${median(xs.map((x) => x.longest)).toFixed(0)} | ${median(xs.map((x) => x.over50))} |`,
    );
}
