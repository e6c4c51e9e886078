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
 * e^x for x ≤ 0 (softmax after subtracting the row maximum): e^x = (e^(x/256))^256, with
 * e^(x/256) from a degree-5 Taylor polynomial (|x/256| ≤ 0.12, error 4e-9) and eight squarings.
 * Inputs below −30 are clamped there: e^−30 ≈ 1e-13 relative to the row's largest weight, so
 * masked positions (−1e9) contribute nothing visible. Relative error ≈ 2e-6.
 */
const EXP_FLOOR = -30;
const EXP_SQUARINGS = 8;

export function expNonPositive(x: mx.array): mx.array {
  const y = mx.multiply(mx.maximum(x, EXP_FLOOR), 1 / 2 ** EXP_SQUARINGS);
  const y2 = mx.multiply(y, y);
  // Estrin: (1 + y) + y²((1/2 + y/6) + y²(1/24 + y/120))
  let p = mx.add(
    linear(1, 1, y),
    mx.multiply(y2, mx.add(linear(1 / 2, 1 / 6, y), mx.multiply(y2, linear(1 / 24, 1 / 120, y)))),
  );
  for (let i = 0; i < EXP_SQUARINGS; i++) p = mx.multiply(p, p);
  return p;
}

/** The compiled kernels one encoder uses. MLX re-traces each per input shape. */
export interface Kernels {
  /** (x + r, (x + r)²): the residual sum and its square for the LayerNorm statistics. */
  residual(x: mx.array, r: mx.array): mx.array[];
  /** (x − mean)·rsqrt(E[x²] − mean² + eps)·w + b */
  normalize(x: mx.array, mean: mx.array, meanSq: mx.array, w: mx.array, b: mx.array): mx.array;
  gelu(x: mx.array): mx.array;
  /** exp(s + mask − max): s the raw scores, max their row maximum, mask 0 or −1e9 per key. */
  maskedExp(s: mx.array, mask: mx.array, max: mx.array): mx.array;
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
    maskedExp: c((s: mx.array, mask: mx.array, max: mx.array) =>
      expNonPositive(mx.subtract(mx.add(s, mask), max)),
    ),
    divide: c((x: mx.array, y: mx.array) => mx.divide(x, y)),
  };
}
