import { blankEntry, isCutLine, RecordLines, type RecordLinesSnapshot, stripCutMark } from './lines.js';
import { MAX_RECORD_LINES } from './mysql-slow.js';
import type { ReaderSnapshot, SqlEntry, SqlLogReader } from './types.js';

/**
 * A message line of the MariaDB/MySQL error log: MariaDB `2026-12-05 12:10:14 0 [Note] …` (10.11
 * pads a one-digit hour with a space: `2026-12-07  6:25:19 0 [Note] …`), MySQL 8
 * `2024-03-01T10:00:00.123456Z 0 [System] [MY-010116] [Server] …`. Lines that do not match
 * continue the message before (the `Version: …` line after `ready for connections`, a stack
 * trace).
 */
export const ERROR_LOG_LINE =
  /^\d{4}-\d\d-\d\d(?:T| {1,2})\d{1,2}:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)? +\d+ \[(?:Note|Warning|ERROR|Error|System)\] /;

/**
 * MariaDB/MySQL error log: the server's own messages (start, InnoDB, shutdown, aborted
 * connections), never a statement. It sits beside the slow and general logs (`/var/log/mysql`),
 * so a source on that folder reads it: each message is a server message, counted and left out of
 * the index (`left-out.ts`), rather than one block of unrecognised text in every search.
 */
export class MysqlErrorReader implements SqlLogReader {
  readonly source = 'mysql-error' as const;
  readonly #record = new RecordLines(MAX_RECORD_LINES);

  push(rawLine: string, lineNo: number): SqlEntry[] {
    const cut = isCutLine(rawLine);
    const line = stripCutMark(rawLine);
    const out = !this.#record.isEmpty && ERROR_LOG_LINE.test(line) ? this.finish() : [];
    this.#record.add(line, lineNo, cut);
    return out;
  }

  finish(): SqlEntry[] {
    if (this.#record.isEmpty) return [];
    const entry = blankEntry(
      this.source,
      this.#record.start,
      this.#record.end,
      this.#record.lines.join('\n'),
    );
    const isMessage = ERROR_LOG_LINE.test(this.#record.lines[0] ?? '');
    entry.readStatus = 'not-sql';
    entry.readNote = isMessage ? 'a server message' : 'not an error-log line';
    entry.isServerMessage = isMessage;
    this.#record.clear();
    return [entry];
  }

  pendingFrom(): number | null {
    return this.#record.pendingFrom();
  }

  snapshot(): ReaderSnapshot {
    return this.#record.snapshot();
  }

  restore(snapshot: ReaderSnapshot): void {
    this.#record.restore(snapshot as RecordLinesSnapshot);
  }
}
