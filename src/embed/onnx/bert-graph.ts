import type { BertSpec } from '../model/bert-config.js';
import { GraphWriter, MS_DOMAIN, type WeightReader } from './graph-writer.js';
import { DataType, encodeModel } from './proto.js';
import { quantizeColumns } from './quantize.js';

export type { Weight, WeightReader } from './graph-writer.js';

/**
 * Bump when the graph changes: it is part of the cache key of built graphs (graph-cache.ts),
 * so an upgraded ragctl never runs a graph an older builder wrote. (4: int8 weights stored as
 * uint8 with a zero point, `WEIGHT_ZERO`.)
 */
export const GRAPH_BUILDER_VERSION = 4;

/** opset 17: the first with LayerNormalization, which ORT runs as one fused kernel. */
const OPSET = 17;
/** The contrib ops' opset (Attention and BiasGelu are version 1). */
const MS_OPSET = 1;
/** The IR version that opset 17 belongs to. */
const IR_VERSION = 8;
/** Additive attention bias for padded keys, as the MLX encoder uses (exp() of it is 0). */
const MASKED = -1e9;
/** sentence-transformers clamps the token count of mean pooling to this. */
const MIN_TOKEN_COUNT = 1e-9;

/** Graph inputs and output, for the embedder that feeds it. */
export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
/** Pooled rows, [batch, hidden], not yet L2-normalised (the embedder does that in JS). */
export const POOLED = 'pooled';
/**
 * The last layer's token vectors, [batch, seq, hidden], padding included, not normalised: what
 * late-interaction scoring reads (src/embed/late.ts). Fetched only by that call; embedding asks
 * for `pooled` alone, so it costs indexing nothing.
 */
export const TOKENS = 'tokens';

/**
 * How the projections multiply. `int8`: each projection's weights are int8 with one scale per
 * output column (symmetric), activations are quantised per call (DynamicQuantizeLinear), the
 * product is an integer MatMul rescaled to float — ORT fuses the four into one kernel.
 * Embeddings, LayerNorm, attention scores and pooling stay fp32.
 */
export type GraphPrecision = 'fp32' | 'int8';

/**
 * `fused`: ORT's contrib kernels (com.microsoft) where they pay — Attention over packed QKV
 * weights with the padding mask as its mask input (ORT's optimizer does not fuse the plain
 * graph's attention; the kernel spares the Reshape/Transpose copies and the broadcast mask
 * Add of every layer) and BiasGelu (bias + exact erf GELU, what ORT makes of the plain
 * pattern anyway). The residual + LayerNorm pairs stay Add + LayerNormalization: ORT's CPU
 * SkipLayerNormalization kernel ran slower than the two here.
 * `plain`: standard ONNX ops only, for an onnxruntime that lacks a contrib kernel.
 * int8 keeps plain attention (Attention takes float weights).
 */
export type GraphOps = 'fused' | 'plain';

export interface GraphOptions {
  precision?: GraphPrecision;
  ops?: GraphOps;
}

/**
 * Builds an ONNX graph of a BERT sentence encoder from its weights: embeddings (word +
 * position + token type 0, LayerNorm), the encoder layers (scaled dot-product attention with
 * the padding mask, exact erf GELU), then the model's pooling. Inputs are `input_ids` and
 * `attention_mask` (int64, [batch, seq]); the output is `pooled`.
 *
 * Positions are a Slice of the position table up to the sequence length, not a Gather over a
 * Range: ORT's optimizer rewrites that Gather into a Slice whose bounds fail at run time.
 * Weights are stored transposed ([in, out]) so every projection is a plain MatMul. In the
 * plain attention the 1/√d scale is folded into the query weights, as in the MLX encoder;
 * the fused Attention applies it itself.
 */
