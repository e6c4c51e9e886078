// How the text readers (markdown/latex.ts, rtf.ts, canvas.ts) fare on malformed input made to be
// slow: many unclosed braces, brackets and math openers on one line, unclosed environments, deep
// nesting. A reader that looks to the end of the text for each unclosed thing is quadratic, and
// in the daemon that is a stalled indexer and a spinning fan. Each case is read once per round,
// `--rounds` rounds, median; `--before <latex.ts>` reads the LaTeX cases also with another
// latex.ts (an older one), side by side in the same run:
//
//   git show <rev>:src/engines/markdown/latex.ts > src/engines/markdown/latex-before.ts
//   node --import ./bench/store/register-ts.mjs bench/ingest/reader-worst-case.mjs \
//     --before src/engines/markdown/latex-before.ts
//   rm src/engines/markdown/latex-before.ts
//
// Raw numbers: bench/out/reader-worst-case-<time>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { canvasToMarkdown } from '../../src/engines/markdown/canvas.js';
import { latexToMarkdown } from '../../src/engines/markdown/latex.js';
import { rtfToMarkdown } from '../../src/engines/markdown/rtf.js';
import { machine, median } from '../stats.mjs';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    before: { type: 'string' },
  },
});
const n = Number(values.count);
const before = values.before ? (await import(resolve(values.before))).latexToMarkdown : undefined;
const nodes = Array.from({ length: n / 4 }, (_, i) => ({
  id: `n${i}`,
  type: i % 10 ? 'text' : 'group',
  label: 'group',
  text: `card ${i}`,
  x: i,
  y: i,
  width: 10 * i,
  height: 10 * i,
}));
const cases = [
  ['latex', 'many \\( on one line', 'x \\( '.repeat(n)],
  ['latex', 'many $ on one line', 'a $ b '.repeat(n)],
  ['latex', 'many unclosed \\label{ on one line', '\\label{x '.repeat(n)],
  ['latex', 'many unclosed options \\foo[', '\\foo['.repeat(n)],
  ['latex', 'many unclosed \\section{ lines', '\\section{x\n'.repeat(n)],
  ['latex', 'many unclosed \\footnote{', '\\footnote{a '.repeat(n)],
  ['latex', 'many unclosed \\begin{verbatim}', '\\begin{verbatim}\n'.repeat(n)],
  ['latex', 'many unclosed \\begin{equation}', '\\begin{equation}\n'.repeat(n)],
  ['latex', 'many unclosed \\verb|', '\\verb|x'.repeat(n)],
  ['rtf', 'many unclosed {', `{\\rtf1 ${'{'.repeat(n * 5)}`],
  ['rtf', 'many \\u with stand-ins', `{\\rtf1 ${'\\u8212?'.repeat(n)}`],
  ['rtf', 'many \\par', `{\\rtf1 ${'a\\par '.repeat(n * 5)}`],
  [
    'canvas',
    `${n / 4} cards, ${n / 4} labelled arrows`,
    JSON.stringify({
      nodes,
      edges: nodes.map((_, i) => ({ fromNode: `n${i}`, toNode: `n${(i * 7) % (n / 4)}`, label: 'next' })),
    }),
  ],
];
const readers = { latex: latexToMarkdown, rtf: rtfToMarkdown, canvas: canvasToMarkdown };
const rows = [];
for (const [format, name, text] of cases) {
  const ways = { now: readers[format], ...(format === 'latex' && before ? { before } : {}) };
  const ms = Object.fromEntries(Object.keys(ways).map((w) => [w, []]));
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [way, read] of round % 2 ? Object.entries(ways).reverse() : Object.entries(ways)) {
      const started = performance.now();
      read(text);
      ms[way].push(performance.now() - started);
    }
  }
  const row = {
    format,
    name,
    chars: text.length,
    ...Object.fromEntries(Object.entries(ms).map(([w, t]) => [w, median(t)])),
  };
  rows.push(row);
  console.log(
    `${format.padEnd(6)} ${name.padEnd(40)} ${String(text.length).padStart(8)} chars  now ${row.now.toFixed(0).padStart(6)} ms${row.before === undefined ? '' : `  before ${row.before.toFixed(0).padStart(6)} ms`}`,
  );
}
mkdirSync('bench/out', { recursive: true });
const out = `bench/out/reader-worst-case-${new Date().toISOString().replace(/[:.]/g, '')}.json`;
writeFileSync(
  out,
  `${JSON.stringify({ ...machine(), count: n, rounds: Number(values.rounds), rows }, null, 1)}\n`,
);
console.log(`wrote ${out}`);
