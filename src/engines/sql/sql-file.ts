import { blankEntry, isCutLine, stripCutMark } from './lines.js';
import type { SqlEntry, SqlLogReader } from './types.js';

/** A statement's text is kept up to this size; the rest is scanned (to find its end) but not kept. */
const MAX_STATEMENT_CHARS = 4_000_000;

/** COPY data lines kept in an entry's text: enough to search a sample, not a whole table dump. */
const MAX_COPY_LINES_KEPT = 100;

type Mode =
  | { kind: 'code' }
  | { kind: 'block'; depth: number }
  | { kind: 'quote'; close: string; backslash: boolean }
  | { kind: 'dollar'; tag: string };

/**
 * Splits a `.sql` file into statements, line by line: `;` ends a statement except inside
 * quotes, `$tag$` bodies, comments (block comments nest, as in PostgreSQL); a
 * `COPY … FROM stdin;` takes the data lines up to `\.`; psql meta-commands (`\connect`)
 * are entries of their own. The MySQL client's `DELIMITER //` line makes `//` end statements
 * until `DELIMITER ;` (how dumps and migrations write procedures and triggers, whose bodies hold
 * `;`); the line itself is no statement. A lone `;` is none either.
 */
export class SqlFileReader implements SqlLogReader {
  readonly source = 'sql-file' as const;
  #mode: Mode = { kind: 'code' };
  #text = '';
  #start = 0;
  #end = 0;
  #cut = false;
  /** Whether the statement so far has anything but blanks and comments. */
  #hasCode = false;
  #copy: { entry: SqlEntry; lines: number } | null = null;
  /** What ends a statement: `;`, or what a `DELIMITER` line set. */
  #delimiter = ';';

