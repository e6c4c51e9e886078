// How long a 10 MB text takes where the tests only check that it is handled right: chunking a
// 10 MB note (test/unit/engines/markdown/large-file.test.ts checks every chunk and that each
// character is tokenised about once) and truncating a 10 MB text to the model's 256 tokens
// (test/unit/embed/tokenizer.test.ts checks the ids). Speed is measured here, not asserted there:
// on a shared machine a timed test fails for the load, not for the code.
//
//   node --import ./bench/store/register-ts.mjs bench/ingest/huge-text.mjs [--mb 10] [--runs 3]
//
// Targets: the chunking well under 10 s on an idle laptop core (a quadratic regression takes
// minutes); `encode` of a huge text in milliseconds (it tokenises a prefix, not the whole text,
// which `countTokens` of the whole shows for comparison). Raw numbers: bench/out/huge-text-<time>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveModel } from '../../src/embed/model/resolve.js';
import { WordPieceTokenizer } from '../../src/embed/tokenizer.js';
import { chunkMarkdown } from '../../src/engines/markdown/chunker.js';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    model: { type: 'string', default: 'sentence-transformers/all-MiniLM-L6-v2' },
  },
});
const BYTES = Number(values.mb) * 1024 * 1024;
const RUNS = Number(values.runs);
const MAX_TOKENS = 256;

const WORDS =
  'the daemon watches folders and re-embeds only what changed since the last run so a save is searchable within a second while search answers over a unix socket'.split(
    ' ',
  );
const prose = (n, seed) =>
  Array.from({ length: n }, (_, i) => WORDS[(i * 7 + seed * 13) % WORDS.length]).join(' ');

/** Notes of about `bytes`: headings, prose, lists, code and tables, and an oversize paragraph now and then. */
function bigNotes(bytes) {
  const out = [];
  let size = 0;
  for (let s = 0; size < bytes; s++) {
    const blocks = [
      `## Section ${s} ${prose(3, s)}`,
      prose(20 + (s % 150), s),
      Array.from({ length: 2 + (s % 8) }, (_, i) => `- ${prose(4 + ((s + i) % 30), i)}`).join('\n'),
      ['```ts', ...Array.from({ length: 3 + (s % 20) }, (_, i) => `const v${i} = f(${i});`), '```'].join(
        '\n',
      ),
      [
        '| a | b |',
        '|---|---|',
        ...Array.from({ length: 2 + (s % 12) }, (_, i) => `| ${i} | ${prose(5, i)} |`),
      ].join('\n'),
      s % 97 === 0 ? prose(3000, s) : `> ${prose(20, s)}`,
    ];
    for (const b of blocks) {
      out.push(b, '');
      size += b.length + 2;
    }
  }
  return out.join('\n');
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn) {
  const started = performance.now();
  const result = fn();
  return { ms: performance.now() - started, result };
}

const tokenizer = new WordPieceTokenizer(resolveModel(values.model).dir, MAX_TOKENS);
let counted = 0;
const counter = {
  maxTokens: tokenizer.maxTokens,
  countTokens(text) {
    counted += text.length;
    return tokenizer.countTokens(text);
  },
};

const notes = bigNotes(BYTES);
const chunking = [];
let chunks = 0;
for (let r = 0; r < RUNS; r++) {
  counted = 0;
  const { ms, result } = time(() =>
    chunkMarkdown(
      { path: '/bench/huge.md', text: notes },
      { maxTokens: MAX_TOKENS, minTokens: 32, tokenizer: counter },
    ),
  );
  chunking.push(ms);
  chunks = result.length;
}
const tokenisedTimes = counted / notes.length;

const sentence = 'The daemon re-embeds only the chunks whose text changed since the last run. ';
const huge = sentence.repeat(Math.ceil(BYTES / sentence.length));
const encode = Array.from({ length: RUNS }, () => time(() => tokenizer.encode(huge)).ms);
const whole = Array.from({ length: Math.min(RUNS, 1) }, () => time(() => tokenizer.countTokens(huge)).ms);

const rows = [
  [
    'chunkMarkdown of a note',
    `${Math.round(median(chunking))} ms`,
    `${chunks} chunks, text tokenised ${tokenisedTimes.toFixed(2)}×`,
  ],
  ['encode → 256 ids (prefix)', `${median(encode).toFixed(1)} ms`, ''],
  [
    'countTokens of the whole text',
    `${Math.round(median(whole))} ms`,
    'what encode would cost without the prefix',
  ],
];
console.log(`\n${values.mb} MB, median of ${RUNS} runs, Node ${process.version}\n`);
console.log('| step | time | notes |\n| --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

const outDir = resolve(import.meta.dirname, '..', 'out');
mkdirSync(outDir, { recursive: true });
const out = join(outDir, `huge-text-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  out,
  JSON.stringify({ bytes: BYTES, runs: RUNS, chunking, chunks, tokenisedTimes, encode, whole }, null, 2),
);
console.log(`\nraw: ${out}`);
