import { core as mx } from '@frost-beta/mlx';
import { ModelError } from '../../errors.js';
import type { BertSpec } from '../model/bert-config.js';
import { type Kernels, makeKernels } from './kernels.js';
import { releaseArrays } from './runtime.js';

/** Additive attention bias for padded keys; large enough that exp() of it is exactly 0. */
const MASKED = -1e9;

interface LayerWeights {
  /** [H, 3H]: query (pre-scaled by 1/√d), key and value projections side by side. */
  qkvT: mx.array;
  qkvBias: mx.array;
  outT: mx.array;
  outBias: mx.array;
  ln1w: mx.array;
  ln1b: mx.array;
  interT: mx.array;
  interBias: mx.array;
  out2T: mx.array;
  out2Bias: mx.array;
  ln2w: mx.array;
  ln2b: mx.array;
}

/**
 * A BERT encoder forward pass on MLX, arranged for the CPU as much as for Metal:
 * all projections are plain 2-D GEMMs (one fused QKV GEMM per layer), the 1/√d scale is folded
 * into the query weights, LayerNorm statistics are GEMVs against a ones vector, and everything
 * elementwise runs in compiled, fused kernels (see kernels.ts). Weights are float32: the CPU
 * build cannot multiply f16/bf16 (it aborts the process), and parity needs f32 anyway.
 */
