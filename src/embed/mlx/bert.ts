import { core as mx } from '@frost-beta/mlx';
import { ModelError } from '../../errors.js';
import type { BertSpec } from '../model/bert-config.js';
import { type Kernels, makeKernels } from './kernels.js';
import { releaseArrays } from './runtime.js';

/** Additive attention bias for padded keys; exp() clamps it to e^−80, nothing next to a real weight. */
const MASKED = -1e9;

interface LayerWeights {
  /** [3H, H]: query (pre-scaled by 1/√d), key and value projections stacked, PyTorch's [out, in]. */
  qkv: mx.array;
  /** [3H, 1]: broadcast along the sequence axis. */
  qkvBias: mx.array;
  out: mx.array;
  outBias: mx.array;
  ln1w: mx.array;
  ln1b: mx.array;
  inter: mx.array;
  interBias: mx.array;
  out2: mx.array;
  out2Bias: mx.array;
  ln2w: mx.array;
  ln2b: mx.array;
}

/**
 * A BERT encoder forward pass on MLX, arranged for the CPU as much as for Metal.
 *
 * Activations are feature-major, [batch, hidden, seq]: every projection is W·X with the weights
 * in their stored [out, in] layout (one batched GEMM, bias added by the GEMM itself via addmm),
 * and the per-head views of Q, K and V are plain reshapes of the QKV output — the attention
 * GEMMs read them in place instead of copying three transposed tensors per layer. The 1/√d
 * scale is folded into the query weights, LayerNorm statistics are GEMVs against a ones row,
 * and every elementwise step runs as one fused kernel (kernels.ts). Weights are float32: the
 * CPU build cannot multiply f16/bf16 (it aborts the process), and parity needs f32 anyway.
 */
export class BertEncoder {
  readonly spec: BertSpec;
  readonly #layers: LayerWeights[] = [];
  readonly #wordEmb: mx.array;
  readonly #posEmb: mx.array;
  readonly #typeRow: mx.array;
  readonly #embLnW: mx.array;
  readonly #embLnB: mx.array;
  /** [H, 1] of 1/H: token-major rows @ it = each token's mean over features. */
  readonly #meanCol: mx.array;
  /** [1, H] of 1/H: it @ feature-major [B, H, S] = each token's mean over features. */
  readonly #meanRow: mx.array;
  readonly #k: Kernels;