export function buildBertGraph(spec: BertSpec, read: WeightReader, options: GraphOptions = {}): Uint8Array {
  const precision = options.precision ?? 'fp32';
  const fused = (options.ops ?? 'fused') === 'fused';
  const g = new GraphWriter();
  const H = spec.hiddenSize;
  const NH = spec.heads;
  const d = H / NH;
  const eps = { floatValue: spec.layerNormEps };

  const ln = (x: string, prefix: string): string =>
    g.op('LayerNormalization', [x, g.weight(`${prefix}.weight`, read), g.weight(`${prefix}.bias`, read)], {
      axis: -1,
      epsilon: eps,
    });
  /** x · Wᵀ (no bias): the weights transposed to [in, out], times `scale`. */
  const project = (x: string, prefix: string, scale = 1): string => {
    const { data: w, shape } = read(`${prefix}.weight`);
    const [outDim, inDim] = shape as [number, number];
    const wt = transpose(w, outDim, inDim, scale);
    return precision === 'int8'
      ? int8MatMul(g, x, prefix, wt, inDim, outDim)
      : g.op('MatMul', [x, g.floats(`${prefix}.weight.t`, [inDim, outDim], wt)]);
  };
  const bias = (prefix: string, scale = 1): string => {
    const b = read(`${prefix}.bias`).data;
    return g.floats(`${prefix}.bias.s`, [b.length], scale === 1 ? b : b.map((v) => v * scale));
  };
  const linear = (x: string, prefix: string, scale = 1): string =>
    g.op('Add', [project(x, prefix, scale), bias(prefix, scale)]);
  /** LayerNorm(x · Wᵀ + b + residual). */
  const residualNorm = (x: string, prefix: string, residual: string, norm: string): string =>
    ln(g.op('Add', [linear(x, prefix), residual]), norm);

  // Embeddings.
  const words = g.op('Gather', [g.weight('embeddings.word_embeddings.weight', read), INPUT_IDS], { axis: 0 });
  const seqLen = g.op('Slice', [g.op('Shape', [INPUT_IDS]), g.ints('one', [1]), g.ints('two', [2])]);
  const positions = g.op('Slice', [
    g.weight('embeddings.position_embeddings.weight', read),
    g.ints('zero', [0]),
    seqLen,
    g.ints('zero', [0]),
  ]);
  const typeRow = read('embeddings.token_type_embeddings.weight').data.slice(0, H);
  const summed = g.op('Add', [g.op('Add', [words, positions]), g.floats('token_type_0', [H], typeRow)]);
  let x = ln(summed, 'embeddings.LayerNorm');

  // The padding mask: 0 for real tokens, MASKED for padding, broadcast over heads and queries.
  const maskF = g.op('Cast', [ATTENTION_MASK], { to: DataType.FLOAT });
  const maskBias = g.op('Mul', [g.op('Sub', [g.scalar('f_one', 1), maskF]), g.scalar('f_masked', MASKED)]);
  const useFusedAttention = fused && precision === 'fp32';
  // Attention's 2-D "raw" mask form: [batch, seq] of 1 (attend) and 0 (padding), int32.
  const mask32 = useFusedAttention ? g.op('Cast', [ATTENTION_MASK], { to: DataType.INT32 }) : '';
  const bias4 = useFusedAttention ? '' : g.op('Unsqueeze', [maskBias, g.ints('axes_1_2', [1, 2])]);

  const plainAttention = (x: string, p: string): string => {
    const headShape = g.ints('head_shape', [0, 0, NH, d]);
    const hiddenShape = g.ints('hidden_shape', [0, 0, H]);
    const heads = (t: string, perm: number[]): string =>
      g.op('Transpose', [g.op('Reshape', [t, headShape])], { perm });
    const q = heads(linear(x, `${p}.query`, 1 / Math.sqrt(d)), [0, 2, 1, 3]);
    const k = heads(linear(x, `${p}.key`), [0, 2, 3, 1]);
    const v = heads(linear(x, `${p}.value`), [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('MatMul', [q, k]), bias4]);
    const probs = g.op('Softmax', [scores], { axis: -1 });
    return g.op('Reshape', [
      g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }),
      hiddenShape,
    ]);
  };
  /** ORT's Attention: one GEMM over the packed QKV weights, then the heads, masked. */
  const fusedAttention = (x: string, p: string): string => {
    const parts = ['query', 'key', 'value'].map((n) => ({
      w: read(`${p}.${n}.weight`).data,
      b: read(`${p}.${n}.bias`).data,
    }));
    return g.msOp(
      'Attention',
      [
        x,
        g.floats(
          `${p}.qkv.weight.t`,
          [H, 3 * H],
          packColumns(
            parts.map((t) => t.w),
            H,
          ),
        ),
        g.floats(`${p}.qkv.bias`, [3 * H], concat(parts.map((t) => t.b))),
        mask32,
      ],
      // The scale is the kernel's default, 1/√d; padded keys get MASKED as in the plain graph.
      { num_heads: NH, mask_filter_value: { floatValue: MASKED } },
    );
  };

  for (let l = 0; l < spec.layers; l++) {
    const p = `encoder.layer.${l}`;
    const context = useFusedAttention
      ? fusedAttention(x, `${p}.attention.self`)
      : plainAttention(x, `${p}.attention.self`);
    const attended = residualNorm(
      context,
      `${p}.attention.output.dense`,
      x,
      `${p}.attention.output.LayerNorm`,
    );
    const gelu = fused
      ? g.msOp('BiasGelu', [project(attended, `${p}.intermediate.dense`), bias(`${p}.intermediate.dense`)])
      : erfGelu(g, linear(attended, `${p}.intermediate.dense`));
    x = residualNorm(gelu, `${p}.output.dense`, attended, `${p}.output.LayerNorm`);
  }

  g.op('Identity', [pool(g, x, maskF, maskBias, spec)], {}, POOLED);
  g.op('Identity', [x], {}, TOKENS);
  return encodeModel({
    irVersion: IR_VERSION,
    opsets: fused
      ? [
          { domain: '', version: OPSET },
          { domain: MS_DOMAIN, version: MS_OPSET },
        ]
      : [{ domain: '', version: OPSET }],
    producerName: 'ragctl',
    producerVersion: String(GRAPH_BUILDER_VERSION),
    graph: {
      name: 'bert-sentence-encoder',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [
        { name: INPUT_IDS, dataType: DataType.INT64, dims: ['batch', 'seq'] },
        { name: ATTENTION_MASK, dataType: DataType.INT64, dims: ['batch', 'seq'] },
      ],
      outputs: [
        { name: POOLED, dataType: DataType.FLOAT, dims: ['batch', H] },
        { name: TOKENS, dataType: DataType.FLOAT, dims: ['batch', 'seq', H] },
      ],
    },
  });
}

