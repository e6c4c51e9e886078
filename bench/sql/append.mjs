#!/usr/bin/env node
import { once } from 'node:events';
// Live logs: what appending 1,000 entries to a 200 MB log costs, side by side with 1,000
// entries in a fresh small file, through the real pipeline (App, LanceDB, the real model).
//
//   npm run build && node bench/sql/append.mjs [--mb 200] [--entries 1000] [--rounds 3]
//
// 1. Writes a PostgreSQL stderr log of ~--mb MB (long statements, 200 shapes with other
//    literals: few distinct texts to embed, many rows) and indexes it from scratch, sampling RSS.
// 2. For each round, in alternating order: a fresh small log of --entries entries is indexed
//    (syncPaths of that file), and --entries entries are appended to the big log and it is
//    synced. Twice: with new statements (each its own table: both embed --entries texts), and
//    with statements of shapes the big log already holds (nothing embedded: reading, vector
//    lookups, writes). Reported: seconds per step, embed seconds, the ratios, and peak RSS.
// 3. The floor of reading the big log again whole (what a change cost before appends were read
//    by their bytes): its stream through the SQL chunker, no embedding, no writes.
//
// The machine is shared: absolute times move with its load; the ratio of steps measured in the
// same round is what counts.
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from '../../dist/app.js';
import { resolveConfig } from '../../dist/config/load.js';
import { sqlChunker } from '../../dist/engines/sql/chunker.js';
import { silentLogger } from '../../dist/log.js';
import { streamBytes } from '../../dist/pipeline/append.js';

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '200' },
    entries: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    model: { type: 'string', default: 'sentence-transformers/all-MiniLM-L6-v2' },
  },
});
const TARGET = Number(args.mb) * 1024 * 1024;
const ENTRIES = Number(args.entries);
const ROUNDS = Number(args.rounds);

const root = mkdtempSync(join(tmpdir(), 'ragctl-bench-append-'));
// A stopped run must not leave a 200 MB log behind.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    rmSync(root, { recursive: true, force: true });
    process.exit(130);
  });
}
const logs = join(root, 'logs');
const BIG = join(logs, 'postgresql.log');
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
const mb = (b) => Math.round(b / 1024 / 1024);

function stamp(i) {
  return `2026-12-04 ${String(10 + (Math.floor(i / 3600) % 12)).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.123 UTC`;
}
/** A long statement of one of 200 shapes (~2 kB): many bytes, few distinct normalised texts. */
function bigEntry(i) {
  const cols = Array.from({ length: 150 }, (_, k) => `column_${k}`).join(', ');
  return `${stamp(i)} [${1000 + (i % 17)}] app@shop LOG:  duration: ${(i % 500) / 10} ms  statement: SELECT ${cols} FROM shape_${i % 200} WHERE id = ${i} AND note = 'row ${i}'\n`;
}
/** A short statement of its own: embedded once. */
function ownEntry(tag, i) {
  return `${stamp(i)} [${2000 + (i % 13)}] app@shop LOG:  duration: ${(i % 90) + 0.5} ms  statement: SELECT amount FROM ledger_${tag}_${i} WHERE id = ${i}\n`;
}
const own = (tag, n) => Array.from({ length: n }, (_, i) => ownEntry(tag, i)).join('');

