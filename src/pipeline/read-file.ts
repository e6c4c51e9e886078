import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { unreadable } from '../access.js';
import { errnoCode } from '../errors.js';

/** Bytes inspected when deciding whether a file is binary: here for a NUL (as git does), for a log by append.ts. */
export const BINARY_SNIFF_BYTES = 8000;

export type ReadResult =
  | { ok: true; text: string; fileHash: string; size: number }
  | { ok: false; reason: string; fileHash?: string; vanished?: boolean };

/** sha256 hex, first 32 characters: collisions are irrelevant at these counts, rows stay small. */
export function shortHash(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
}

/**
 * Reads a file for indexing: its content hash, and its text if it is text. Invalid UTF-8 is
 * decoded with replacement characters (a stray Latin-1 byte should not hide a whole note);
 * a NUL byte in the first 8 kB marks a binary file, which is skipped with that reason.
 */
export async function readForIndex(path: string): Promise<ReadResult> {
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
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0))
    return { ok: false, reason: 'binary file', fileHash };
  // TextDecoder drops a UTF-8 BOM by default (ignoreBOM: false).
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return { ok: true, text, fileHash, size: bytes.length };
}
