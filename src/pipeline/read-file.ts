import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { unreadable } from '../access.js';
import { errnoCode } from '../errors.js';

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

/**
 * A file's text. UTF-8, unless its bytes say otherwise:
 * - a byte-order mark: UTF-16 LE or BE (what Windows' Notepad calls Unicode), or UTF-8 (dropped);
 * - not valid UTF-8, and an HTML or XML declaration names its charset (`<meta charset=shift_jis>`):
 *   that charset;
 * - not valid UTF-8, and not one valid UTF-8 sequence beyond ASCII in it: a file of a legacy
 *   8-bit code page (old notes in French or German), read as windows-1252, of which Latin-1 is a
 *   part — `café`, where UTF-8 would make it `caf\uFFFD` and lose the word.
 * Otherwise invalid bytes become U+FFFD: a stray Latin-1 byte in a UTF-8 note hides nothing else.
 */
export function decodeText(bytes: Uint8Array): string {
  const bom = utf16Bom(bytes);
  if (bom) return new TextDecoder(bom).decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not UTF-8: below.
  }
  const declared = declaredCharset(bytes);
  if (declared && !WINDOWS_1252.test(declared)) return new TextDecoder(declared).decode(bytes);
  const text = new TextDecoder('utf-8').decode(bytes);
  if (!declared && /[\u0080-\uFFFC\uFFFE-\u{10FFFF}]/u.test(text)) return text;
  return windows1252(bytes);
}

/** Labels of Latin-1 and windows-1252, which the web reads as windows-1252. */
const WINDOWS_1252 = /^(?:windows-1252|cp1252|iso-8859-1|iso8859-1|latin-?1|l1|us-ascii|ascii|x-cp1252)$/i;

/**
 * windows-1252's characters at 0x80–0x9F (Latin-1's C1 controls): the euro sign, curly quotes,
 * dashes. Decoded by hand: Node's TextDecoder reads the label as plain Latin-1.
 */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

function windows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    .toString('latin1')
    .replace(/[\u0080-\u009F]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

function utf16Bom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** The charset an HTML page's `<meta>` or an XML declaration names in its first kB, if this runtime knows it. */
function declaredCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString('latin1');
  const name =
    /<meta\b[^>]*?charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1] ??
    /^\s*<\?xml\b[^>]*?encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1];
  if (!name || /^utf-?8$/i.test(name)) return undefined;
  try {
    new TextDecoder(name);
    return name;
  } catch {
    return undefined;
  }
}
