import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';

/** One member of a zip to write: its name inside the archive and its bytes. */
export interface ZipMember {
  name: string;
  data: Buffer;
  /** Deflate it (method 8) instead of storing it (method 0). */
  deflate?: boolean;
}

const LOCAL_SIGNATURE = 0x04034b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const EOCD_SIGNATURE = 0x06054b50;
const VERSION = 20;
/** 1980-01-01 00:00 in DOS format: a fixed time keeps the archive's bytes reproducible. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * Writes a plain zip (no zip64, no data descriptors) as a wheel is: local headers and data,
 * then the central directory and its end record. Enough for src/zip.ts to read,
 * written here from the format's specification (APPNOTE.TXT), not from that reader.
 */
export function writeZip(file: string, members: readonly ZipMember[]): void {
  const fd = openSync(file, 'w');
  try {
    let offset = 0;
    const write = (buf: Buffer) => {
      writeSync(fd, buf);
      offset += buf.length;
    };
    const central: Buffer[] = [];
    for (const m of members) {
      const name = Buffer.from(m.name, 'utf8');
      const body = m.deflate ? deflateRawSync(m.data) : m.data;
      const fields = {
        method: m.deflate ? 8 : 0,
        crc: crc32(m.data),
        compressed: body.length,
        size: m.data.length,
      };
      const local = Buffer.alloc(30);
      local.writeUInt32LE(LOCAL_SIGNATURE, 0);
      local.writeUInt16LE(VERSION, 4);
      local.writeUInt16LE(0, 6);
      local.writeUInt16LE(fields.method, 8);
      local.writeUInt16LE(DOS_TIME, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt32LE(fields.crc, 14);
      local.writeUInt32LE(fields.compressed, 18);
      local.writeUInt32LE(fields.size, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(0, 28);
      const localOffset = offset;
      write(local);
      write(name);
      write(body);

      const entry = Buffer.alloc(46);
      entry.writeUInt32LE(CENTRAL_SIGNATURE, 0);
      entry.writeUInt16LE(VERSION, 4);
      entry.writeUInt16LE(VERSION, 6);
      entry.writeUInt16LE(0, 8);
      entry.writeUInt16LE(fields.method, 10);
      entry.writeUInt16LE(DOS_TIME, 12);
      entry.writeUInt16LE(DOS_DATE, 14);
      entry.writeUInt32LE(fields.crc, 16);
      entry.writeUInt32LE(fields.compressed, 20);
      entry.writeUInt32LE(fields.size, 24);
      entry.writeUInt16LE(name.length, 28);
      // extra length, comment length, disk number, internal and external attributes: all 0.
      entry.writeUInt32LE(localOffset, 42);
      central.push(entry, name);
    }
    const directory = Buffer.concat(central);
    const directoryOffset = offset;
    write(directory);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(EOCD_SIGNATURE, 0);
    end.writeUInt16LE(members.length, 8);
    end.writeUInt16LE(members.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(directoryOffset, 16);
    write(end);
  } finally {
    closeSync(fd);
  }
}
