import { isUtf8 } from 'node:buffer';
import { decodeNotUtf8 } from '../../text-decode.js';
import { MAX_LINE_CHARS, markCut } from './lines.js';

/** One line of a byte stream with where it lies in the file. */
export interface ByteLine {
  /**
   * Without its line break (`\n` or `\r\n`), decoded as UTF-8, or a legacy 8-bit code page where
   * the line is not UTF-8 (`decodeNotUtf8`), NULs dropped.
   */
  text: string;
  /** 1-based. */
  no: number;
  /** Byte offset of its first byte. */
  start: number;
  /** Byte offset just past its line break (or past its last byte, for an unterminated last line). */
  end: number;
}

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines and says where each lies in the file, which `LineSplitter`
 * cannot (it decodes first): an append checkpoint is a byte offset. Splitting on the `\n` byte
 * is safe in UTF-8, where it never occurs inside a multi-byte character. Only the unfinished
 * last line is kept between chunks, at most MAX_LINE_CHARS bytes of it (the rest is skipped and
 * the line marked cut, as LineSplitter does).
 */
export class ByteLineSplitter {
  #pieces: Uint8Array[] = [];
  #pieceBytes = 0;
  #cut = false;
  /** Where the unfinished line starts: every byte before it belongs to a line already yielded. */
  #lineStart: number;
  #read: number;
  #nextLine: number;

  constructor(fromOffset: number, firstLine: number) {
    this.#lineStart = fromOffset;
    this.#read = fromOffset;
    this.#nextLine = firstLine;
  }

  /** Byte offset of the first byte not yet yielded as part of a line. */
  get offset(): number {
    return this.#lineStart;
  }

  /** Number the next line will get. */
  get nextLine(): number {
    return this.#nextLine;
  }

  /** Whether bytes of an unterminated line are waiting. */
  get hasPartial(): boolean {
    return this.#read > this.#lineStart;
  }

  *push(chunk: Uint8Array): Generator<ByteLine> {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, from);
      if (nl < 0) break;
      this.#keep(chunk.subarray(from, nl));
      this.#read += nl - from + 1;
      yield this.#complete();
      from = nl + 1;
    }
    this.#keep(chunk.subarray(from));
    this.#read += chunk.length - from;
  }

  /** The input ended for good: the last line, if it had no line break. */
  *end(): Generator<ByteLine> {
    if (this.hasPartial) yield this.#complete();
  }

  #keep(bytes: Uint8Array): void {
    if (this.#cut || bytes.length === 0) return;
    const room = MAX_LINE_CHARS - this.#pieceBytes;
    if (bytes.length > room) {
      this.#cut = true;
      bytes = bytes.subarray(0, room);
    }
    // A copy: the stream may reuse its buffer for the next chunk.
    this.#pieces.push(Uint8Array.prototype.slice.call(bytes));
    this.#pieceBytes += bytes.length;
  }

  #complete(): ByteLine {
    const bytes = Buffer.concat(this.#pieces, this.#pieceBytes);
    // A server writes a database's text as its encoding has it: a LATIN1 database's `München`
    // is one byte for the ü, read as windows-1252 (`decodeNotUtf8`; a byte-order mark means nothing
    // inside a file). A line cut at the limit may
    // end inside a UTF-8 character, so it stays UTF-8.
    let text = this.#cut || isUtf8(bytes) ? bytes.toString('utf8') : decodeNotUtf8(bytes);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    // A NUL is never part of a logged statement: a client's C string terminator (mysqlslap) or
    // a zero-filled block after a crash. Kept, it would end up in the statement's text.
    if (text.includes('\0')) text = text.replaceAll('\0', '');
    // A UTF-8 byte order mark opens the file, not its first line (TextDecoder drops it too).
    if (this.#lineStart === 0 && text.startsWith('\uFEFF')) text = text.slice(1);
    if (this.#cut) text = markCut(text);
    const line: ByteLine = { text, no: this.#nextLine++, start: this.#lineStart, end: this.#read };
    this.#pieces = [];
    this.#pieceBytes = 0;
    this.#cut = false;
    this.#lineStart = this.#read;
    return line;
  }
}

/**
 * Byte offsets of the lines from some line on: enough to turn a reader's `pendingFrom()` line
 * into a byte offset. `forgetBefore` drops what no checkpoint can need any more.
 */
export class LineOffsets {
  #base = 1;
  #starts: number[] = [];
  #head = 0;

  add(no: number, start: number): void {
    if (this.#starts.length === this.#head) this.#base = no;
    this.#starts.push(start);
  }

  /** Start of line `no`, or undefined when it was forgotten or not seen. */
  get(no: number): number | undefined {
    const i = no - this.#base + this.#head;
    return i >= this.#head && i < this.#starts.length ? this.#starts[i] : undefined;
  }

  forgetBefore(no: number): void {
    const drop = Math.min(Math.max(0, no - this.#base), this.#starts.length - this.#head);
    this.#head += drop;
    this.#base += drop;
    // Compact now and then, not on every call: shifting is linear in what is kept.
    if (this.#head > 4096 && this.#head * 2 > this.#starts.length) {
      this.#starts = this.#starts.slice(this.#head);
      this.#head = 0;
    }
  }
}
