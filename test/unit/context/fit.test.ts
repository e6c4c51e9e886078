import { describe, expect, it } from 'vitest';
import { fitToBudget } from '../../../src/context/fit.js';
import type { Candidate } from '../../../src/context/gather.js';
import type { TokenCounter } from '../../../src/embed/types.js';
import type { StoredChunk } from '../../../src/store/types.js';

/** One token a word, plus two for the model's [CLS]/[SEP] (which the fit leaves out). */
const words: TokenCounter = {
  countTokens: (text) => text.split(/\s+/).filter(Boolean).length + 2,
  maxTokens: 10_000,
};

const PATH = '/src/lib/ledger.py';

function code(
  id: string,
  from: number,
  lines: string[],
  metadata: Record<string, unknown>,
  to?: number,
): StoredChunk {
  return {
    id,
    path: PATH,
    root: '/src',
    engine: 'code',
    startLine: from,
    endLine: to ?? from + lines.length - 1,
    headingPath: [],
    text: lines.join('\n'),
    mtimeMs: 0,
    metadata: { parentScope: '', language: 'python', ...metadata },
  };
}

const said = (n: number, what: string) =>
  Array.from({ length: n }, (_, i) => `        ${what} step ${i} of the work`);

// A function too long for one chunk: its header (lines 10-11, its range the whole function),
// a blank line, then two parts of its body; and a second, short function.
const head = code(
  'head',
  10,
  ['def settle(ledger):', '    """Apply every entry."""'],
  { kind: 'function', symbol: 'lib/ledger.py:settle' },
  23,
);
const part1 = code('p1', 13, said(5, 'first'), {
  kind: 'function',
  symbol: 'lib/ledger.py:settle',
  parentScope: 'head',
  part: 1,
});
const part2 = code('p2', 18, said(6, 'second'), {
  kind: 'function',
  symbol: 'lib/ledger.py:settle',
  parentScope: 'head',
  part: 2,
});
/** A second function of `n` lines after its `def` (six tokens a line). */
const audit = (n: number) =>
  code('other', 30, ['def audit(ledger):', ...said(n, 'audit')], {
    kind: 'function',
    symbol: 'lib/ledger.py:audit',
  });

/** As gather lists them: each hit's family first, a split function's parts with the neighbours. */
const gathered = (other = audit(12)): Candidate[] => [
  { chunk: head, role: 'hit', score: 0.9, hit: 0 },
  { chunk: other, role: 'hit', score: 0.8, hit: 1 },
  { chunk: part1, role: 'neighbour', score: 0.9, hit: 0 },
  { chunk: part2, role: 'neighbour', score: 0.9, hit: 0 },
];

describe('fitToBudget: a function too long for one chunk', () => {
  it('shows its header and parts as one block of its lines, the blank line between them filled in', () => {
    const fitted = fitToBudget(gathered(), words, 10_000);
    expect(fitted.blocks.map((b) => [b.role, b.start_line, b.end_line])).toEqual([
      ['hit', 10, 23],
      ['hit', 30, 42],
    ]);
    expect(fitted.blocks[0]!.text).toBe(
      [...head.text.split('\n'), '', ...part1.text.split('\n'), ...part2.text.split('\n')].join('\n'),
    );
    expect(fitted.dropped).toBe(0);
  });

  it('puts the first hit whole before the next hit when its body is small beside the budget', () => {
    // The body (66 tokens) is under a quarter of 280. As gathered, the header and the second hit
    // (241 tokens) fit and the body would not; moved up, the body goes in and the second hit not.
    const budget = 280;
    const fitted = fitToBudget(gathered(audit(40)), words, budget);
    expect(fitted.blocks.map((b) => [b.role, b.start_line, b.end_line])).toEqual([['hit', 10, 23]]);
    expect(fitted.blocks[0]!.text).toBe(fitToBudget(gathered(), words, 10_000).blocks[0]!.text);
    expect(fitted.tokens).toBeLessThanOrEqual(budget);
  });

  it('leaves a large body behind the other hits: its header alone says which lines it shows', () => {
    // The body is over a quarter of the budget: the second hit goes first, the parts do not fit.
    const budget = 110;
    const fitted = fitToBudget(gathered(), words, budget);
    expect(fitted.blocks.map((b) => [b.role, b.start_line, b.end_line])).toEqual([
      ['hit', 10, 11],
      ['hit', 30, 42],
    ]);
    expect(fitted.blocks[0]!.text).toBe(head.text);
    expect(fitted.dropped).toBe(2);
    expect(fitted.tokens).toBeLessThanOrEqual(budget);
  });

  it('joins parts in order only: a part after a missing one stays a block of its own', () => {
    const fitted = fitToBudget(
      [
        { chunk: head, role: 'hit', score: 0.9, hit: 0 },
        { chunk: part2, role: 'neighbour', score: 0.9, hit: 0 },
      ],
      words,
      10_000,
    );
    expect(fitted.blocks.map((b) => [b.role, b.start_line, b.end_line])).toEqual([
      ['hit', 10, 11],
      ['neighbour', 18, 23],
    ]);
  });

  it('a hit in the first part, with its header as parent, is one block shown as the hit', () => {
    const fitted = fitToBudget(
      [
        { chunk: part1, role: 'hit', score: 0.7, hit: 0 },
        { chunk: head, role: 'parent', score: 0.7, hit: 0 },
      ],
      words,
      10_000,
    );
    expect(fitted.blocks.map((b) => [b.role, b.start_line, b.end_line, b.score])).toEqual([
      ['hit', 10, 17, 0.7],
    ]);
    expect(fitted.blocks[0]!.text).toBe([...head.text.split('\n'), '', ...part1.text.split('\n')].join('\n'));
  });
});
