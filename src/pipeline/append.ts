import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import type { AppendCheckpoint } from '../engines/types.js';
import { errnoCode, errorMessage, RagError } from '../errors.js';
import type { AppendState, FileRecord } from '../store/types.js';
import { BINARY_SNIFF_BYTES, shortHash } from './read-file.js';

/** Bytes of a file's head whose hash tells one file from its successor at the same path (rotation). */
const HEAD_CHECK_BYTES = 4096;
/**
 * Above this share of NUL bytes a head is not a log with stray NULs but a zero-filled or UTF-16
 * file. mysqlslap's own workload is 1 NUL in about 40 bytes (one per short statement).
 */
const MAX_NUL_SHARE = 0.125;
/** Read size when streaming a file to an appending chunker: bounded, however large the file. */
const STREAM_CHUNK_BYTES = 256 * 1024;

/**
 * What to do with a changed file of an appending engine:
 * - `append`: it only grew (size ≥ what was read, same head, same last entry): read from `offset`;
 * - `same`: nothing new to read: refresh the record's size/mtime only;
 * - `fresh`: read it from 0 and replace its chunks (new file, rotation, truncation, an edit).
 */
export type AppendPlan =
  | { kind: 'append'; state: AppendState }
  | { kind: 'same'; state: AppendState }
  | { kind: 'fresh'; reason: string };

/**
 * Decides from the record and a few small reads (the head, the last entry) whether a file only
 * grew since it was indexed. `settled`: the file has not changed for a while, so entries held
 * back as possibly unfinished are read now even when no byte was added.
 */
export async function planAppend(
  path: string,
  record: FileRecord | undefined,
  size: number,
  signature: string,
  settled: boolean,
): Promise<AppendPlan> {
  const state = record?.status === 'indexed' && record.modelId === signature ? record.append : undefined;
  if (!state) return { kind: 'fresh', reason: freshReason(record, signature) };
  // Not appendable: a .sql file, a compressed log, a head no format was told by yet.
  if (!state.appendable) return { kind: 'fresh', reason: 'read whole each time it changes' };
  if (size < state.end) return { kind: 'fresh', reason: `truncated (${size} < ${state.end} bytes)` };
  if ((await hashRange(path, 0, state.headBytes)) !== state.headHash)
    return { kind: 'fresh', reason: 'its head changed (rotated or rewritten)' };
  if (
    state.lastTo > state.lastFrom &&
    (await hashRange(path, state.lastFrom, state.lastTo)) !== state.lastHash
  )
    return { kind: 'fresh', reason: 'its last indexed entry changed (rewritten)' };
  if (size === state.end && !(state.withheld && settled)) return { kind: 'same', state };
  return { kind: 'append', state };
}

/** A file's head: what identifies it, and how it is read. */
export interface FileHead {
  bytes: number;
  hash: string;
  binary: boolean;
  /**
   * A gzip file (logrotate's `compress`: `x.log.2.gz`): read through gunzip, whole each time,
   * never appended to. Told by its magic bytes, not its name.
   */
  gzip: boolean;
}

/** Why a file with no append state to go on is read from its start, for the log. */
function freshReason(record: FileRecord | undefined, signature: string): string {
  if (!record) return 'new file';
  if (record.status !== 'indexed') return `skipped before (${record.reason})`;
  if (record.modelId !== signature) return 'indexed by another model or chunker version';
  return 'indexed whole before';
}

/** The facts that identify a file's head, taken when it is read from 0. */
export async function readHead(path: string, size: number): Promise<FileHead> {
  const head = await readRange(path, 0, Math.min(size, Math.max(HEAD_CHECK_BYTES, BINARY_SNIFF_BYTES)));
  const bytes = Math.min(head.length, HEAD_CHECK_BYTES);
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  return {
    bytes,
    hash: shortHash(head.subarray(0, bytes)),
    binary: looksBinary((gzip ? gunzippedHead(head) : head).subarray(0, BINARY_SNIFF_BYTES)),
    gzip,
  };
}

/** Up to `length` bytes of `path` from byte `from`: fewer where the file ends first. */
export async function readRange(path: string, from: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.max(0, length));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** What the first compressed bytes of a gzip file hold (text compresses many times over). */
function gunzippedHead(head: Buffer): Buffer {
  try {
    // A sync flush takes what the bytes so far decompress to, without waiting for the end.
    return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (err) {
    throw notGzip(err);
  }
}

/** A zlib error as the reason a file is skipped (zlib's own codes, Z_DATA_ERROR, say little). */
function notGzip(err: unknown): unknown {
  if (!errnoCode(err)?.startsWith('Z_')) return err;
  return new RagError(
    'E_SKIPPED',
    `not a whole gzip file (${errorMessage(err)}): cut short, or still being compressed; read again when it changes`,
  );
}

/**
 * Whether a log's head is binary. Not for any NUL byte, as for other files: clients that send a
 * query with its C string's terminating NUL (mysqlslap, MariaDB's own load tool, does) get it
 * written into the slow and general logs, and one such query near the start would hide the
 * whole log. Binary is what a log never is: bytes that are not UTF-8 or a head that is largely
 * NULs (a gzipped log is judged by what it decompresses to).
 */
function looksBinary(head: Buffer): boolean {
  let nuls = 0;
  for (const byte of head) if (byte === 0) nuls++;
  if (nuls === 0) return false;
  if (nuls > head.length * MAX_NUL_SHARE) return true;
  try {
    // `stream`: a character cut by the end of the head is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return false;
  } catch (err) {
    if (err instanceof TypeError) return true;
    throw err;
  }
}

/** The record's append state after a checkpoint: the hash of the last entry is read from disk now. */
export async function appendStateAt(
  path: string,
  checkpoint: AppendCheckpoint,
  head: { bytes: number; hash: string },
  end: number,
): Promise<AppendState> {
  const last = checkpoint.lastEntry;
  return {
    offset: checkpoint.offset,
    end,
    headBytes: head.bytes,
    headHash: head.hash,
    lastFrom: last?.from ?? 0,
    lastTo: last?.to ?? 0,
    lastHash: last ? await hashRange(path, last.from, last.to) : '',
    withheld: checkpoint.withheld,
    appendable: checkpoint.appendable,
    resume: checkpoint.resume,
  };
}

/**
 * The bytes of a file from `from` up to `size` (what a stat saw; later bytes wait for the next
 * change). A gzip file's are its content, decompressed, and it is read from its start.
 */
export function streamBytes(
  path: string,
  from: number,
  size: number,
  gzip = false,
): AsyncIterable<Uint8Array> {
  if (size <= from) return (async function* () {})();
  if (gzip) return gunzipped(path, size);
  return createReadStream(path, { start: from, end: size - 1, highWaterMark: STREAM_CHUNK_BYTES });
}

async function* gunzipped(path: string, size: number): AsyncIterable<Uint8Array> {
  const source = createReadStream(path, { end: size - 1, highWaterMark: STREAM_CHUNK_BYTES });
  const gunzip = createGunzip({ chunkSize: STREAM_CHUNK_BYTES });
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    throw notGzip(err);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

async function hashRange(path: string, from: number, to: number): Promise<string> {
  return shortHash(await readRange(path, from, to - from));
}