export class BertEncoder {
  readonly spec: BertSpec;
  readonly #layers: LayerWeights[] = [];
  readonly #wordEmb: mx.array;
  readonly #posEmb: mx.array;
  readonly #typeRow: mx.array;
  readonly #embLnW: mx.array;
  readonly #embLnB: mx.array;
  /** [H, 1] filled with 1/H: x @ it is the row mean, on the BLAS instead of a reduction loop. */
  readonly #meanVec: mx.array;
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
        qkvT: contiguous(mx.transpose(qkv)),
        qkvBias,
        outT: contiguous(mx.transpose(get(`${q}attention.output.dense.weight`))),
        outBias: get(`${q}attention.output.dense.bias`),
        ln1w: get(`${q}attention.output.LayerNorm.weight`),
        ln1b: get(`${q}attention.output.LayerNorm.bias`),
        interT: contiguous(mx.transpose(get(`${q}intermediate.dense.weight`))),
        interBias: get(`${q}intermediate.dense.bias`),
        out2T: contiguous(mx.transpose(get(`${q}output.dense.weight`))),
        out2Bias: get(`${q}output.dense.bias`),
        ln2w: get(`${q}output.LayerNorm.weight`),
        ln2b: get(`${q}output.LayerNorm.bias`),
      });
    }
    this.#wordEmb = get('embeddings.word_embeddings.weight');
    this.#posEmb = get('embeddings.position_embeddings.weight');
    this.#typeRow = mx.reshape(get('embeddings.token_type_embeddings.weight').index(0), 1, spec.hiddenSize);
    this.#embLnW = get('embeddings.LayerNorm.weight');
    this.#embLnB = get('embeddings.LayerNorm.bias');
    this.#meanVec = mx.full([spec.hiddenSize, 1], 1 / spec.hiddenSize, mx.float32);
    const all: mx.array[] = [
      this.#wordEmb,
      this.#posEmb,
      this.#typeRow,
      this.#embLnW,
      this.#embLnB,
      this.#meanVec,
    ];
    for (const layer of this.#layers) all.push(...Object.values(layer));
    mx.eval(...all);
  }

  /**
   * Embeds one padded batch. `ids` holds `batch` rows of `seqLen` token ids (row-major, padding
   * after each row's `lengths[i]` tokens). Returns pooled, L2-normalised rows: batch × hidden.
   */
  async forward(ids: Int32Array, lengths: readonly number[], seqLen: number): Promise<Float32Array> {
    const B = lengths.length;
    const S = seqLen;
    const H = this.spec.hiddenSize;
    if (ids.length !== B * S) throw new RangeError(`ids has ${ids.length} entries, expected ${B} × ${S}`);
    const idArray = mx.reshape(mx.array(Array.from(ids), mx.int32), B, S);
    const lengthArray = mx.reshape(mx.array(lengths as number[], mx.int32), B, 1);
    const valid = mx.less(mx.reshape(mx.arange(0, S, 1, mx.int32), 1, S), lengthArray); // [B, S] bool
    const maskBias = mx.reshape(mx.where(valid, 0, MASKED), B, 1, 1, S);

    const words = mx.reshape(mx.take(this.#wordEmb, idArray, 0), B, S, H);
    const positions = mx.take(this.#posEmb, mx.arange(0, S, 1, mx.int32), 0); // [S, H]
    let x = this.#layerNorm(
      mx.reshape(mx.add(mx.add(words, positions), this.#typeRow), B * S, H),
      this.#embLnW,
      this.#embLnB,
    );
    // Evaluating layer by layer and releasing the wrappers in between bounds memory to about
    // one layer's activations; one graph for the whole pass would hold all six layers' at once.
    for (const layer of this.#layers) {
      x = this.#layer(x, maskBias, layer, B, S);
      mx.eval(x);
      await releaseArrays('minor');
    }

    const pooled = this.#pool(mx.reshape(x, B, S, H), valid, B, S);
    mx.eval(pooled);
    return toFloat32(pooled, B, H);
  }

  #layer(x: mx.array, maskBias: mx.array, l: LayerWeights, B: number, S: number): mx.array {
    const { hiddenSize: H, heads: NH } = this.spec;
    const d = H / NH;
    const k = this.#k;
    // [B·S, 3H] → [3, B, heads, S, d]; matmul copies each operand to the layout it needs.
    const qkv = mx.transpose(
      mx.reshape(k.addBias(mx.matmul(x, l.qkvT), l.qkvBias), B, S, 3, NH, d),
      2,
      0,
      3,
      1,
      4,
    );
    const q = qkv.index(0);
    const key = qkv.index(1);
    const v = qkv.index(2);
    const scores = mx.matmul(q, mx.transpose(key, 0, 1, 3, 2)); // [B, heads, S, S]
    // Subtracting the max over all keys (padding included) keeps every exponent ≤ 0.
    const weights = k.maskedExp(scores, maskBias, mx.max(scores, -1, true));
    const rowSum = mx.sum(weights, -1, true);
    const ctx = mx.reshape(k.normalizeContext(mx.matmul(weights, v), rowSum), B * S, H);
    const [h1, h1sq] = k.biasResidual(mx.matmul(ctx, l.outT), l.outBias, x) as [mx.array, mx.array];
    const a = this.#normalize(h1, h1sq, l.ln1w, l.ln1b);
    const inter = k.biasGelu(mx.matmul(a, l.interT), l.interBias);
    const [h2, h2sq] = k.biasResidual(mx.matmul(inter, l.out2T), l.out2Bias, a) as [mx.array, mx.array];
    return this.#normalize(h2, h2sq, l.ln2w, l.ln2b);
  }

  #layerNorm(x: mx.array, w: mx.array, b: mx.array): mx.array {
    return this.#normalize(x, mx.square(x), w, b);
  }

  #normalize(x: mx.array, xsq: mx.array, w: mx.array, b: mx.array): mx.array {
    return this.#k.normalize(x, mx.matmul(x, this.#meanVec), mx.matmul(xsq, this.#meanVec), w, b);
  }

  #pool(x: mx.array, valid: mx.array, B: number, S: number): mx.array {
    const H = this.spec.hiddenSize;
    switch (this.spec.pooling) {
      case 'cls':
        return mx.reshape(mx.take(x, mx.array([0], mx.int32), 1), B, H);
      case 'max':
        return mx.max(mx.add(x, mx.reshape(mx.where(valid, 0, MASKED), B, S, 1)), 1);
      case 'mean': {
        // A batched GEMV: [B, 1, S] mask weights × [B, S, H] → [B, 1, H].
        const counts = mx.maximum(mx.sum(valid.astype(mx.float32), 1, true), 1); // [B, 1]
        const weights = mx.reshape(mx.divide(valid.astype(mx.float32), counts), B, 1, S);
        return mx.reshape(mx.matmul(weights, x), B, H);
      }
    }
  }
}

function contiguous(a: mx.array): mx.array {
  // A transposed view would make every GEMM transpose on the fly (or copy); copy once here.
  return mx.add(a, 0);
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
