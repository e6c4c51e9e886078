#!/usr/bin/env node
// What file evidence (src/store/file-evidence.ts) adds to a hybrid search: the function timed on
// the real candidate lists of a corpus's questions (both legs' top 50, from dump-legs.mjs), with
// the fusion it follows timed alongside for scale, interleaved. Pure arithmetic over ≤ 100 hits:
// no query, no I/O.
//
//   node bench/quality/file-evidence-cost.mjs [--corpus py-lib] [--rounds 2000]
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

register('../store/ts-loader.mjs', import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: args } = parseArgs({
  options: { corpus: { type: 'string', default: 'py-lib' }, rounds: { type: 'string', default: '2000' } },
});
const { withFileEvidence } = await import('../../src/store/file-evidence.ts');
const { fuseRelativeScores } = await import('../../src/store/search.ts');

const dump = JSON.parse(readFileSync(join(repo, 'bench/out', `legs-${args.corpus}.json`), 'utf8'));
const byId = new Map(dump.chunks.map((c) => [c.id, c]));
const hit = (id, score) => ({ id, path: byId.get(id).rel, score });
const fromBase64 = (s) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const vectors = dump.chunks.map((c) => fromBase64(c.vector));
const legs = dump.questions.map((q) => {
  const v = fromBase64(q.vector);
  const sims = vectors.map((c, i) => {
    let s = 0;
    for (let d = 0; d < v.length; d++) s += c[d] * v[d];
    return [i, s];
  });
  sims.sort((a, b) => b[1] - a[1]);
  return {
    vector: sims.slice(0, 50).map(([i, s]) => hit(dump.chunks[i].id, s)),
    text: q.text.map((h) => hit(h.id, h.score)),
  };
});
const ns = { fusion: 0n, evidence: 0n };
let n = 0;
for (let r = 0; r < Number(args.rounds); r++) {
  for (const q of legs) {
    let t = process.hrtime.bigint();
    const fused = fuseRelativeScores(q.vector, q.text, 0.5, Number.POSITIVE_INFINITY);
    ns.fusion += process.hrtime.bigint() - t;
    t = process.hrtime.bigint();
    withFileEvidence(fused, 0.01);
    ns.evidence += process.hrtime.bigint() - t;
    n++;
  }
}
const us = (x) => (Number(x) / n / 1000).toFixed(1);
console.log(
  `${n} searches' candidates: fusion ${us(ns.fusion)} µs, file evidence ${us(ns.evidence)} µs per search`,
);
