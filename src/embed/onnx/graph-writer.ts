import { DataType, type Node, type Tensor } from './proto.js';

/** One tensor of the checkpoint as float32, with its shape. */
export interface Weight {
  data: Float32Array;
  shape: readonly number[];
}

/** Reads one tensor of the checkpoint by its name without the checkpoint's prefix. */
export type WeightReader = (name: string) => Weight;

/** The domain of ORT's contrib ops (Attention, BiasGelu). */
export const MS_DOMAIN = 'com.microsoft';

/** Nodes and initializers with generated names; constants are shared by name. */
export class GraphWriter {
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

  /** A node of ORT's contrib domain: the graph must import MS_DOMAIN's opset. */
  msOp(type: string, inputs: string[], attributes: Node['attributes'] = {}): string {
    const output = `${type.toLowerCase()}_${this.#next}`;
    this.nodes.push({
      op: type,
      inputs,
      outputs: [output],
      name: `${type}_${this.#next++}`,
      attributes,
      domain: MS_DOMAIN,
    });
    return output;
  }

  /** A node with `count` outputs (DynamicQuantizeLinear's value, scale and zero point). */
  ops(type: string, inputs: string[], count: number): string[] {
    const id = this.#next++;
    const outputs = Array.from({ length: count }, (_, i) => `${type.toLowerCase()}_${id}_${i}`);
    this.nodes.push({ op: type, inputs, outputs, name: `${type}_${id}`, attributes: {} });
    return outputs;
  }

  uint8s(name: string, dims: number[], data: Uint8Array): string {
    return this.#add(name, DataType.UINT8, dims, data);
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
