import { describe, expect, it } from 'vitest';
import { type Batch, paddedLength, planBatches, SEQ_LEN_MULTIPLE } from '../../../src/embed/batching.js';

/** A deterministic stream of numbers in [0, 1) (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every property planBatches promises that `plan` breaks, in words (empty when it keeps them all). */
function planProblems(
  lengths: readonly number[],
  budget: number,
  maxTokens: number,
  plan: Batch[],
): string[] {
  const problems: string[] = [];
  const seen = plan.flatMap((b) => b.indices).sort((a, b) => a - b);
  if (seen.length !== lengths.length || seen.some((index, k) => index !== k))
    problems.push(`indices ${seen.join(',')} are not each of 0..${lengths.length - 1} once`);
  const order = plan.flatMap((b) => b.indices.map((i) => lengths[i]!));
  if (order.some((len, k) => k > 0 && len > order[k - 1]!))
    problems.push(`not longest first: ${order.join(',')}`);
  plan.forEach((batch, n) => {
    const longest = Math.max(...batch.indices.map((i) => lengths[i]!));
    const where = `batch ${n} (seqLen ${batch.seqLen}, ${batch.indices.length} texts, longest ${longest})`;
    if (batch.indices.length === 0) problems.push(`${where}: empty`);
    // Lengths reaching planBatches are already truncated to maxTokens by the tokenizer.
    if (batch.seqLen % SEQ_LEN_MULTIPLE !== 0 && batch.seqLen !== maxTokens)
      problems.push(`${where}: neither a multiple of ${SEQ_LEN_MULTIPLE} nor maxTokens ${maxTokens}`);
    if (batch.seqLen > maxTokens) problems.push(`${where}: over maxTokens ${maxTokens}`);
    if (batch.seqLen < longest) problems.push(`${where}: shorter than its longest text`);
    if (batch.seqLen - longest >= SEQ_LEN_MULTIPLE) problems.push(`${where}: pads a whole multiple or more`);
    if (batch.indices.length > 1 && batch.indices.length * batch.seqLen > budget)
      problems.push(`${where}: over the budget ${budget}`);
  });
  return problems;
}

describe('planBatches', () => {
  it('keeps every invariant over many random inputs', () => {
    const next = random(42);
    for (let round = 0; round < 500; round++) {
      const maxTokens = [128, 256, 250, 512][round % 4]!;
      const count = Math.floor(next() * 200);
      const lengths = Array.from({ length: count }, () => 2 + Math.floor(next() ** 2 * (maxTokens - 1)));
      const budget = [64, 256, 512, 1000, 4096, 8192][Math.floor(next() * 6)]!;
      const problems = planProblems(lengths, budget, maxTokens, planBatches(lengths, budget, maxTokens));
      expect(problems, `round ${round}: budget ${budget}, maxTokens ${maxTokens}, [${lengths}]`).toEqual([]);
    }
  });

  it('gives a text longer than the budget a batch of its own', () => {
    const plan = planBatches([256, 10, 256, 3], 200, 256);
    expect(planProblems([256, 10, 256, 3], 200, 256, plan)).toEqual([]);
    expect(plan).toEqual([
      { indices: [0], seqLen: 256 },
      { indices: [2], seqLen: 256 },
      { indices: [1, 3], seqLen: 16 },
    ]);
  });

  it('sorts longest first, ties in the caller’s order, and rounds up to a multiple of 8', () => {
    expect(planBatches([5, 17, 9, 17, 2], 1 << 20, 256)).toEqual([{ indices: [1, 3, 2, 0, 4], seqLen: 24 }]);
    expect(planBatches([8, 9], 1 << 20, 256)).toEqual([{ indices: [1, 0], seqLen: 16 }]);
  });

  it('pads to the longest text exactly with a multiple of 1 (onnxruntime), packing by those lengths', () => {
    expect(planBatches([5, 17, 9, 17, 2], 1 << 20, 256, 1)).toEqual([
      { indices: [1, 3, 2, 0, 4], seqLen: 17 },
    ]);
    // 3 × 17 = 51 fits a budget of 51; rounded to 24 only 2 would.
    expect(planBatches([17, 17, 17], 51, 256, 1)).toEqual([{ indices: [0, 1, 2], seqLen: 17 }]);
  });

  it('fills each batch up to the budget exactly', () => {
    // 4 × 64 = 256 fits; a fifth would pad to 320.
    const plan = planBatches(Array(10).fill(64), 256, 256);
    expect(plan.map((b) => b.indices.length)).toEqual([4, 4, 2]);
    expect(plan.every((b) => b.seqLen === 64)).toBe(true);
  });

  it('caps the padded length at maxTokens when that is not a multiple of 8', () => {
    expect(paddedLength(250, 250)).toBe(250);
    expect(paddedLength(249, 250)).toBe(250);
    expect(paddedLength(241, 250)).toBe(248);
    expect(paddedLength(1, 256)).toBe(8);
    expect(paddedLength(256, 256)).toBe(256);
    expect(planBatches([250, 249], 4096, 250)).toEqual([{ indices: [0, 1], seqLen: 250 }]);
  });

  it('has a checker that catches broken plans (so the random round can fail)', () => {
    expect(planProblems([9, 9], 16, 256, [{ indices: [0, 1], seqLen: 16 }])).toHaveLength(1);
    expect(planProblems([9, 20], 4096, 256, [{ indices: [0], seqLen: 16 }])).toHaveLength(1);
    expect(planProblems([9, 20], 4096, 256, [{ indices: [0, 1], seqLen: 24 }])).toHaveLength(1);
    expect(planProblems([9], 4096, 256, [{ indices: [0], seqLen: 12 }])).toHaveLength(1);
    expect(planProblems([9], 4096, 256, [{ indices: [0], seqLen: 32 }])).toHaveLength(1);
  });

  it('plans nothing for no texts', () => {
    expect(planBatches([], 4096, 256)).toEqual([]);
  });
});
