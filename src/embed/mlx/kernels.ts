import { core as mx } from '@frost-beta/mlx';

/**
 * Elementwise pieces of the encoder, written so MLX's compiler fuses each into ONE loop.
 *
 * On the CPU every uncompiled elementwise op is its own scalar pass (~1.4 ns per element
 * here), and MLX's own `erf`/`exp` are scalar calls with branches. Inside `mx.compile` a
 * chain of elementwise ops becomes one generated C++ loop — but only while the chain is at
 * most 11 ops deep and reads at most 24 arrays (MLX's max_compile_depth / max_compile_arrays);
 * longer chains are cut into several kernels, each a full pass over memory. A kernel whose
 * inputs all have the output's shape ("contiguous") also vectorises; one that broadcasts an
 * input indexes element by element. So the heavy math below takes one same-shape input, uses
 * only +, ×, ÷, min and max, and evaluates polynomials by Estrin's scheme to stay shallow.
 * Accuracy is checked against exact references in test/unit/embed/kernels.test.ts.
 */

/**
 * erf(z) ≈ z·P(z²)/Q(z²) for |z| ≤ 4 (erf is ±1 to float precision beyond). A weighted
 * least-squares rational fit made for this project; max abs error 1.8e-7 in float64.
 */
export const ERF_P = [
  1.128378819, 0.2061136191, 0.0513860058, 0.003965617881, 0.0001482245831, -1.977515712e-6, 1.966793048e-8,
];
export const ERF_Q = [1.0, 0.5159925973, 0.1175533399, 0.01488065761, 0.001020473901];

/**
 * GELU(x) = x·Φ(x) = ½x + ½x·erf(x/√2), the exact (erf) form BERT was trained with.
 * With c = clamp(x, ±4√2) and t = c², ½x·erf(c/√2) = x·c·A(t)/B(t), where A and B are P and Q
 * rescaled for t = 2z² (A also carries the ½ and 1/√2). That makes the whole thing 11 ops
 * deep: one fused, vectorised kernel. Max abs error ≈ 2e-6 (float32 rounding) for |x| ≤ 12.
 */
const GELU_A = ERF_P.map((p, i) => p / 2 ** i / (2 * Math.SQRT2));
const GELU_B = ERF_Q.map((q, i) => q / 2 ** i);
const GELU_CLAMP = 4 * Math.SQRT2;

export function gelu(x: mx.array): mx.array {
  const c = mx.minimum(mx.maximum(x, -GELU_CLAMP), GELU_CLAMP);
  const t = mx.multiply(c, c);
  const t2 = mx.multiply(t, t);
  const t4 = mx.multiply(t2, t2);
  const a = GELU_A;
  const b = GELU_B;
  // Estrin: A = (a0 + a1 t) + t²(a2 + a3 t) + t⁴((a4 + a5 t) + t² a6); B likewise.
  const numerator = mx.add(
    mx.add(linear(a[0]!, a[1]!, t), mx.multiply(t2, linear(a[2]!, a[3]!, t))),
    mx.multiply(t4, mx.add(linear(a[4]!, a[5]!, t), mx.multiply(t2, a[6]!))),
  );
  const denominator = mx.add(
    mx.add(linear(b[0]!, b[1]!, t), mx.multiply(t2, linear(b[2]!, b[3]!, t))),
    mx.multiply(t4, b[4]!),
  );
  return mx.add(mx.multiply(x, 0.5), mx.divide(mx.multiply(mx.multiply(x, c), numerator), denominator));
}

function linear(c0: number, c1: number, t: mx.array): mx.array {
  return mx.add(mx.multiply(t, c1), c0);
}

