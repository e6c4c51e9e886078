import type { BertSpec } from '../model/bert-config.js';
import { DataType, encodeModel, type Node, type Tensor } from './proto.js';
import { quantizeColumns } from './quantize.js';

/**
 * Bump when the graph changes: it is part of the cache key of built graphs (graph-cache.ts),
 * so an upgraded ragctl never runs a graph an older builder wrote.
 */
export const GRAPH_BUILDER_VERSION = 1;

/** opset 17: the first with LayerNormalization, which ORT runs as one fused kernel. */
const OPSET = 17;
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

/** One tensor of the checkpoint as float32, with its shape. */
export interface Weight {
  data: Float32Array;
  shape: readonly number[];
}

/** Reads one tensor of the checkpoint by its name without the checkpoint's prefix. */
export type WeightReader = (name: string) => Weight;

/**
 * How the projections multiply. `int8`: each projection's weights are int8 with one scale per
 * output column (symmetric), activations are quantised per call (DynamicQuantizeLinear), the
 * product is an integer MatMul rescaled to float — ORT fuses the four into one kernel.
 * Embeddings, LayerNorm, attention scores and pooling stay fp32.
 */
export type GraphPrecision = 'fp32' | 'int8';

/**
 * Builds an ONNX graph of a BERT sentence encoder from its weights: embeddings (word +
 * position + token type 0, LayerNorm), the encoder layers (scaled dot-product attention with
 * the padding mask as an additive bias, exact erf GELU), then the model's pooling. Inputs are
 * `input_ids` and `attention_mask` (int64, [batch, seq]); the output is `pooled`.
 *
 * Positions are a Slice of the position table up to the sequence length, not a Gather over a
 * Range: ORT's optimizer rewrites that Gather into a Slice whose bounds fail at run time.
 * Weights are stored transposed ([in, out]) so every projection is a plain MatMul, and the
 * 1/√d attention scale is folded into the query weights, as in the MLX encoder.
 */
export function buildBertGraph(
  spec: BertSpec,
  read: WeightReader,
  precision: GraphPrecision = 'fp32',
): Uint8Array {
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
  const linear = (x: string, prefix: string, scale = 1): string => {
    const w = read(`${prefix}.weight`).data;
    const b = read(`${prefix}.bias`).data;
    const outDim = b.length;
    const inDim = w.length / outDim;
    const wt = transpose(w, outDim, inDim, scale);
    const product =
      precision === 'int8'
        ? int8MatMul(g, x, prefix, wt, inDim, outDim)
        : g.op('MatMul', [x, g.floats(`${prefix}.weight.t`, [inDim, outDim], wt)]);
    return g.op('Add', [
      product,
      g.floats(`${prefix}.bias.s`, [outDim], scale === 1 ? b : b.map((v) => v * scale)),
    ]);
  };

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
  const bias = g.op('Mul', [g.op('Sub', [g.scalar('f_one', 1), maskF]), g.scalar('f_masked', MASKED)]);
  const bias4 = g.op('Unsqueeze', [bias, g.ints('axes_1_2', [1, 2])]);
  const headShape = g.ints('head_shape', [0, 0, NH, d]);
  const hiddenShape = g.ints('hidden_shape', [0, 0, H]);

  for (let l = 0; l < spec.layers; l++) {
    const p = `encoder.layer.${l}`;
    const heads = (t: string, perm: number[]): string =>
      g.op('Transpose', [g.op('Reshape', [t, headShape])], { perm });
    const q = heads(linear(x, `${p}.attention.self.query`, 1 / Math.sqrt(d)), [0, 2, 1, 3]);
    const k = heads(linear(x, `${p}.attention.self.key`), [0, 2, 3, 1]);
    const v = heads(linear(x, `${p}.attention.self.value`), [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('MatMul', [q, k]), bias4]);
    const probs = g.op('Softmax', [scores], { axis: -1 });
    const context = g.op('Reshape', [
      g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }),
      hiddenShape,
    ]);
    const attended = ln(
      g.op('Add', [linear(context, `${p}.attention.output.dense`), x]),
      `${p}.attention.output.LayerNorm`,
    );
    const up = linear(attended, `${p}.intermediate.dense`);
    // Exact GELU, x·½(1 + erf(x/√2)), written as ORT's Gelu fusion expects it.
    const erf = g.op('Erf', [g.op('Div', [up, g.scalar('f_sqrt2', Math.SQRT2)])]);
    const gelu = g.op('Mul', [
      g.op('Mul', [up, g.op('Add', [erf, g.scalar('f_one', 1)])]),
      g.scalar('f_half', 0.5),
    ]);
    x = ln(g.op('Add', [linear(gelu, `${p}.output.dense`), attended]), `${p}.output.LayerNorm`);
  }

  g.op('Identity', [pool(g, x, maskF, bias, spec)], {}, POOLED);
  return encodeModel({
    irVersion: IR_VERSION,
    opsets: [{ domain: '', version: OPSET }],
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
      outputs: [{ name: POOLED, dataType: DataType.FLOAT, dims: ['batch', H] }],
    },
  });
}

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
  const product = g.op('MatMulInteger', [xq, g.int8s(`${prefix}.weight.q`, [inDim, outDim], values), xZero]);
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

/** Nodes and initializers with generated names; constants are shared by name. */
class GraphWriter {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  readonly #names = new Set<string>();
  #next = 0;

  op(
    type: string,
    inputs: string[],
    attributes: Node['attributes'] = {},
    output = `${type.toLowerCase()}_${this.#next}`,
  ): string {
    this.nodes.push({ op: type, inputs, outputs: [output], name: `${type}_${this.#next++}`, attributes });
    return output;
  }

  /** A node with `count` outputs (DynamicQuantizeLinear's value, scale and zero point). */
  ops(type: string, inputs: string[], count: number): string[] {
    const id = this.#next++;
    const outputs = Array.from({ length: count }, (_, i) => `${type.toLowerCase()}_${id}_${i}`);
    this.nodes.push({ op: type, inputs, outputs, name: `${type}_${id}`, attributes: {} });
    return outputs;
  }

  int8s(name: string, dims: number[], data: Int8Array): string {
    return this.#add(
      name,
      DataType.INT8,
      dims,
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }

  weight(name: string, read: WeightReader): string {
    if (this.#names.has(name)) return name;
    const { data, shape } = read(name);
    return this.floats(name, [...shape], data);
  }

  floats(name: string, dims: number[], data: Float32Array): string {
    return this.#add(
      name,
      DataType.FLOAT,
      dims,
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }

  scalar(name: string, value: number): string {
    return this.floats(name, [], Float32Array.of(value));
  }

  ints(name: string, values: number[], dims: number[] = [values.length]): string {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    return this.#add(name, DataType.INT64, dims, new Uint8Array(data.buffer));
  }

  #add(name: string, dataType: Tensor['dataType'], dims: number[], raw: Uint8Array): string {
    if (this.#names.has(name)) return name;
    this.#names.add(name);
    this.initializers.push({ name, dataType, dims, raw });
    return name;
  }
}