async function writeBig() {
  const out = createWriteStream(BIG);
  let written = 0;
  let i = 0;
  while (written < TARGET) {
    let block = '';
    for (let k = 0; k < 500; k++) block += bigEntry(i++);
    written += Buffer.byteLength(block);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return i;
}

async function timed(fn) {
  peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const summary = await fn();
  return { seconds: (performance.now() - t0) / 1000, peakRssMb: mb(peakRss), summary };
}

const { mkdirSync } = await import('node:fs');
mkdirSync(logs, { recursive: true });
console.error(`writing a ${args.mb} MB log…`);
const bigEntries = await writeBig();
const config = resolveConfig(
  {
    dataDir: join(root, 'data'),
    log: { level: 'silent' },
    embedders: { default: { type: 'mlx-bert', model: args.model } },
    engines: { sql: { chunker: 'sql', mapper: 'sql' } },
    sources: [{ path: logs, engine: 'sql', include: ['**/*.log'] }],
  },
  join(root, 'config.yaml'),
  {},
);
const app = await App.open(config, { logger: silentLogger() });
const results = {
  machine: `${cpus()[0]?.model} × ${cpus().length}, OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}`,
  bigLog: { bytes: statSync(BIG).size, entries: bigEntries },
};
try {
  // The model loads on its first call: not part of any step below.
  const warm = performance.now();
  await app.embedders.get('default').embed(['SELECT 1'], { priority: 'index' });
  results.modelLoadSeconds = (performance.now() - warm) / 1000;
  console.error('indexing it from scratch…');
  const rssBefore = mb(process.memoryUsage().rss);
  const cold = await timed(() => app.indexer.reconcile());
  results.cold = {
    seconds: cold.seconds,
    rssBeforeMb: rssBefore,
    peakRssMb: cold.peakRssMb,
    embedSeconds: cold.summary.embedSeconds,
    chunksEmbedded: cold.summary.chunksEmbedded,
    chunksReused: cold.summary.chunksReused,
  };
  console.error(JSON.stringify(results.cold));

  results.rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const small = join(logs, `fresh-${r}.log`);
    const known = join(logs, `known-${r}.log`);
    const repeated = (n) => Array.from({ length: n }, (_, i) => bigEntry(bigEntries + r * n + i)).join('');
    const steps = {
      // New statements: each is embedded.
      fresh: async () => {
        await writeFile(small, own(`f${r}`, ENTRIES));
        return timed(() => app.indexer.syncPaths([small]));
      },
      append: async () => {
        await appendFile(BIG, own(`a${r}`, ENTRIES));
        return timed(() => app.indexer.syncPaths([BIG]));
      },
      // Statements of shapes the log already holds (a workload runs the same queries): no
      // embedding, so what is left is reading, vector lookups and writes.
      freshKnown: async () => {
        await writeFile(known, repeated(ENTRIES));
        return timed(() => app.indexer.syncPaths([known]));
      },
      appendKnown: async () => {
        await appendFile(BIG, repeated(ENTRIES));
        return timed(() => app.indexer.syncPaths([BIG]));
      },
    };
    const order =
      r % 2 === 0
        ? ['fresh', 'append', 'freshKnown', 'appendKnown']
        : ['appendKnown', 'freshKnown', 'append', 'fresh'];
    const round = {};
    for (const name of order) {
      const t = await steps[name]();
      round[name] = {
        seconds: Number(t.seconds.toFixed(3)),
        embedSeconds: Number(t.summary.embedSeconds.toFixed(3)),
        otherSeconds: Number((t.seconds - t.summary.embedSeconds).toFixed(3)),
        chunksEmbedded: t.summary.chunksEmbedded,
        peakRssMb: t.peakRssMb,
      };
    }
    round.ratio = Number((round.append.seconds / round.fresh.seconds).toFixed(2));
    round.ratioKnown = Number((round.appendKnown.seconds / round.freshKnown.seconds).toFixed(2));
    console.error(JSON.stringify(round));
    results.rounds.push(round);
  }

  console.error('the floor of a whole re-read: streaming the big log through the chunker…');
  const size = statSync(BIG).size;
  peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  let chunks = 0;
  for await (const piece of sqlChunker.chunkAppend(
    { path: BIG, fromOffset: 0, previous: null, bytes: streamBytes(BIG, 0, size), final: true },
    { maxTokens: 256, minTokens: 0, tokenizer: { count: () => 0 } },
  ))
    chunks += piece.chunks.length;
  results.wholeReadNoEmbed = { seconds: (performance.now() - t0) / 1000, chunks, peakRssMb: mb(peakRss) };
  console.error(JSON.stringify(results.wholeReadNoEmbed));
} finally {
  clearInterval(sampler);
  await app.close();
  rmSync(root, { recursive: true, force: true });
}
console.log(JSON.stringify(results, null, 2));
