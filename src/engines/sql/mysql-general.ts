import { blankEntry, isCutLine, RecordLines, type RecordLinesSnapshot, stripCutMark } from './lines.js';
import { BANNER, BANNER_END, MAX_RECORD_LINES, parseSlowTime } from './mysql-slow.js';
import type { ReaderSnapshot, SqlEntry, SqlLogReader } from './types.js';

/**
 * A record line of the general query log: the time (only when the second changed; MariaDB and
 * MySQL 5.6 `261205  5:49:40`, MySQL 5.7+ `2024-03-01T10:00:00.123456Z`), the connection id,
 * the command and its argument, tab-separated. Lines that do not match continue the argument
 * (a statement over several lines).
 */
const RECORD =
  /^(?:(?<time>\d{6} +\d{1,2}:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)|\t)\t? *(?<id>\d+) (?<command>[A-Z][A-Za-z ]*?)\t(?<arg>.*)$/;

/**
 * The commands that run a statement; the rest (Connect, Quit, Init DB, Prepare, Close stmt,
 * Field List, Ping, Statistics, Shutdown, …) are a connection's bookkeeping, left out as server
 * messages. `Prepare` logs the text with `?` that its `Execute`s log again with the values.
 */
const STATEMENT_COMMANDS = new Set(['Query', 'Execute']);

/** Connections whose user and database are remembered; past it the oldest is forgotten. */
const MAX_CONNECTIONS = 10_000;

interface Connection {
  user: string | null;
  database: string | null;
}

interface GeneralSnapshot extends RecordLinesSnapshot {
  lastTime: number | null;
  connections: [string, Connection][];
}

/**
 * MariaDB/MySQL general query log: one record per command a connection sent, the statement
 * of a `Query` possibly over several lines. A record ends where the next one starts. No
 * durations (the general log has none); the user and database come from the connection's
 * `Connect` and `Init DB` records, the time from the last line that had one.
 */
export class MysqlGeneralReader implements SqlLogReader {
  readonly source = 'mysql-general' as const;
  readonly #record = new RecordLines(MAX_RECORD_LINES);
  #lastTime: number | null = null;
  #connections = new Map<string, Connection>();

  push(rawLine: string, lineNo: number): SqlEntry[] {
    const cut = isCutLine(rawLine);
    const line = stripCutMark(rawLine);
    const out = !this.#record.isEmpty && (RECORD.test(line) || BANNER.test(line)) ? this.finish() : [];
    this.#record.add(line, lineNo, cut);
    if (BANNER_END.test(line) && BANNER.test(this.#record.lines[0] ?? '')) out.push(...this.finish());
    return out;
  }

  finish(): SqlEntry[] {
    if (this.#record.isEmpty) return [];
    const entry = this.#toEntry();
    this.#record.clear();
    return [entry];
  }

  pendingFrom(): number | null {
    return this.#record.pendingFrom();
  }

  snapshot(): ReaderSnapshot {
    return {
      ...this.#record.snapshot(),
      lastTime: this.#lastTime,
      connections: structuredClone([...this.#connections]),
    } satisfies GeneralSnapshot;
  }

  restore(snapshot: ReaderSnapshot): void {
    const s = snapshot as GeneralSnapshot;
    this.#record.restore(s);
    this.#lastTime = s.lastTime;
    this.#connections = new Map(structuredClone(s.connections));
  }

  #toEntry(): SqlEntry {
    const entry = blankEntry(
      this.source,
      this.#record.start,
      this.#record.end,
      this.#record.lines.join('\n'),
    );
    const first = this.#record.lines[0] ?? '';
    const m = RECORD.exec(first)?.groups;
    if (!m) {
      entry.readStatus = 'not-sql';
      entry.readNote = BANNER.test(first) ? "the server's start banner" : 'not a general-log record';
      entry.isServerMessage = BANNER.test(first);
      return entry;
    }
    if (m.time) this.#lastTime = parseSlowTime(m.time);
    const id = m.id!;
    const command = m.command!;
    entry.at = this.#lastTime;
    entry.session = id;
    entry.extra.command = command;
    const arg = [m.arg!, ...this.#record.lines.slice(1)].join('\n');
    this.#track(id, command, arg);
    const conn = this.#connections.get(id);
    entry.user = conn?.user ?? null;
    entry.database = conn?.database ?? null;
    if (command === 'Quit') this.#connections.delete(id);
    if (!STATEMENT_COMMANDS.has(command) || arg.trim() === '') {
      entry.readStatus = 'not-sql';
      entry.readNote = `a ${command} command`;
      entry.isServerMessage = true;
      return entry;
    }
    entry.statement = arg.trim().replace(/;\s*$/, '');
    if (this.#record.cut) {
      entry.readStatus = 'truncated';
      entry.readNote = 'a line or the record was cut at its length limit';
    }
    return entry;
  }

  /** `Connect root@localhost on shop using Socket` and `Init DB shop` set what later records ran as. */
  #track(id: string, command: string, arg: string): void {
    if (command === 'Connect') {
      const c = /^(\S*?)@\S* on (\S*)/.exec(arg);
      if (this.#connections.size >= MAX_CONNECTIONS && !this.#connections.has(id))
        this.#connections.delete(this.#connections.keys().next().value!);
      this.#connections.set(id, { user: c?.[1] || null, database: c?.[2] || null });
    } else if (command === 'Init DB') {
      const conn = this.#connections.get(id);
      if (conn) conn.database = arg.trim() || null;
      else this.#connections.set(id, { user: null, database: arg.trim() || null });
    }
  }
}
