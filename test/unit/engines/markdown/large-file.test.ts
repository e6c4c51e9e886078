import { describe, expect, it } from 'vitest';
import { chunkMarkdown } from '../../../../src/engines/markdown/chunker.js';
import {
  countingTokenizer,
  DOC_PATH,
  expectAllTextCovered,
  expectValidChunks,
  limits,
  meta,
  prose,
} from './helpers.js';

const TEN_MB = 10 * 1024 * 1024;

/** A small deterministic PRNG (mulberry32), so the big file is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** About `bytes` of notes: sections, prose, lists, code, tables, quotes, and a few oversize blocks. */
function bigNotes(bytes: number): string {
  const rand = random(42);
  const pick = (n: number) => Math.floor(rand() * n);
  const out: string[] = [];
  let size = 0;
  const push = (block: string) => {
    out.push(block, '');
    size += block.length + 2;
  };
  for (let s = 0; size < bytes; s++) {
    push(
      s % 7 === 3
        ? `Section ${s}\n${'='.repeat(12)}`
        : `${'#'.repeat(1 + pick(4))} Section ${s} ${prose(3, s)}`,
    );
    for (let b = 0, blocks = 2 + pick(6); b < blocks; b++) {
      const kind = pick(10);
      if (kind < 4) push(prose(10 + pick(150), s + b));
      else if (kind === 4)
        push(Array.from({ length: 2 + pick(8) }, (_, i) => `- ${prose(4 + pick(30), i)}`).join('\n'));
      else if (kind === 5)
        push(
          ['```ts', ...Array.from({ length: 3 + pick(20) }, (_, i) => `const v${i} = f(${i});`), '```'].join(
            '\n',
          ),
        );
      else if (kind === 6)
        push(
          [
            '| a | b |',
            '|---|---|',
            ...Array.from({ length: 2 + pick(12) }, (_, i) => `| ${i} | ${prose(5, i)} |`),
          ].join('\n'),
        );
      else if (kind === 7) push(`> ${prose(20 + pick(40), s)}\n>\n> ${prose(10, b)}`);
      else if (kind === 8)
        push(Array.from({ length: 3 + pick(30) }, (_, i) => prose(8 + pick(6), i + s)).join('\n'));
      else push(s % 97 === 0 ? prose(3000, s) : `1. ${prose(12, s)}\n   - ${prose(6, b)}\n2. ${prose(9, b)}`);
    }
    if (s % 211 === 0)
      push(
        ['```', ...Array.from({ length: 400 }, (_, i) => `log line ${i} value=${pick(1000)}`), '```'].join(
          '\n',
        ),
      );
  }
  return out.join('\n');
}

describe('a 10 MB file', () => {
  it('is chunked in one pass over its tokens, every chunk valid', () => {
    const text = bigNotes(TEN_MB);
    const { counter, chars } = countingTokenizer();
    const lim = limits(256, 32, counter);
    const chunks = chunkMarkdown({ path: DOC_PATH, text }, lim);
    const tokenised = chars() / text.length;
    // Each character is tokenised about once: sums of counted blocks, never re-counting a
    // growing chunk (which would be quadratic and take minutes). How long it takes is measured
    // by bench/ingest/huge-text.mjs, not asserted here.
    expect(tokenised).toBeLessThan(1.5);
    expect(chunks.length).toBeGreaterThan(10_000);
    expect(chunks.some((c) => meta(c).oversize)).toBe(true);
    expectValidChunks(text, chunks, lim, { countEvery: 50 });
    expectAllTextCovered(text, chunks);
  });
});

describe('a file of many short lines and no blank line', () => {
  it('is one paragraph of 170,000 lines, chunked without running out of stack', () => {
    // A log or a data dump saved as .txt: one paragraph, so its pieces are all one node's.
    const text = Array.from({ length: 170_000 }, (_, i) => `line number ${i} with words`).join('\n');
    const chunks = chunkMarkdown({ path: '/home/me/notes/dump.txt', text }, limits());
    expect(chunks.length).toBeGreaterThan(1_000);
    expectAllTextCovered(text, chunks);
  });
});