/**
 * e^s for attention scores, in two fused, vectorised passes (together deeper than one MLX
 * kernel may be): e^s = (e^(s/256))^256.
 * - `expSeed`: s clamped to [−80, 80], then e^(s/256) by a degree-7 Taylor polynomial
 *   (|s/256| ≤ 0.32: truncation error 4e-9);
 * - `pow256`: eight squarings.
 * Relative error stays within 3.2e-5 (the seed's rounding and each squaring's, doubled by every
 * squaring after it). The clamp keeps the sum of up to 512 weights finite in float32
 * (e^80·512 < 3.4e38) and turns the −1e9 added to padded keys into e^−80 ≈ 2e-35: nothing next
 * to any real weight.
 * Because the range is that wide, the scores need no row-maximum subtracted first — which
 * would be a broadcast input, and so a slow, unvectorised kernel.
 */
const EXP_CLAMP = 80;
const EXP_SQUARINGS = 8;
const INV_FACTORIAL = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040];

export function expSeed(s: mx.array): mx.array {
  const y = mx.multiply(mx.minimum(mx.maximum(s, -EXP_CLAMP), EXP_CLAMP), 1 / 2 ** EXP_SQUARINGS);
  const y2 = mx.multiply(y, y);
  const y4 = mx.multiply(y2, y2);
  const f = INV_FACTORIAL;
  // Estrin: 1 + [(y + y²(f2 + f3 y)) + y⁴((f4 + f5 y) + y²(f6 + f7 y))], 10 ops deep. The 1 is
  // added last: summing the small terms first leaves a single rounding of a number near 1,
  // which the 256th power multiplies by 256 (adding f0 first rounded it twice: 5.2e-5 overall).
  const low = mx.add(y, mx.multiply(y2, linear(f[2]!, f[3]!, y)));
  const high = mx.add(linear(f[4]!, f[5]!, y), mx.multiply(y2, linear(f[6]!, f[7]!, y)));
  return mx.add(mx.add(low, mx.multiply(y4, high)), f[0]!);
}

export function pow256(p: mx.array): mx.array {
  let out = p;
  for (let i = 0; i < EXP_SQUARINGS; i++) out = mx.multiply(out, out);
  return out;
}

/** e^s for s within ±80 (see expSeed); composed for use outside compiled kernels (tests). */
export function expClamped(s: mx.array): mx.array {
  return pow256(expSeed(s));
}

/** The compiled kernels one encoder uses. MLX re-traces each per input shape. */
export interface Kernels {
  /** (x + r, (x + r)²): the residual sum and its square for the LayerNorm statistics. */
  residual(x: mx.array, r: mx.array): mx.array[];
  /** (x − mean)·rsqrt(E[x²] − mean² + eps)·w + b */
  normalize(x: mx.array, mean: mx.array, meanSq: mx.array, w: mx.array, b: mx.array): mx.array;
  gelu(x: mx.array): mx.array;
  /** The two passes of e^s over masked attention scores (mask already added by the GEMM). */
  expSeed(s: mx.array): mx.array;
  pow256(p: mx.array): mx.array;
  divide(x: mx.array, y: mx.array): mx.array;
}

export function makeKernels(eps: number, compile: boolean): Kernels {
  const c = <T extends unknown[], U>(f: (...args: T) => U) => (compile ? mx.compile(f) : f);
  return {
    residual: c((x: mx.array, r: mx.array) => {
      const h = mx.add(x, r);
      return [h, mx.multiply(h, h)];
    }),
    normalize: c((x: mx.array, mean: mx.array, meanSq: mx.array, w: mx.array, b: mx.array) => {
      const variance = mx.maximum(mx.subtract(meanSq, mx.multiply(mean, mean)), 0);
      return mx.add(mx.multiply(mx.multiply(mx.subtract(x, mean), mx.rsqrt(mx.add(variance, eps))), w), b);
    }),
    gelu: c((x: mx.array) => gelu(x)),
    expSeed: c((s: mx.array) => expSeed(s)),
    pow256: c((p: mx.array) => pow256(p)),
    divide: c((x: mx.array, y: mx.array) => mx.divide(x, y)),
  };
}
