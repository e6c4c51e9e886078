import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { ModelError } from '../../errors.js';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export interface TensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range within the data section (after the header). */
  begin: number;
  end: number;
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Headers past this are not a model we can use (a corrupt length field reads as petabytes). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/**
 * Reads and checks a .safetensors header without loading the weights: the length prefix,
 * the JSON, every tensor's dtype, shape and byte range against the file's size. MLX would
 * otherwise fail later with a message that does not name the file.
 */
export function readSafetensorsHeader(file: string): Map<string, TensorInfo> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new ModelError(file, 'cannot open the weights file', { cause: err, missing: true });
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw new ModelError(file, `bad safetensors header: the file has only ${size} bytes`);
    const prefix = Buffer.alloc(8);
    readSync(fd, prefix, 0, 8, 0);
    const headerBytes = Number(prefix.readBigUInt64LE(0));
    if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES || 8 + headerBytes > size) {
      throw new ModelError(
        file,
        `bad safetensors header: header length ${headerBytes} does not fit a file of ${size} bytes (truncated or not a safetensors file)`,
      );
    }
    const header = Buffer.alloc(headerBytes);
    readSync(fd, header, 0, headerBytes, 8);
    let json: unknown;
    try {
      json = JSON.parse(header.toString('utf8'));
    } catch (err) {
      throw new ModelError(file, 'bad safetensors header: the header is not valid JSON', { cause: err });
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ModelError(file, 'bad safetensors header: the header is not a JSON object');
    }
    const dataBytes = size - 8 - headerBytes;
    const tensors = new Map<string, TensorInfo>();
    for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
      if (name === '__metadata__') continue;
      tensors.set(name, checkTensor(file, name, value, dataBytes));
    }
    if (tensors.size === 0) throw new ModelError(file, 'bad safetensors header: no tensors');
    return tensors;
  } finally {
    closeSync(fd);
  }
}

function checkTensor(file: string, name: string, value: unknown, dataBytes: number): TensorInfo {
  const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const bad = (why: string) => new ModelError(file, `bad safetensors header: tensor ${name} ${why}`);
  if (typeof v !== 'object' || v === null) throw bad('is not described by an object');
  if (typeof v.dtype !== 'string' || !(v.dtype in DTYPE_BYTES))
    throw bad(`has unsupported dtype ${String(v.dtype)}`);
  if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isInteger(d) && d >= 0))
    throw bad('has a bad shape');
  const offsets = v.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isInteger(o) && o >= 0)
  ) {
    throw bad('has bad data_offsets');
  }
  const [begin, end] = offsets as [number, number];
  const dtype = v.dtype as SafetensorsDtype;
  const shape = v.shape as number[];
  const expected = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
  if (end - begin !== expected)
    throw bad(`has ${end - begin} bytes of data but shape [${shape.join(', ')}] ${dtype} needs ${expected}`);
  if (end > dataBytes)
    throw bad(`ends at byte ${end}, past the end of the data (${dataBytes} bytes): the file is truncated`);
  return { dtype, shape, begin, end };
}

/**
 * Reads the whole weights file and returns a reader of its tensors as float32 (F16 and BF16
 * widened), by name without `prefix`. For building graphs from the checkpoint; MLX reads the
 * file itself.
 */
export function readFloatTensors(
  file: string,
  tensors: Map<string, TensorInfo>,
  prefix: string,
): (name: string) => { data: Float32Array; shape: number[] } {
  const bytes = readFileSync(file);
  const dataStart = 8 + Number(bytes.readBigUInt64LE(0));
  return (name) => {
    const t = tensors.get(prefix + name);
    if (!t) throw new ModelError(file, `missing tensor ${prefix + name}`);
    const raw = bytes.subarray(dataStart + t.begin, dataStart + t.end);
    const count = t.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(count);
    switch (t.dtype) {
      case 'F32':
        for (let i = 0; i < count; i++) out[i] = raw.readFloatLE(i * 4);
        break;
      case 'F16':
        for (let i = 0; i < count; i++) out[i] = halfToFloat(raw.readUInt16LE(i * 2));
        break;
      case 'BF16': {
        const word = new DataView(new ArrayBuffer(4));
        for (let i = 0; i < count; i++) {
          word.setUint32(0, raw.readUInt16LE(i * 2) << 16);
          out[i] = word.getFloat32(0);
        }
        break;
      }
      default:
        throw new ModelError(file, `tensor ${prefix + name} has dtype ${t.dtype}; expected a float type`);
    }
    return { data: out, shape: t.shape };
  };
}

/** IEEE 754 half → number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
