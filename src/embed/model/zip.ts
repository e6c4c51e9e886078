import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { RagError } from '../../errors.js';

/** One member of a zip archive (a wheel is a zip). */
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
const STORED = 0;
const DEFLATED = 8;

/** Lists a zip's members from its central directory (no zip64: wheels this size do not need it). */
export async function listZip(file: string): Promise<ZipEntry[]> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const tailLength = Math.min(size, EOCD_SEARCH_BYTES);
    const tail = Buffer.alloc(tailLength);
    await fh.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0)
      throw new RagError('E_IO', `${file}: not a zip archive (no end-of-central-directory record)`);
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (dirOffset === 0xffffffff || count === 0xffff)
      throw new RagError('E_IO', `${file}: zip64 archives are not supported`);
    const dir = Buffer.alloc(dirSize);
    await fh.read(dir, 0, dirSize, dirOffset);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let n = 0; n < count; n++) {
      if (dir.readUInt32LE(p) !== CENTRAL_SIGNATURE)
        throw new RagError('E_IO', `${file}: corrupt zip central directory`);
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
  } finally {
    await fh.close();
  }
}

/** Streams one member out to `dest` (bounded memory even for a 90 MB weights file). */
export async function extractZipEntry(file: string, entry: ZipEntry, dest: string): Promise<void> {
  const fh = await open(file, 'r');
  const header = Buffer.alloc(30);
  try {
    await fh.read(header, 0, 30, entry.localHeaderOffset);
  } finally {
    await fh.close();
  }
  if (header.readUInt32LE(0) !== LOCAL_SIGNATURE)
    throw new RagError('E_IO', `${file}: corrupt local header for ${entry.name}`);
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (entry.compressedSize === 0) {
    await pipeline(async function* () {}, createWriteStream(dest));
    return;
  }
  const source = createReadStream(file, { start, end: start + entry.compressedSize - 1 });
  if (entry.method === STORED) {
    await pipeline(source, createWriteStream(dest));
  } else if (entry.method === DEFLATED) {
    await pipeline(source, createInflateRaw(), createWriteStream(dest));
  } else {
    throw new RagError(
      'E_IO',
      `${file}: ${entry.name} uses zip method ${entry.method}, which is not supported`,
    );
  }
}
