import { core as mx } from '@frost-beta/mlx';

/**
 * Elementwise pieces of the encoder written so MLX's compiler can fuse each into one loop.
 *
 * MLX's CPU backend runs each uncompiled elementwise op as its own scalar pass (~1.4 ns per
 * element here), and its `erf` and `exp` are scalar calls with branches. Inside `mx.compile`
 * these become one generated C++ loop per fusion; written with only +, ×, ÷, min and max they
 * also vectorise. The two approximations below are accurate to float32 rounding for the ranges
 * the encoder feeds them (see test/unit/embed/kernels.test.ts).
 */

/**
 * erf(z) ≈ z·P(z²)/Q(z²) on [−4, 4] (|erf| = 1 to float precision outside). Coefficients are a
 * weighted least-squares rational fit made for this project (max abs error 1.8e-7 in float64).
 */
const ERF_P = [
  1.128378819, 0.2061136191, 0.0513860058, 0.003965617881, 0.0001482245831, -1.977515712e-6, 1.966793048e-8,
];
const ERF_Q = [1.0, 0.5159925973, 0.1175533399, 0.01488065761, 0.001020473901];
const ERF_CLAMP = 4;

export function erfRational(z: mx.array): mx.array {
  const c = mx.minimum(mx.maximum(z, -ERF_CLAMP), ERF_CLAMP);
  const c2 = mx.square(c);
  let p = mx.multiply(c2, ERF_P[ERF_P.length - 1]!);
  for (let i = ERF_P.length - 2; i >= 1; i--) p = mx.multiply(mx.add(p, ERF_P[i]!), c2);
  p = mx.multiply(mx.add(p, ERF_P[0]!), c);
  let q = mx.multiply(c2, ERF_Q[ERF_Q.length - 1]!);
  for (let i = ERF_Q.length - 2; i >= 1; i--) q = mx.multiply(mx.add(q, ERF_Q[i]!), c2);
  return mx.divide(p, mx.add(q, ERF_Q[0]!));
}

/** The exact (erf) GELU BERT was trained with, not the tanh approximation. */
export function gelu(x: mx.array): mx.array {
  return mx.multiply(mx.multiply(x, 0.5), mx.add(erfRational(mx.multiply(x, Math.SQRT1_2)), 1));
}

/**
 * e^x for x ≤ 0 (softmax after subtracting the row maximum): e^x = (e^(x/256))^256, with
 * e^(x/256) from a degree-5 Taylor polynomial (|x/256| ≤ 0.12, error 4e-9) and eight squarings.
 * Inputs below −30 are clamped there: e^−30 ≈ 1e-13 relative to the row's largest weight, so
 * masked positions (−1e9) contribute nothing visible. Relative error ≈ 2e-6.
 */
const EXP_FLOOR = -30;
const EXP_SQUARINGS = 8;

export function expNonPositive(x: mx.array): mx.array {
  const y = mx.multiply(mx.maximum(x, EXP_FLOOR), 1 / 2 ** EXP_SQUARINGS);
  let p = mx.add(mx.multiply(y, 1 / 120), 1 / 24);
  p = mx.add(mx.multiply(p, y), 1 / 6);
  p = mx.add(mx.multiply(p, y), 0.5);
  p = mx.add(mx.multiply(p, y), 1);
  p = mx.add(mx.multiply(p, y), 1);
  for (let i = 0; i < EXP_SQUARINGS; i++) p = mx.square(p);
  return p;
}

/** The compiled kernels one encoder uses. Compiled once per encoder; MLX re-traces per shape. */
export interface Kernels {
  /** x + b → (x + b, (x + b)²): the residual sum and its square for LayerNorm statistics. */
  addBias(x: mx.array, b: mx.array): mx.array;
  /** (x + b + r, its square) */
  biasResidual(x: mx.array, b: mx.array, r: mx.array): mx.array[];
  /** (x − mean)·rsqrt(E[x²] − mean² + eps)·w + b */
  normalize(x: mx.array, mean: mx.array, meanSq: mx.array, w: mx.array, b: mx.array): mx.array;
  /** gelu(x + b) */
  biasGelu(x: mx.array, b: mx.array): mx.array;
  /** exp(s + mask − max), s the raw scores, max their row maximum, mask 0 or −1e9 */
  maskedExp(s: mx.array, mask: mx.array, max: mx.array): mx.array;
  /** (ctx / rowSum) moved from [B, heads, S, d] to [B, S, heads, d] */
  normalizeContext(ctx: mx.array, rowSum: mx.array): mx.array;
}

export function makeKernels(eps: number, compile: boolean): Kernels {
  const c = <T extends unknown[], U>(f: (...args: T) => U) => (compile ? mx.compile(f) : f);
  return {
    addBias: c((x: mx.array, b: mx.array) => mx.add(x, b)),
    biasResidual: c((x: mx.array, b: mx.array, r: mx.array) => {
      const h = mx.add(mx.add(x, b), r);
      return [h, mx.square(h)];
    }),
    normalize: c((x: mx.array, mean: mx.array, meanSq: mx.array, w: mx.array, b: mx.array) => {
      const variance = mx.maximum(mx.subtract(meanSq, mx.square(mean)), 0);
      return mx.add(mx.multiply(mx.multiply(mx.subtract(x, mean), mx.rsqrt(mx.add(variance, eps))), w), b);
    }),
    biasGelu: c((x: mx.array, b: mx.array) => gelu(mx.add(x, b))),
    maskedExp: c((s: mx.array, mask: mx.array, max: mx.array) =>
      expNonPositive(mx.subtract(mx.add(s, mask), max)),
    ),
    normalizeContext: c((ctx: mx.array, rowSum: mx.array) =>
      mx.transpose(mx.divide(ctx, rowSum), 0, 2, 1, 3),
    ),
  };
}
