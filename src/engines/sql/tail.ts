import type { AppendCheckpoint } from '../types.js';
import { type ByteLine, ByteLineSplitter, LineOffsets } from './byte-lines.js';
import { type LeftOutKind, leftOutAs } from './left-out.js';
import { createReader, detectKind } from './readers.js';
import type { ReaderSnapshot, SqlEntry, SqlLogReader, SqlSourceKind } from './types.js';

/** How much of a file `detectKind` looks at on a fresh start: its first lines decide the format. */
const HEAD_BYTES = 64 * 1024;

/**
 * Entries per piece: a checkpoint after every this many, so a long read commits (and can resume)
 * in steps and the pipeline never holds more than a group of chunks.
 */
const PIECE_ENTRIES = 256;
/** Lines per piece at most, for stretches without entries (one long run of garbage lines). */
const PIECE_LINES = 8192;

/**
 * An entry may stay open while this many bytes of log go by (a `statement:` whose session never
 * logs its duration, an idle pooled connection). Past it the open entries are emitted as they
 * stand: the resume offset, and the bytes read again on each append, must not grow without bound.
 */
const MAX_PENDING_BYTES = 1024 * 1024;

/** The last complete entry's bytes that are hashed to recognise the file: its end, at most this. */
const MAX_LAST_ENTRY_BYTES = 64 * 1024;

/** What the SQL chunker needs to read a log on from a checkpoint (`AppendCheckpoint.resume`). */
export interface TailResume {
  kind: SqlSourceKind;
  /** Line number at the checkpoint's offset. */
  line: number;
  /** Entries read so far, left out ones included: the next one's ordinal (chunk ids). */
  entries: number;
  /** Entries read so far that are not indexed, by why (`left-out.ts`): the file's counts. */
  omitted: Partial<Record<LeftOutKind, number>>;
  /** The reader's unfinished entries and carried state (`SqlLogReader.snapshot`), or null. */
  reader: ReaderSnapshot | null;
  /** Byte offset of the earliest unfinished entry's first line, or null: how long it has been open. */
  openSince: number | null;
}

export interface TailPiece {
  /** The entries to index; those left out are only counted (`checkpoint.omitted`). */
  entries: { entry: SqlEntry; ordinal: number }[];
  checkpoint: AppendCheckpoint & { resume: TailResume };
}

export interface TailInput {
  path: string;
  bytes: AsyncIterable<Uint8Array>;
  fromOffset: number;
  previous: TailResume | null;
  final: boolean;
}

/**
 * Reads a log (or a `.sql` file) from a byte offset and yields its entries in pieces, each with
 * the checkpoint to go on from. Without `final`, entries a reader still holds open (the last
 * one of a log: its end is known only when the next begins; a statement waiting for its
 * duration line) are not emitted: they travel in the checkpoint (`resume.reader`), and the next
 * read goes on from the end of the last whole line, so no byte is read twice but an unfinished
 * last line. `.sql` files are edited, not appended to: always read whole and final.
 */
export async function* readTail(input: TailInput): AsyncGenerator<TailPiece> {
  const bytes = input.bytes[Symbol.asyncIterator]();
  try {
    yield* readFrom(bytes, input);
  } finally {
    // A consumer that stops early (an abort, a failed commit) must not leave the file open.
    await bytes.return?.();
  }
}

async function* readFrom(bytes: AsyncIterator<Uint8Array>, input: TailInput): AsyncGenerator<TailPiece> {
  const head: Uint8Array[] = [];
  let kind = input.previous?.kind;
  let guessed = false;
  if (kind === undefined) {
    // Fresh start: the format is read from the head, before any line is fed.
    let headBytes = 0;
    while (headBytes < HEAD_BYTES) {
      const next = await bytes.next();
      if (next.done) break;
      head.push(next.value);
      headBytes += next.value.length;
    }
    const text = Buffer.concat(head).subarray(0, HEAD_BYTES).toString('utf8');
    const detected = detectKind(input.path, text);
    kind = detected.kind;
    // A guess from a head too short to decide (a log the server has only just created) would
    // read every later line in the guessed format: until the head decides, each change reads
    // the file from its start again, and the format with it.
    guessed = !detected.sure && headBytes < HEAD_BYTES;
  }
  const appendable = kind !== 'sql-file' && !guessed;
  const final = input.final || !appendable;
  const reader = createReader(kind);
  if (input.previous?.reader) reader.restore?.(input.previous.reader);
  const tail = new TailState(reader, kind, input, final, appendable);
  for (const chunk of head) yield* tail.push(chunk);
  for (let next = await bytes.next(); !next.done; next = await bytes.next()) yield* tail.push(next.value);
  yield tail.end();
}

