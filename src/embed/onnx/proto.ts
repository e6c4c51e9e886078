/**
 * The few ONNX protobuf messages the graph builder writes (field numbers from onnx/onnx.proto),
 * encoded by hand: the wire format is varints and length-prefixed fields, and a dependency that
 * compiles .proto files would be larger than this file.
 */

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT8: 3, UINT8: 2, INT32: 6, INT64: 7 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

export interface Tensor {
  name: string;
  dataType: DataTypeCode;
  dims: readonly number[];
  /** Little-endian bytes, as TensorProto.raw_data holds them. */
  raw: Uint8Array;
}

export type AttributeValue = number | string | readonly number[] | { floatValue: number };

export interface Node {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attributes?: Readonly<Record<string, AttributeValue>>;
  domain?: string;
}

/** A graph input or output: its element type and its dims (a string names a symbolic dim). */
export interface ValueInfo {
  name: string;
  dataType: DataTypeCode;
  dims: ReadonlyArray<number | string>;
}

export interface Graph {
  name: string;
  nodes: readonly Node[];
  initializers: readonly Tensor[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}

export interface Model {
  irVersion: number;
  opsets: ReadonlyArray<{ domain: string; version: number }>;
  producerName: string;
  producerVersion: string;
  graph: Graph;
}

/** AttributeProto.AttributeType */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_BYTES = 2;

/**
 * Collects a message's bytes as parts (tensor data by reference); nested messages are built
 * first, then their parts are taken over behind a length prefix.
 */
class Writer {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  #push(bytes: Uint8Array): void {
    this.#parts.push(bytes);
    this.#length += bytes.length;
  }

  #tag(field: number, wire: number): void {
    this.#varint(BigInt(field * 8 + wire));
  }

  #varint(value: bigint): void {
    // Negative int64s are written as their two's complement in 10 bytes, as protobuf does.
    let v = value < 0n ? value + (1n << 64n) : value;
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      out.push(byte);
    } while (v !== 0n);
    this.#push(Uint8Array.from(out));
  }

  int(field: number, value: number): this {
    this.#tag(field, WIRE_VARINT);
    this.#varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.#tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.#push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, WIRE_BYTES);
    this.#varint(BigInt(value.length));
    this.#push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** Takes over the inner message's parts: a graph's ~90 MB of weights is copied once, in `finish()`. */
  message(field: number, inner: Writer): this {
    this.#tag(field, WIRE_BYTES);
    this.#varint(BigInt(inner.#length));
    for (const part of inner.#parts) this.#push(part);
    return this;
  }

  /** A packed repeated int64 field. */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new Writer();
    for (const v of values) inner.#varint(BigInt(v));
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const p of this.#parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }
}

function tensor(t: Tensor): Writer {
  // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9.
  return new Writer().packedInts(1, t.dims).int(2, t.dataType).string(8, t.name).bytes(9, t.raw);
}

function attribute(name: string, value: AttributeValue): Writer {
  // AttributeProto: name = 1, f = 2, i = 3, s = 4, ints = 8, type = 20.
  const w = new Writer().string(1, name);
  if (typeof value === 'number') return w.int(3, value).int(20, ATTR_INT);
  if (typeof value === 'string') return w.string(4, value).int(20, ATTR_STRING);
  if ('floatValue' in value) return w.float(2, value.floatValue).int(20, ATTR_FLOAT);
  return w.packedInts(8, value as readonly number[]).int(20, ATTR_INTS);
}

function node(n: Node): Writer {
  // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.op);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, attribute(k, v));
  if (n.domain) w.string(7, n.domain);
  return w;
}

function valueInfo(v: ValueInfo): Writer {
  // ValueInfoProto { name = 1, type = 2 }; TypeProto { tensor_type = 1 };
  // TypeProto.Tensor { elem_type = 1, shape = 2 }; TensorShapeProto { dim = 1 };
  // Dimension { dim_value = 1, dim_param = 2 }.
  const shape = new Writer();
  for (const d of v.dims)
    shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, v.dataType).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

function graph(g: Graph): Writer {
  // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
  const w = new Writer();
  for (const n of g.nodes) w.message(1, node(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, tensor(t));
  for (const i of g.inputs) w.message(11, valueInfo(i));
  for (const o of g.outputs) w.message(12, valueInfo(o));
  return w;
}

/** A serialised ModelProto, ready for `InferenceSession.create(bytes)`. */
export function encodeModel(m: Model): Uint8Array {
  // ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7, opset_import = 8.
  const w = new Writer().int(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion);
  w.message(7, graph(m.graph));
  for (const o of m.opsets) {
    const opset = new Writer();
    if (o.domain) opset.string(1, o.domain);
    w.message(8, opset.int(2, o.version));
  }
  return w.finish();
}
