import { core as mx } from '@frost-beta/mlx';
import { beforeAll, describe, expect, it } from 'vitest';
import { expClamped, expSeed, gelu, makeKernels, pow256 } from '../../../src/embed/mlx/kernels.js';
import { prepareMlxJit } from '../../../src/embed/mlx/runtime.js';

/**
 * The fused approximations in src/embed/mlx/kernels.ts against exact references computed here
 * in float64: GELU's erf by a convergent series, e^s by Math.exp.
 */
const GELU_MAX_ABS_ERROR = 5e-6;
/**
 * The budget is 5e-5; kernels.ts documents 3.2e-5. 4e-5 leaves room for another build's FMA
 * contractions yet still fails a seed rounded twice (4.9e-5 on this grid, 5.2e-5 at worst).
 */
const EXP_MAX_REL_ERROR = 4e-5;
/** Grid steps: ~240k and ~800k float32 points, dense enough to land on the fits' worst points. */
const GELU_STEP = 1e-4;
const EXP_STEP = 2e-4;

/**
 * erf(x) = 2/√π · e^(−x²) · Σₙ (2x²)ⁿ·x / (1·3·5·…·(2n+1)): every term has x's sign, so nothing
 * cancels and float64 keeps ~15 digits for |x| ≤ 9 (the largest term stays below 1e32).
 */
function erfExact(x: number): number {
  const twoX2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= twoX2 / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

function geluExact(x: number): number {
  return 0.5 * x * (1 + erfExact(x / Math.SQRT2));
}

/** float32 points from `from` to `to` (both included) `step` apart, as MLX will read them. */
function grid(from: number, to: number, step: number): Float32Array {
  const n = Math.round((to - from) / step) + 1;
  return Float32Array.from({ length: n }, (_, i) => from + i * step);
}

/** Runs `f` on `xs` as one [rows, cols] float32 array (the encoder's kernels see 2-D and larger). */
function apply(f: (x: mx.array) => mx.array, xs: Float32Array): Float32Array {
  const cols = 1000;
  const padded = new Float32Array(Math.ceil(xs.length / cols) * cols);
  padded.set(xs);
  const input = mx.reshape(mx.array(Array.from(padded), mx.float32), padded.length / cols, cols);
  const out = f(input);
  mx.eval(out);
  expect(out.shape).toEqual(input.shape);
  return Float32Array.from((out.tolist() as number[][]).flat()).subarray(0, xs.length);
}

interface Worst {
  error: number;
  at: number;
}

function worstError(
  xs: Float32Array,
  got: Float32Array,
  exact: (x: number) => number,
  relative: boolean,
): Worst {
  let worst: Worst = { error: 0, at: Number.NaN };
  xs.forEach((x, i) => {
    const want = exact(x);
    const diff = Math.abs(got[i]! - want);
    // NaN must count as a failure, so compare with `!(… <= …)`.
    const error = relative ? diff / Math.abs(want) : diff;
    if (!(error <= worst.error)) worst = { error, at: x };
  });
  return worst;
}

describe('erf reference', () => {
  it('matches published values to 1e-15', () => {
    // Abramowitz & Stegun table 7.1 / erfc(3) from the same table.
    const table: Array<[number, number]> = [
      [0, 0],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 1 - 2.209049699858544e-5],
      [-1, -0.8427007929497149],
    ];
    for (const [x, want] of table) expect(Math.abs(erfExact(x) - want), `erf(${x})`).toBeLessThan(1e-15);
    expect(1 - erfExact(12 / Math.SQRT2)).toBeLessThan(1e-15);
  });
});

describe.each([
  ['uncompiled', false],
  ['compiled (mx.compile)', true],
])('MLX kernels, %s', (name, compile) => {
  beforeAll(() => {
    // The compiled kernels need the JIT set up; this machine must have g++ (scripts/setup.sh).
    expect(prepareMlxJit()).toBe(true);
  });

  const kernels = () => makeKernels(1e-12, compile);
  const maybeCompiled = (f: (x: mx.array) => mx.array) => (compile ? mx.compile(f) : f);

  it(`gelu: max abs error ≤ ${GELU_MAX_ABS_ERROR} over [−12, 12]`, () => {
    const xs = grid(-12, 12, GELU_STEP);
    for (const f of [kernels().gelu, maybeCompiled(gelu)]) {
      const worst = worstError(xs, apply(f, xs), geluExact, false);
      console.info(`gelu ${name}: max abs error ${worst.error.toExponential(2)} at x = ${worst.at}`);
      expect(worst.error, `worst at x = ${worst.at}`).toBeLessThanOrEqual(GELU_MAX_ABS_ERROR);
    }
  });

  it('gelu beyond ±12: finite, off by no more than float32 rounding of x', () => {
    // ½x + ½x·erf(x/√2) cancels for very negative x: what is left is rounding of x itself.
    const xs = Float32Array.from([-1e30, -1e6, -1e4, -100, -13, 13, 100, 1e4, 1e6, 1e30]);
    const got = apply(kernels().gelu, xs);
    xs.forEach((x, i) => {
      expect(Number.isFinite(got[i]!), `gelu(${x})`).toBe(true);
      expect(Math.abs(got[i]! - Math.max(x, 0)), `gelu(${x})`).toBeLessThanOrEqual(1e-7 * Math.abs(x));
    });
  });

  it(`expClamped: max relative error ≤ ${EXP_MAX_REL_ERROR} over [−80, 80]`, () => {
    const xs = grid(-80, 80, EXP_STEP);
    const k = kernels();
    // The encoder's two passes (each its own kernel), and the composition in one function.
    for (const f of [(s: mx.array) => k.pow256(k.expSeed(s)), maybeCompiled(expClamped)]) {
      const worst = worstError(xs, apply(f, xs), Math.exp, true);
      console.info(`exp ${name}: max relative error ${worst.error.toExponential(2)} at s = ${worst.at}`);
      expect(worst.error, `worst at s = ${worst.at}`).toBeLessThanOrEqual(EXP_MAX_REL_ERROR);
    }
  });

  it('expClamped: clamps to e^±80, so masked scores (−1e9) weigh ~2e-35 and nothing overflows', () => {
    const xs = Float32Array.from([-1e9, -1e4, -81, 81, 1e4, 1e9]);
    const got = apply(
      maybeCompiled((s) => pow256(expSeed(s))),
      xs,
    );
    for (let i = 0; i < 3; i++) expect(Math.abs(got[i]! / Math.exp(-80) - 1)).toBeLessThan(EXP_MAX_REL_ERROR);
    for (let i = 3; i < 6; i++) expect(Math.abs(got[i]! / Math.exp(80) - 1)).toBeLessThan(EXP_MAX_REL_ERROR);
    // 512 keys at the top of the range still sum to a finite float32.
    expect(Number.isFinite(Math.fround(512 * got[5]!))).toBe(true);
  });
});