class TailState {
  readonly #reader: SqlLogReader;
  readonly #kind: SqlSourceKind;
  readonly #final: boolean;
  readonly #appendable: boolean;
  readonly #splitter: ByteLineSplitter;
  readonly #offsets = new LineOffsets();
  #out: TailPiece['entries'] = [];
  #openSince: number | null;
  #entries: number;
  #omitted: Partial<Record<LeftOutKind, number>>;
  #linesInPiece = 0;
  #lastEntry: { from: number; to: number } | null = null;
  /** End of the line being fed: an entry that ends on it ends there. */
  #lineEnd = 0;

  constructor(
    reader: SqlLogReader,
    kind: SqlSourceKind,
    input: TailInput,
    final: boolean,
    appendable: boolean,
  ) {
    this.#reader = reader;
    this.#kind = kind;
    this.#final = final;
    this.#appendable = appendable;
    this.#splitter = new ByteLineSplitter(input.fromOffset, input.previous?.line ?? 1);
    this.#entries = input.previous?.entries ?? 0;
    this.#omitted = { ...input.previous?.omitted };
    this.#openSince = input.previous?.openSince ?? null;
  }

  *push(chunk: Uint8Array): Generator<TailPiece> {
    for (const line of this.#splitter.push(chunk)) {
      this.#feed(line);
      if (this.#out.length >= PIECE_ENTRIES || this.#linesInPiece >= PIECE_LINES)
        yield this.#checkpoint(false);
    }
  }

  end(): TailPiece {
    if (this.#final) {
      for (const line of this.#splitter.end()) this.#feed(line);
      for (const entry of this.#reader.finish()) this.#take(entry);
    }
    return this.#checkpoint(true);
  }

  #feed(line: ByteLine): void {
    this.#offsets.add(line.no, line.start);
    this.#lineEnd = line.end;
    this.#linesInPiece++;
    for (const entry of this.#reader.push(line.text, line.no)) this.#take(entry);
  }

  #take(entry: SqlEntry): void {
    const to = this.#offsets.get(entry.endLine + 1) ?? this.#lineEnd;
    const from = this.#offsets.get(entry.startLine) ?? this.#offsets.get(entry.endLine) ?? to;
    this.#lastEntry = { from: Math.max(from, to - MAX_LAST_ENTRY_BYTES), to };
    // Counted, not indexed; it still takes an ordinal, so chunk ids do not depend on what is left out.
    const ordinal = this.#entries++;
    const why = leftOutAs(entry);
    if (why === null) this.#out.push({ entry, ordinal });
    else this.#omitted[why] = (this.#omitted[why] ?? 0) + 1;
  }

  #checkpoint(atEnd: boolean): TailPiece {
    let pending = this.#reader.pendingFrom();
    // An entry opened in an earlier read: no offset of its line here, but it is no older than
    // the earliest one open then.
    const pendingAt =
      pending === null ? undefined : (this.#offsets.get(pending) ?? this.#openSince ?? undefined);
    const tooOld =
      pending !== null && (pendingAt === undefined || this.#splitter.offset - pendingAt > MAX_PENDING_BYTES);
    if (tooOld || (pending !== null && !this.#reader.snapshot)) {
      for (const entry of this.#reader.finish()) this.#take(entry);
      pending = null;
    }
    // Offsets are needed from the earliest unfinished entry on (for `lastEntry` and the bound above).
    this.#offsets.forgetBefore(pending ?? this.#splitter.nextLine);
    this.#linesInPiece = 0;
    if (pending === null) this.#openSince = null;
    const withheld = !this.#final && (pending !== null || (atEnd && this.#splitter.hasPartial));
    return {
      entries: this.#out.splice(0),
      checkpoint: {
        offset: this.#splitter.offset,
        lastEntry: this.#lastEntry,
        withheld,
        appendable: this.#appendable,
        omitted: { ...this.#omitted },
        resume: {
          kind: this.#kind,
          line: this.#splitter.nextLine,
          entries: this.#entries,
          omitted: { ...this.#omitted },
          reader: this.#reader.snapshot?.() ?? null,
          openSince: pending === null ? null : (pendingAt ?? null),
        },
      },
    };
  }
}
