import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { cp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testModel } from './model.js';

export const WEIGHTS = 'model.safetensors';

/**
 * A working copy of the real model folder in `dest`: every small file copied, the 90 MB weights
 * linked, so a test can break one file without touching the cache or paying for a copy.
 */
export async function copyModelFolder(dest: string): Promise<string> {
  const source = testModel().dir;
  await cp(source, dest, {
    recursive: true,
    dereference: true,
    filter: (src) => src !== join(source, WEIGHTS),
  });
  await symlink(join(source, WEIGHTS), join(dest, WEIGHTS));
  return dest;
}

/** One entry of a safetensors header. */
export interface HeaderTensor {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** The header of a .safetensors file, `__metadata__` left out. */
export function readHeader(file: string): Map<string, HeaderTensor> {
  const fd = openSync(file, 'r');
  try {
    const prefix = Buffer.alloc(8);
    readSync(fd, prefix, 0, 8, 0);
    const header = Buffer.alloc(Number(prefix.readBigUInt64LE(0)));
    readSync(fd, header, 0, header.length, 8);
    const json = JSON.parse(header.toString('utf8')) as Record<string, HeaderTensor>;
    delete json.__metadata__;
    return new Map(Object.entries(json));
  } finally {
    closeSync(fd);
  }
}

const DTYPE_BYTES: Record<string, number> = {
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

/**
 * Writes a .safetensors file with these tensors laid out one after another, and a data section
 * of zeros left sparse (a hole, not 90 MB written): enough for every check that reads only the
 * header and a few samples. `dataBytes` shortens the data section to fake a truncated file.
 */
export async function writeSparseSafetensors(
  file: string,
  tensors: Map<string, Pick<HeaderTensor, 'dtype' | 'shape'>>,
  dataBytes?: number,
): Promise<void> {
  const header: Record<string, HeaderTensor> = {};
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype]!;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  await writeRawSafetensors(file, Buffer.from(JSON.stringify(header)), dataBytes ?? offset);
}

/** An 8-byte length, then `header` as given (valid or not), then `dataBytes` of zeros (sparse). */
export async function writeRawSafetensors(
  file: string,
  header: Buffer,
  dataBytes: number,
  declaredLength: number = header.length,
): Promise<void> {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(declaredLength));
  // The copy's weights are a link into the Hugging Face cache: replace the link, never write through it.
  await rm(file, { force: true });
  await writeFile(file, Buffer.concat([prefix, header]), { flag: 'wx' });
  await truncate(file, 8 + header.length + dataBytes);
}

/** Rewrites one JSON file of the folder through `edit`. */
export function editJson(file: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(file, JSON.stringify(json));
}
