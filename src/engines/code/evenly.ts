/** Items `first` to `last` (exclusive) of what `evenly` cuts, and their tokens. */
export interface Piece {
  first: number;
  last: number;
  tokens: number;
}

/**
 * Items of these token counts, in order, cut into pieces of at most `budget` tokens: as few
 * pieces as packing greedily gives, each as near the mean of what is left as that allows. Greedy
 * packing alone fills every piece but the last, which gets what is over, often a line or two
 * whose vector then says little but its symbol line. An item over the budget is a piece
 * alone.
 */
export function evenly(weights: readonly number[], budget: number): Piece[] {
  const n = weights.length;
  const sums = [0];
  for (const w of weights) sums.push(sums.at(-1)! + w);
  const sum = (first: number, last: number): number => sums[last]! - sums[first]!;
  // reach[i]: where a piece starting at i ends when filled to the budget (an item over it alone);
  // need[i]: the fewest pieces from i on, which filling each piece attains.
  const reach = new Array<number>(n + 1).fill(n);
  let end = 0;
  for (let i = 0; i < n; i++) {
    end = Math.max(end, i + 1);
    while (end < n && sum(i, end + 1) <= budget) end++;
    reach[i] = end;
  }
  const need = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) need[i] = 1 + need[reach[i]!]!;
  // An item over the budget ends a run: the pieces of each run are balanced among themselves.
  const runEnd = new Array<number>(n + 1).fill(n);
  for (let i = n - 1; i >= 0; i--) runEnd[i] = weights[i]! > budget ? i : runEnd[i + 1]!;
  const pieces: Piece[] = [];
  let first = 0;
  while (first < n) {
    const left = need[first]!;
    let last = reach[first]!;
    const stop = runEnd[first] === first ? first + 1 : runEnd[first]!;
    const inRun = left - need[stop]!;
    if (inRun > 1) {
      const target = sum(first, stop) / inRun;
      // Every end from the earliest that leaves the rest to `left - 1` pieces up to the fullest.
      let best = last;
      for (let e = last - 1; e > first && need[e]! <= left - 1; e--)
        if (Math.abs(sum(first, e) - target) < Math.abs(sum(first, best) - target)) best = e;
      last = best;
    }
    pieces.push({ first, last, tokens: sum(first, last) });
    first = last;
  }
  return pieces;
}
