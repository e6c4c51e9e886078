import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw, inflateRawSync } from 'node:zlib';
import { RagError } from './errors.js';

/**
 * Reading zip archives: a model's wheel (a file, streamed out) and the documents that are zips
 * (a `.docx`, held in memory). No zip64: neither needs it.
 */

/** One member of a zip archive. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** The end-of-central-directory record is 22 bytes plus a comment of at most 64 KiB. */
const EOCD_SEARCH_BYTES = 22 + 0xffff;
const LOCAL_HEADER_BYTES = 30;
const STORED = 0;
const DEFLATED = 8;

/** `where` as an error message's opening: `file: `, or nothing when the caller names the file itself. */
function at(where: string): string {
  return where ? `${where}: ` : '';
}

/** Where the central directory is, from the archive's last EOCD_SEARCH_BYTES (`tail`). */
function centralDirectory(tail: Buffer, where: string): { count: number; size: number; offset: number } {
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== EOCD_SIGNATURE) continue;
    const count = tail.readUInt16LE(i + 10);
    const offset = tail.readUInt32LE(i + 16);
    if (offset === 0xffffffff || count === 0xffff)
      throw new RagError('E_IO', `${at(where)}zip64 archives are not supported`);
    return { count, size: tail.readUInt32LE(i + 12), offset };
  }
  throw new RagError('E_IO', `${at(where)}not a zip archive (no end-of-central-directory record)`);
}

function directoryEntries(dir: Buffer, count: number, where: string): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL_SIGNATURE)
      throw new RagError('E_IO', `${at(where)}corrupt zip central directory`);
    const nameLength = dir.readUInt16LE(p + 28);
    const extraLength = dir.readUInt16LE(p + 30);
    const commentLength = dir.readUInt16LE(p + 32);
    entries.push({
      method: dir.readUInt16LE(p + 10),
      compressedSize: dir.readUInt32LE(p + 20),
      size: dir.readUInt32LE(p + 24),
      name: dir.toString('utf8', p + 46, p + 46 + nameLength),
      localHeaderOffset: dir.readUInt32LE(p + 42),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Where `entry`'s data starts, from its local header. */
function dataStart(header: Buffer, entry: ZipEntry, where: string): number {
  if (header.length < LOCAL_HEADER_BYTES || header.readUInt32LE(0) !== LOCAL_SIGNATURE)
    throw new RagError('E_IO', `${at(where)}corrupt local header for ${entry.name}`);
  return entry.localHeaderOffset + LOCAL_HEADER_BYTES + header.readUInt16LE(26) + header.readUInt16LE(28);
}

function unsupportedMethod(where: string, entry: ZipEntry): RagError {
  return new RagError(
    'E_IO',
    `${at(where)}${entry.name} uses zip method ${entry.method}, which is not supported`,
  );
}

/** Lists a zip file's members from its central directory. */
export async function listZip(file: string): Promise<ZipEntry[]> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const tailLength = Math.min(size, EOCD_SEARCH_BYTES);
    const tail = Buffer.alloc(tailLength);
    await fh.read(tail, 0, tailLength, size - tailLength);
    const central = centralDirectory(tail, file);
    const dir = Buffer.alloc(central.size);
    await fh.read(dir, 0, central.size, central.offset);
    return directoryEntries(dir, central.count, file);
  } finally {
    await fh.close();
  }
}

/** Streams one member out to `dest` (bounded memory even for a 90 MB weights file). */
export async function extractZipEntry(file: string, entry: ZipEntry, dest: string): Promise<void> {
  const fh = await open(file, 'r');
  const header = Buffer.alloc(LOCAL_HEADER_BYTES);
  try {
    await fh.read(header, 0, LOCAL_HEADER_BYTES, entry.localHeaderOffset);
  } finally {
    await fh.close();
  }
  const start = dataStart(header, entry, file);
  if (entry.compressedSize === 0) {
    await pipeline(async function* () {}, createWriteStream(dest));
    return;
  }
  const source = createReadStream(file, { start, end: start + entry.compressedSize - 1 });
  if (entry.method === STORED) await pipeline(source, createWriteStream(dest));
  else if (entry.method === DEFLATED) await pipeline(source, createInflateRaw(), createWriteStream(dest));
  else throw unsupportedMethod(file, entry);
}

/** The members of a zip held in memory (`where` names it in errors; '' when the caller's message does). */
export function zipEntries(bytes: Uint8Array, where: string): ZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const central = centralDirectory(buf.subarray(Math.max(0, buf.length - EOCD_SEARCH_BYTES)), where);
  if (central.offset + central.size > buf.length)
    throw new RagError('E_IO', `${at(where)}corrupt zip central directory`);
  return directoryEntries(buf.subarray(central.offset, central.offset + central.size), central.count, where);
}

/**
 * One member of a zip held in memory, inflated. More than `maxBytes` once inflated is refused: a
 * few kilobytes can inflate to gigabytes (a "zip bomb").
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, where: string, maxBytes: number): Buffer {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = dataStart(
    buf.subarray(entry.localHeaderOffset, entry.localHeaderOffset + LOCAL_HEADER_BYTES),
    entry,
    where,
  );
  const data = buf.subarray(start, start + entry.compressedSize);
  if (data.length < entry.compressedSize)
    throw new RagError('E_IO', `${at(where)}${entry.name} is cut short`);
  const tooBig = () =>
    new RagError(
      'E_IO',
      `${at(where)}${entry.name} inflates to more than ${Math.round(maxBytes / 2 ** 20)} MB`,
    );
  if (entry.method === STORED) {
    if (data.length > maxBytes) throw tooBig();
    return Buffer.from(data);
  }
  if (entry.method !== DEFLATED) throw unsupportedMethod(where, entry);
  try {
    return inflateRawSync(data, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooBig();
    throw new RagError('E_IO', `${at(where)}${entry.name} cannot be inflated: ${(err as Error).message}`);
  }
}
