import { StringDecoder } from 'node:string_decoder';
import { appendAll } from '../../arrays.js';
import type { SqlEntry, SqlLogReader } from './types.js';

/**
 * A single log line is capped so that one runaway line (binary garbage without line breaks, a
 * multi-megabyte statement) cannot hold the whole file in memory; the rest of the line is
 * skipped and the line marked so its entry is recorded as truncated.
 */
export const MAX_LINE_CHARS = 1_000_000;

/** Marks a line cut at MAX_LINE_CHARS; readers check for it with `isCutLine`. */
const CUT_MARK = '\u0000[line cut]';

export function isCutLine(line: string): boolean {
  return line.endsWith(CUT_MARK);
}

/** Marks a line cut at its length limit (for splitters other than LineSplitter). */
export function markCut(line: string): string {
  return line + CUT_MARK;
}

export function stripCutMark(line: string): string {
  return isCutLine(line) ? line.slice(0, -CUT_MARK.length) : line;
}

/**
 * Splits text arriving in chunks into numbered lines. Keeps only the unfinished last line
 * (at most MAX_LINE_CHARS of it) between chunks. `\r\n` and `\n` both end a line.
 */
export class LineSplitter {
  #decoder = new StringDecoder('utf8');
  #partial = '';
  #partialCut = false;
  #nextLine: number;

  constructor(firstLine = 1) {
    this.#nextLine = firstLine;
  }

  /** Number the next complete line will get. */
  get nextLine(): number {
    return this.#nextLine;
  }

  *push(chunk: string | Uint8Array): Generator<[line: string, lineNo: number]> {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk as Buffer);
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) break;
      yield this.#complete(text.slice(from, nl));
      from = nl + 1;
    }
    this.#append(text.slice(from));
  }

  /** The input ended: the last line, if it had no line break. */
  *end(): Generator<[line: string, lineNo: number]> {
    this.#append(this.#decoder.end());
    if (this.#partial.length > 0 || this.#partialCut) yield this.#complete('');
  }

  #append(piece: string): void {
    if (this.#partialCut) return;
    const room = MAX_LINE_CHARS - this.#partial.length;
    if (piece.length > room) {
      this.#partial += piece.slice(0, room);
      this.#partialCut = true;
    } else {
      this.#partial += piece;
    }
  }

  #complete(tail: string): [string, number] {
    this.#append(tail);
    let line = this.#partial;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (this.#partialCut) line += CUT_MARK;
    this.#partial = '';
    this.#partialCut = false;
    return [line, this.#nextLine++];
  }
}

/**
 * Runs a reader over a stream of chunks (a file read stream, appended bytes). With `final`
 * the entries still open at the end are emitted; without it they stay pending in the reader.
 */
export async function* readEntries(
  reader: SqlLogReader,
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: { final: boolean; firstLine?: number },
): AsyncGenerator<SqlEntry> {
  const splitter = new LineSplitter(options.firstLine ?? 1);
  for await (const chunk of chunks) {
    for (const [line, no] of splitter.push(chunk)) yield* reader.push(line, no);
  }
  for (const [line, no] of splitter.end()) yield* reader.push(line, no);
  if (options.final) yield* reader.finish();
}

/** The same over a whole text in memory (tests, small files). */
export function readAll(reader: SqlLogReader, text: string, final = true): SqlEntry[] {
  const out: SqlEntry[] = [];
  const splitter = new LineSplitter();
  for (const [line, no] of splitter.push(text)) appendAll(out, reader.push(line, no));
  for (const [line, no] of splitter.end()) appendAll(out, reader.push(line, no));
  if (final) appendAll(out, reader.finish());
  return out;
}

/** An entry with every optional field empty: readers fill in what their format has. */
export function blankEntry(
  source: SqlEntry['source'],
  startLine: number,
  endLine: number,
  text: string,
): SqlEntry {
  return {
    source,
    startLine,
    endLine,
    text,
    statement: null,
    params: [],
    durationMs: null,
    at: null,
    database: null,
    user: null,
    session: null,
    error: null,
    plan: null,
    readStatus: null,
    readNote: null,
    isServerMessage: false,
    extra: {},
  };
}

/** The fields of a `RecordLines` snapshot; readers spread them into their own snapshot. */
export interface RecordLinesSnapshot {
  lines: string[];
  start: number;
  end: number;
  cut: boolean;
}

/**
 * The lines of the record a reader is building (a slow-log record, a general-log command, a
 * csvlog row): its first and last line numbers, and whether it was cut (a line at
 * MAX_LINE_CHARS, or the record past `maxLines`, whose further lines are dropped).
 */
export class RecordLines {
  readonly #maxLines: number;
  #lines: string[] = [];
  #start = 0;
  #end = 0;
  #cut = false;

  constructor(maxLines = Number.POSITIVE_INFINITY) {
    this.#maxLines = maxLines;
  }

  get lines(): readonly string[] {
    return this.#lines;
  }

  get isEmpty(): boolean {
    return this.#lines.length === 0;
  }

  get start(): number {
    return this.#start;
  }

  get end(): number {
    return this.#end;
  }

  get cut(): boolean {
    return this.#cut;
  }

  /** Adds a line (its cut mark already stripped; `cut` says whether it had one). */
  add(line: string, lineNo: number, cut: boolean): void {
    if (this.#lines.length === 0) this.#start = lineNo;
    if (this.#lines.length < this.#maxLines) this.#lines.push(line);
    else this.#cut = true;
    this.#end = lineNo;
    this.#cut ||= cut;
  }

  /** Empties it for the next record. */
  clear(): void {
    this.#lines = [];
    this.#cut = false;
  }

  /** The first line of the unfinished record, or null when there is none. */
  pendingFrom(): number | null {
    return this.#lines.length > 0 ? this.#start : null;
  }

  snapshot(): RecordLinesSnapshot {
    return { lines: [...this.#lines], start: this.#start, end: this.#end, cut: this.#cut };
  }

  restore(s: RecordLinesSnapshot): void {
    this.#lines = [...s.lines];
    this.#start = s.start;
    this.#end = s.end;
    this.#cut = s.cut;
  }
}