  constructor(spec: BertSpec, weightsFile: string, options: { compile: boolean }) {
    this.spec = spec;
    this.#k = makeKernels(spec.layerNormEps, options.compile);
    let w: Record<string, mx.array>;
    try {
      w = mx.load(weightsFile);
    } catch (err) {
      throw new ModelError(weightsFile, `MLX cannot load the weights: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const p = spec.prefix;
    const get = (name: string): mx.array => {
      const t = w[p + name];
      if (!t) throw new ModelError(weightsFile, `missing tensor ${p + name}`);
      return t.astype(mx.float32);
    };
    const column = (name: string): mx.array => {
      const t = get(name);
      return mx.reshape(t, t.shape[0]!, 1);
    };
    const scale = 1 / Math.sqrt(spec.hiddenSize / spec.heads);
    for (let l = 0; l < spec.layers; l++) {
      const q = `encoder.layer.${l}.`;
      const qkv = mx.concatenate(
        [
          mx.multiply(get(`${q}attention.self.query.weight`), scale),
          get(`${q}attention.self.key.weight`),
          get(`${q}attention.self.value.weight`),
        ],
        0,
      );
      const qkvBias = mx.concatenate(
        [
          mx.multiply(get(`${q}attention.self.query.bias`), scale),
          get(`${q}attention.self.key.bias`),
          get(`${q}attention.self.value.bias`),
        ],
        0,
      );
      this.#layers.push({
        qkv,
        qkvBias: mx.reshape(qkvBias, 3 * spec.hiddenSize, 1),
        out: get(`${q}attention.output.dense.weight`),
        outBias: column(`${q}attention.output.dense.bias`),
        ln1w: column(`${q}attention.output.LayerNorm.weight`),
        ln1b: column(`${q}attention.output.LayerNorm.bias`),
        inter: get(`${q}intermediate.dense.weight`),
        interBias: column(`${q}intermediate.dense.bias`),
        out2: get(`${q}output.dense.weight`),
        out2Bias: column(`${q}output.dense.bias`),
        ln2w: column(`${q}output.LayerNorm.weight`),
        ln2b: column(`${q}output.LayerNorm.bias`),
      });
    }
    this.#wordEmb = get('embeddings.word_embeddings.weight');
    this.#posEmb = get('embeddings.position_embeddings.weight');
    this.#typeRow = mx.reshape(get('embeddings.token_type_embeddings.weight').index(0), 1, spec.hiddenSize);
    this.#embLnW = get('embeddings.LayerNorm.weight');
    this.#embLnB = get('embeddings.LayerNorm.bias');
    this.#meanCol = mx.full([spec.hiddenSize, 1], 1 / spec.hiddenSize, mx.float32);
    this.#meanRow = mx.full([1, spec.hiddenSize], 1 / spec.hiddenSize, mx.float32);
    const all: mx.array[] = [
      this.#wordEmb,
      this.#posEmb,
      this.#typeRow,
      this.#embLnW,
      this.#embLnB,
      this.#meanCol,
      this.#meanRow,
    ];
    for (const layer of this.#layers) all.push(...Object.values(layer));
    mx.eval(...all);
  }

  /**
   * Embeds one padded batch. `ids` holds `batch` rows of `seqLen` token ids (row-major, padding
   * after each row's `lengths[i]` tokens). Returns pooled, L2-normalised rows: batch × hidden.
   */
  async forward(ids: Int32Array, lengths: readonly number[], seqLen: number): Promise<Float32Array> {
    const { x, valid } = await this.#encode(ids, lengths, seqLen);
    const B = lengths.length;
    const pooled = this.#pool(x, valid, B, seqLen);
    mx.eval(pooled);
    return toFloat32(pooled, B, this.spec.hiddenSize);
  }

  /** One text's unit-length token vectors, row-major: `length` × hidden (`ids` unpadded). */
  async tokenVectors(ids: Int32Array): Promise<Float32Array> {
    const S = ids.length;
    const H = this.spec.hiddenSize;
    const { x } = await this.#encode(ids, [S], S);
    const unit = mx.transpose(mx.reshape(this.#unitTokens(x), H, S), 1, 0); // [S, H]
    mx.eval(unit);
    return Float32Array.from((unit.tolist() as number[][]).flat());
  }

  /**
   * Late-interaction scores (src/embed/late.ts) of one padded batch against the query's unit
   * token vectors (`query`: tokens × hidden, row-major), one per row, computed where the
   * activations are: only B numbers leave MLX.
   */
  async lateScores(
    ids: Int32Array,
    lengths: readonly number[],
    seqLen: number,
    query: Float32Array,
  ): Promise<Float32Array> {
    const H = this.spec.hiddenSize;
    const B = lengths.length;
    const Q = query.length / H;
    const { x, valid } = await this.#encode(ids, lengths, seqLen);
    const q = mx.reshape(mx.array(Array.from(query), mx.float32), 1, Q, H);
    const sims = mx.matmul(q, this.#unitTokens(x)); // [B, Q, S]
    const masked = mx.add(sims, mx.reshape(mx.where(valid, 0, MASKED), B, 1, seqLen));
    const scores = mx.divide(mx.sum(mx.max(masked, 2), 1), Q); // [B]
    mx.eval(scores);
    return Float32Array.from(scores.tolist() as number[]);
  }

  /** [B, H, S] activations scaled so that each token (column) has unit length. */
  #unitTokens(x: mx.array): mx.array {
    const norms = mx.sqrt(mx.sum(mx.multiply(x, x), 1, true)); // [B, 1, S]
    return mx.divide(x, mx.maximum(norms, 1e-12));
  }

  /** The encoder's last layer for one padded batch: feature-major x [B, H, S] and the valid mask [B, S]. */
  async #encode(
    ids: Int32Array,
    lengths: readonly number[],
    seqLen: number,
  ): Promise<{ x: mx.array; valid: mx.array }> {
    const B = lengths.length;
    const S = seqLen;
    const H = this.spec.hiddenSize;
    if (ids.length !== B * S) throw new RangeError(`ids has ${ids.length} entries, expected ${B} × ${S}`);
    const idArray = mx.array(Array.from(ids), mx.int32); // [B·S]
    const lengthArray = mx.reshape(mx.array(lengths as number[], mx.int32), B, 1);
    const valid = mx.less(mx.reshape(mx.arange(0, S, 1, mx.int32), 1, S), lengthArray); // [B, S] bool
    const maskBias = mx.reshape(mx.where(valid, 0, MASKED), B, 1, 1, S);

    // Embeddings are gathered token-major ([B·S, H]); LayerNorm there, then one transposed
    // view gives the feature-major layout (the first GEMM reads it in place).
    const words = mx.reshape(mx.take(this.#wordEmb, idArray, 0), B, S, H);
    const positions = mx.take(this.#posEmb, mx.arange(0, S, 1, mx.int32), 0); // [S, H]
    const tokens = mx.reshape(mx.add(mx.add(words, positions), this.#typeRow), B * S, H);
    const normed = this.#k.normalize(
      tokens,
      mx.matmul(tokens, this.#meanCol),
      mx.matmul(mx.multiply(tokens, tokens), this.#meanCol),
      this.#embLnW,
      this.#embLnB,
    );
    let x = mx.transpose(mx.reshape(normed, B, S, H), 0, 2, 1); // [B, H, S]
    // Evaluating layer by layer and releasing the wrappers in between bounds memory to about
    // one layer's activations; one graph for the whole pass would hold all six layers' at once.
    for (const layer of this.#layers) {
      x = this.#layer(x, maskBias, layer, B, S);
      mx.eval(x);
      await releaseArrays('minor');
    }
    return { x, valid };
  }

  /** One encoder layer on feature-major activations x: [B, H, S]. */
  #layer(x: mx.array, maskBias: mx.array, l: LayerWeights, B: number, S: number): mx.array {
    const { hiddenSize: H, heads: NH } = this.spec;
    const d = H / NH;
    const k = this.#k;
    const step = this.#step;
    // [B, 3H, S] = [B, 3, heads, d, S]: each head's Q, K and V are [d, S] slices, read in place.
    const qkv = mx.reshape(
      step('gemm: qkv', () => mx.addmm(l.qkvBias, l.qkv, x)),
      B,
      3,
      NH,
      d,
      S,
    );
    const all = mx.Slice();
    const q = qkv.index(all, 0);
    const key = qkv.index(all, 1);
    const v = qkv.index(all, 2);
    // Scores with the padding mask added by the GEMM itself: [B, heads, S_q, S_k].
    const scores = step('gemm: q·k', () => mx.addmm(maskBias, mx.transpose(q, 0, 1, 3, 2), key));
    const seed = step('softmax: exp seed', () => k.expSeed(scores));
    const weights = step('softmax: exp pow256', () => k.pow256(seed));
    const rowSum = step('softmax: row sums', () => mx.reshape(mx.sum(weights, -1), B, NH, 1, S));
    const context = step('gemm: p·v', () => mx.matmul(v, mx.transpose(weights, 0, 1, 3, 2))); // [B, heads, d, S_q]
    const ctx = step('softmax: divide', () => mx.reshape(k.divide(context, rowSum), B, H, S));
    const out = step('gemm: out', () => mx.addmm(l.outBias, l.out, ctx));
    const [h1, h1sq] = step('residual', () => k.residual(out, x)) as [mx.array, mx.array];
    const a = this.#normalize(h1, h1sq, l.ln1w, l.ln1b);
    const up = step('gemm: ffn up', () => mx.addmm(l.interBias, l.inter, a));
    const inter = step('gelu', () => k.gelu(up));
    const down = step('gemm: ffn down', () => mx.addmm(l.out2Bias, l.out2, inter));
    const [h2, h2sq] = step('residual', () => k.residual(down, a)) as [mx.array, mx.array];
    return this.#normalize(h2, h2sq, l.ln2w, l.ln2b);
  }

  /** LayerNorm over the feature axis of [B, H, S], statistics by GEMV. */
  #normalize(x: mx.array, xsq: mx.array, w: mx.array, b: mx.array): mx.array {
    const stats = this.#step('layernorm: stats (gemv)', () => [
      mx.matmul(this.#meanRow, x),
      mx.matmul(this.#meanRow, xsq),
    ]);
    return this.#step('layernorm: normalize', () => this.#k.normalize(x, stats[0]!, stats[1]!, w, b));
  }

  /**
   * Profiling (bench/embed/profile-mlx.mjs): with a profile map set, every step is evaluated on
   * its own and its wall time added under its name. Without one, steps only build the lazy
   * graph, exactly as before — the per-step evaluation would cost fusion and speed.
   */
  profile: Map<string, number> | undefined;

  readonly #step = <T extends mx.array | mx.array[]>(name: string, build: () => T): T => {
    if (!this.profile) return build();
    const started = performance.now();
    const out = build();
    mx.eval(...(Array.isArray(out) ? out : [out]));
    this.profile.set(name, (this.profile.get(name) ?? 0) + performance.now() - started);
    return out;
  };

  #pool(x: mx.array, valid: mx.array, B: number, S: number): mx.array {
    const H = this.spec.hiddenSize;
    switch (this.spec.pooling) {
      case 'cls':
        return mx.reshape(mx.take(x, mx.array([0], mx.int32), 2), B, H);
      case 'max':
        return mx.max(mx.add(x, mx.reshape(mx.where(valid, 0, MASKED), B, 1, S)), 2);
      case 'mean': {
        // A batched GEMV: [B, H, S] × [B, S, 1] mask weights → [B, H, 1].
        const counts = mx.maximum(mx.sum(valid.astype(mx.float32), 1, true), 1); // [B, 1]
        const weights = mx.reshape(mx.divide(valid.astype(mx.float32), counts), B, S, 1);
        return mx.reshape(mx.matmul(x, weights), B, H);
      }
    }
  }
}

/** MLX 0.0.7 has no typed-array export; B×H numbers per batch is small enough to go via tolist. */
function toFloat32(pooled: mx.array, B: number, H: number): Float32Array {
  const rows = pooled.tolist() as number[][];
  const out = new Float32Array(B * H);
  for (let i = 0; i < B; i++) {
    const row = rows[i]!;
    let norm = 0;
    for (let j = 0; j < H; j++) norm += row[j]! * row[j]!;
    const inv = 1 / Math.max(Math.sqrt(norm), 1e-12);
    for (let j = 0; j < H; j++) out[i * H + j] = row[j]! * inv;
  }
  return out;
}