/** Exact GELU, x·½(1 + erf(x/√2)), written as ORT's Gelu fusion expects it. */
function erfGelu(g: GraphWriter, x: string): string {
  const erf = g.op('Erf', [g.op('Div', [x, g.scalar('f_sqrt2', Math.SQRT2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, g.scalar('f_one', 1)])]), g.scalar('f_half', 0.5)]);
}

/**
 * Checkpoint matrices ([out, in] each, `inDim` columns) side by side as one [in, Σout] matrix:
 * Attention's packed QKV weights, the query's columns first.
 */
function packColumns(ws: readonly Float32Array[], inDim: number): Float32Array {
  const outDims = ws.map((w) => w.length / inDim);
  const total = outDims.reduce((a, b) => a + b, 0);
  const out = new Float32Array(inDim * total);
  let offset = 0;
  ws.forEach((w, i) => {
    const outDim = outDims[i]!;
    for (let o = 0; o < outDim; o++) {
      for (let r = 0; r < inDim; r++) out[r * total + offset + o] = w[o * inDim + r]!;
    }
    offset += outDim;
  });
  return out;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * The weights' zero point. They are symmetric int8 (quantize.ts), stored as uint8 shifted by it:
 * ORT's uint8 × int8 kernel on x86 without VNNI (AVX2: AMD before Zen 4, Intel client cores)
 * adds pairs of products in 16 bits and saturates, and some texts' vectors drift past the int8
 * bound (int8.test.ts); its uint8 × uint8 kernel widens first and is exact everywhere, a little
 * slower where VNNI is missing (docs/BENCHMARKS.md §98).
 */
const WEIGHT_ZERO = 128;

/**
 * x · W with W ([in, out], fp32) stored as int8 per output column: uint8 activations with
 * their own scale and zero point (DynamicQuantizeLinear), an int32 MatMulInteger, then one
 * float rescale by (activation scale × column scale).
 */
function int8MatMul(
  g: GraphWriter,
  x: string,
  prefix: string,
  wt: Float32Array,
  inDim: number,
  outDim: number,
): string {
  const { values, scales } = quantizeColumns(wt, inDim, outDim);
  const [xq, xScale, xZero] = g.ops('DynamicQuantizeLinear', [x], 3) as [string, string, string];
  const shifted = Uint8Array.from(values, (v) => v + WEIGHT_ZERO);
  const product = g.op('MatMulInteger', [
    xq,
    g.uint8s(`${prefix}.weight.q`, [inDim, outDim], shifted),
    xZero,
    g.uint8s('weight_zero_point', [], Uint8Array.of(WEIGHT_ZERO)),
  ]);
  const colScale = g.op('Mul', [xScale, g.floats(`${prefix}.weight.scale`, [outDim], scales)]);
  return g.op('Mul', [g.op('Cast', [product], { to: DataType.FLOAT }), colScale]);
}

/** The model's pooling over real tokens: [batch, seq, hidden] → [batch, hidden]. */
function pool(g: GraphWriter, x: string, maskF: string, bias: string, spec: BertSpec): string {
  switch (spec.pooling) {
    case 'cls':
      return g.op('Gather', [x, g.ints('zero_scalar', [0], [])], { axis: 1 });
    case 'max':
      // opset 17's ReduceMax takes its axes as an attribute (an input only from opset 18).
      return g.op('ReduceMax', [g.op('Add', [x, g.op('Unsqueeze', [bias, g.ints('axes_2', [2])])])], {
        axes: [1],
        keepdims: 0,
      });
    case 'mean': {
      const summed = g.op(
        'ReduceSum',
        [g.op('Mul', [x, g.op('Unsqueeze', [maskF, g.ints('axes_2', [2])])]), g.ints('axes_1', [1])],
        { keepdims: 0 },
      );
      const count = g.op('Max', [
        g.op('ReduceSum', [maskF, g.ints('axes_1', [1])], { keepdims: 1 }),
        g.scalar('f_min_count', MIN_TOKEN_COUNT),
      ]);
      return g.op('Div', [summed, count]);
    }
  }
}

/** [rows, cols] row-major → [cols, rows], times `scale`. */
function transpose(w: Float32Array, rows: number, cols: number, scale: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]! * scale;
  }
  return out;
}