  push(rawLine: string, lineNo: number): SqlEntry[] {
    const cut = isCutLine(rawLine);
    const line = stripCutMark(rawLine);
    if (this.#copy) return this.#copyLine(line, lineNo);
    const out: SqlEntry[] = [];
    const delimiter = this.#mode.kind === 'code' && !this.#hasCode ? DELIMITER_LINE.exec(line) : null;
    if (delimiter) {
      this.#delimiter = delimiter[1]!;
      return out;
    }
    if (this.#mode.kind === 'code' && !this.#hasCode && line.startsWith('\\')) {
      const meta = blankEntry(this.source, lineNo, lineNo, line);
      meta.readStatus = 'not-sql';
      meta.readNote = 'a psql meta-command';
      this.#reset();
      out.push(meta);
      return out;
    }
    let from = 0;
    let i = 0;
    while (i < line.length) {
      const end = this.#scan(line, i);
      if (end < 0) break;
      this.#add(line.slice(from, end + 1), lineNo, cut);
      const entry = this.#complete();
      from = end + 1;
      i = end + 1;
      if (entry) {
        out.push(entry);
        if (/^\s*copy\b[\s\S]*\bfrom\s+stdin\b/i.test(stripComments(entry.statement ?? ''))) {
          this.#copy = { entry: out.pop()!, lines: 0 };
          return out;
        }
      }
    }
    const rest = line.slice(from);
    const last = out[out.length - 1];
    if (last && this.#text === '' && /^\s*--/.test(rest)) {
      // `SELECT 1; -- why`: the comment belongs to the statement it follows.
      last.text += rest;
      return out;
    }
    if (rest.trim() !== '' || this.#text !== '' || this.#mode.kind !== 'code')
      this.#add(rest, lineNo, cut, true);
    return out;
  }

  finish(): SqlEntry[] {
    const out: SqlEntry[] = [];
    if (this.#copy) {
      const { entry } = this.#copy;
      entry.readStatus = 'truncated';
      entry.readNote = 'the COPY data has no closing "\\." line';
      out.push(entry);
      this.#copy = null;
    }
    const entry = this.#complete();
    if (entry) {
      if (this.#mode.kind !== 'code') {
        entry.readStatus = 'truncated';
        entry.readNote = `the file ends inside a ${this.#mode.kind === 'dollar' ? 'dollar-quoted body' : this.#mode.kind === 'block' ? 'comment' : 'quoted string'}`;
      }
      out.push(entry);
    }
    this.#mode = { kind: 'code' };
    return out;
  }

  pendingFrom(): number | null {
    if (this.#copy) return this.#copy.entry.startLine;
    return this.#text.trim() === '' ? null : this.#start;
  }

  /** Scans from `i`; returns the index of a statement-ending `;`, or -1 at the end of the line. */
  #scan(line: string, i: number): number {
    while (i < line.length) {
      const mode = this.#mode;
      const ch = line[i]!;
      if (mode.kind === 'block') {
        if (ch === '*' && line[i + 1] === '/') {
          this.#mode = mode.depth > 1 ? { kind: 'block', depth: mode.depth - 1 } : { kind: 'code' };
          i += 2;
        } else if (ch === '/' && line[i + 1] === '*') {
          this.#mode = { kind: 'block', depth: mode.depth + 1 };
          i += 2;
        } else i++;
        continue;
      }
      if (mode.kind === 'quote') {
        if (mode.backslash && ch === '\\') i += 2;
        else if (ch === mode.close) {
          if (line[i + 1] === mode.close) i += 2;
          else {
            this.#mode = { kind: 'code' };
            i++;
          }
        } else i++;
        continue;
      }
      if (mode.kind === 'dollar') {
        const close = line.indexOf(mode.tag, i);
        if (close < 0) return -1;
        this.#mode = { kind: 'code' };
        i = close + mode.tag.length;
        continue;
      }
      if (ch === '-' && line[i + 1] === '-') return -1;
      if (ch === '#' && this.#dialectHash(line, i)) return -1;
      if (ch === '/' && line[i + 1] === '*') {
        this.#mode = { kind: 'block', depth: 1 };
        i += 2;
        continue;
      }
      if (ch === this.#delimiter[0] && line.startsWith(this.#delimiter, i))
        return i + this.#delimiter.length - 1;
      if (ch !== ' ' && ch !== '\t') this.#hasCode = true;
      if (ch === "'" || ch === '"' || ch === '`') {
        const escaped = ch === "'" && /[eE]/.test(line[i - 1] ?? '') && !/\w/.test(line[i - 2] ?? '');
        this.#mode = { kind: 'quote', close: ch, backslash: escaped };
        i++;
        continue;
      }
      if (ch === '$') {
        const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(line.slice(i, i + 64));
        if (tag && !/[A-Za-z0-9_]/.test(line[i - 1] ?? '')) {
          this.#mode = { kind: 'dollar', tag: tag[0] };
          i += tag[0].length;
          continue;
        }
      }
      i++;
    }
    return -1;
  }

  /** `#` starts a comment in MySQL files; in PostgreSQL it is an operator. Only a line-leading one counts. */
  #dialectHash(line: string, i: number): boolean {
    return line.slice(0, i).trim() === '' && !this.#hasCode;
  }

  #add(piece: string, lineNo: number, cut: boolean, lineEnd = false): void {
    if (this.#text === '' && piece.trim() === '' && this.#mode.kind === 'code') return;
    if (this.#text === '') this.#start = lineNo;
    this.#end = lineNo;
    this.#cut ||= cut;
    const add = lineEnd ? `${piece}\n` : piece;
    if (this.#text.length + add.length <= MAX_STATEMENT_CHARS) this.#text += add;
    else this.#cut = true;
  }

  #complete(): SqlEntry | null {
    const text = this.#text.replace(/\s+$/, '');
    const hasCode = this.#hasCode;
    const cut = this.#cut;
    const { start, end } = { start: this.#start, end: this.#end };
    this.#reset();
    // A lone `;` ends nothing; MySQL version comments alone (`/*!40101 SET NAMES utf8mb4 */;`)
    // are the session settings a dump saves and restores: no statement of the file's (left-out.ts).
    if (text === '' || (!hasCode && /^[\s;]*$/.test(text.replace(/\/\*![\s\S]*?\*\//g, ' ')))) return null;
    const entry = blankEntry(this.source, start, end, text);
    if (!hasCode) {
      entry.readStatus = 'not-sql';
      entry.readNote = 'only comments';
      return entry;
    }
    entry.statement = text.endsWith(this.#delimiter)
      ? text.slice(0, -this.#delimiter.length).trimEnd()
      : text;
    if (cut) {
      entry.readStatus = 'truncated';
      entry.readNote = 'the statement was cut at its length limit';
    }
    return entry;
  }

  #reset(): void {
    this.#text = '';
    this.#hasCode = false;
    this.#cut = false;
  }

  #copyLine(line: string, lineNo: number): SqlEntry[] {
    const copy = this.#copy!;
    copy.entry.endLine = lineNo;
    if (line === '\\.') {
      copy.entry.text += '\n\\.';
      copy.entry.extra.copyRows = copy.lines;
      this.#copy = null;
      return [copy.entry];
    }
    if (copy.lines < MAX_COPY_LINES_KEPT) copy.entry.text += `\n${line}`;
    copy.lines++;
    return [];
  }
}

/** `DELIMITER //`, `delimiter $$`: the MySQL client's statement end from this line on. */
const DELIMITER_LINE = /^\s*delimiter\s+(\S+)\s*$/i;

function stripComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
}
