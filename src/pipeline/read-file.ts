import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { unreadable } from '../access.js';
import { errnoCode } from '../errors.js';
import { decodeText, utf16Bom } from '../text-decode.js';

export { decodeText };

/** Bytes inspected when deciding whether a file is binary: here for a NUL (as git does), for a log by append.ts. */
export const BINARY_SNIFF_BYTES = 8000;

export type ReadResult =
  | { ok: true; text: string; fileHash: string; size: number; bytes?: Uint8Array }
  | { ok: false; reason: string; fileHash?: string; vanished?: boolean };

/** sha256 hex, first 32 characters: collisions are irrelevant at these counts, rows stay small. */
export function shortHash(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
}

/**
 * Reads a file for indexing: its content hash, and its text if it is text (`decodeText`). A NUL
 * byte in the first 8 kB marks a binary file, which is skipped with that reason, unless a UTF-16
 * byte-order mark says those NULs are half of each character. With `bytes`, the file is handed
 * over as bytes, for a chunker that reads it so (`Chunker.readsBytes`).
 */
export async function readForIndex(path: string, options: { bytes?: boolean } = {}): Promise<ReadResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return { ok: false, reason: 'deleted', vanished: true };
    if (code === 'EISDIR') return { ok: false, reason: 'is a folder' };
    return { ok: false, reason: unreadable('cannot read', path, err, false) };
  }
  const fileHash = shortHash(bytes);
  // A file its chunker reads as bytes (a PDF): neither decoded nor judged binary.
  if (options.bytes) return { ok: true, text: '', fileHash, size: bytes.length, bytes };
  if (!utf16Bom(bytes) && bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0))
    return { ok: false, reason: 'binary file', fileHash };
  return { ok: true, text: decodeText(bytes), fileHash, size: bytes.length };
}
