import { blankEntry, isCutLine, RecordLines, type RecordLinesSnapshot, stripCutMark } from './lines.js';
import type { ReaderSnapshot, SqlEntry, SqlLogReader } from './types.js';

interface SlowSnapshot extends RecordLinesSnapshot {
  inBody: boolean;
  lastTime: number | null;
  database: string | null;
}

/**
 * The server's start banner, shared by the slow and the general log: its first line opens a new
 * stretch of log (after a restart), its last is the column header
 * `Time                 Id Command    Argument`.
 */
export const BANNER = /^\S+, Version: .* started with:$/;
export const BANNER_END = /^Time\s+Id\s+Command\s+Argument\s*$/;

/** Lines one record may hold; past it the record is emitted as truncated and the rest skipped. */
export const MAX_RECORD_LINES = 20_000;

/**
 * MariaDB/MySQL slow query log: a record is `# Time:` (only when the second changed),
 * `# User@Host:`, `# Thread_id:`/`# Query_time:` header lines, then `use db;`,
 * `SET timestamp=…;` and the statement. A record ends where the next one's header starts.
 */
export class MysqlSlowReader implements SqlLogReader {
  readonly source = 'mysql-slow' as const;
  readonly #record = new RecordLines(MAX_RECORD_LINES);
  #inBody = false;
  /** The last `# Time:` seen: records after it share it until SET timestamp says better. */
  #lastTime: number | null = null;
  /** The current database persists across records until the next `use`. */
  #database: string | null = null;

  push(rawLine: string, lineNo: number): SqlEntry[] {
    const cut = isCutLine(rawLine);
    const line = stripCutMark(rawLine);
    const startsRecord = line.startsWith('# Time:') || line.startsWith('# User@Host:');
    const isHeader = isHeaderLine(line) && !this.#inBody;
    let out: SqlEntry[] = [];
    if (
      !this.#record.isEmpty &&
      ((startsRecord && (this.#inBody || this.#hasUserHost())) || BANNER.test(line))
    ) {
      out = this.finish();
    }
    this.#record.add(line, lineNo, cut);
    if (!isHeader && !startsRecord) this.#inBody = true;
    // The banner's column header is its last line: what follows is not part of it (in a general
    // log, which this reader does not parse, the rest stays searchable text of its own).
    if (BANNER_END.test(line) && BANNER.test(this.#record.lines[0] ?? '')) out.push(...this.finish());
    return out;
  }

  finish(): SqlEntry[] {
    if (this.#record.isEmpty) return [];
    const entry = this.#toEntry();
    this.#record.clear();
    this.#inBody = false;
    return [entry];
  }

  pendingFrom(): number | null {
    return this.#record.pendingFrom();
  }

  snapshot(): ReaderSnapshot {
    return {
      ...this.#record.snapshot(),
      inBody: this.#inBody,
      lastTime: this.#lastTime,
      database: this.#database,
    } satisfies SlowSnapshot;
  }

  restore(snapshot: ReaderSnapshot): void {
    const s = snapshot as SlowSnapshot;
    this.#record.restore(s);
    this.#inBody = s.inBody;
    this.#lastTime = s.lastTime;
    this.#database = s.database;
  }

  #hasUserHost(): boolean {
    return this.#record.lines.some((l) => l.startsWith('# User@Host:'));
  }

  #toEntry(): SqlEntry {
    const entry = blankEntry(
      this.source,
      this.#record.start,
      this.#record.end,
      this.#record.lines.join('\n'),
    );
    const body: string[] = [];
    const plan: string[] = [];
    let headers = 0;
    let sawTimestamp = false;
    /** The record's `Schema:` (MariaDB), '' when it names none; undefined when not given. */
    let schema: string | undefined;
    let used: string | null = null;
    for (const line of this.#record.lines) {
      if (isHeaderLine(line) && body.length === 0) {
        headers++;
        const explain = /^# explain: (.*)$/.exec(line);
        if (explain) plan.push(explain[1]!);
        else schema = this.#header(line, entry) ?? schema;
        continue;
      }
      const use = /^use ([^;]+);$/i.exec(line);
      if (use && body.length === 0) {
        used = use[1]!.replace(/^`|`$/g, '');
        this.#database = used;
        continue;
      }
      const ts = /^SET timestamp=(\d+);$/.exec(line);
      if (ts && !sawTimestamp && body.length === 0) {
        sawTimestamp = true;
        entry.at = Number(ts[1]) * 1000;
        continue;
      }
      body.push(line);
    }
    entry.at ??= this.#lastTime;
    // An empty `Schema:` is a session with no database (an admin tool, qualified names), not the
    // database of the record before.
    entry.database = schema === undefined ? this.#database : schema || used;
    if (plan.length) entry.plan = plan.join('\n');
    const statement = body.join('\n').trim();
    if (headers === 0 || statement === '') {
      entry.readStatus = 'not-sql';
      const banner = BANNER.test(this.#record.lines[0] ?? '');
      entry.readNote = banner
        ? "the server's start banner"
        : headers === 0
          ? 'not a slow-log record'
          : 'a slow-log record without a statement';
      // The banner (`started with:`, `Tcp port:`, `Time Id Command Argument`) and a record of
      // headers alone (`# administrator command: Quit;` is a header line) are the server's.
      entry.isServerMessage = banner || headers > 0;
      return entry;
    }
    entry.statement = statement.replace(/;\s*$/, '');
    if (this.#record.cut) {
      entry.readStatus = 'truncated';
      entry.readNote = 'a line or the record was cut at its length limit';
    } else if (!statement.endsWith(';')) {
      entry.readStatus = 'truncated';
      entry.readNote = 'the statement does not end with ";": the log ends inside it';
    }
    return entry;
  }

  /** Reads a header line into the entry; returns the `Schema:` it names ('' for none), if any. */
  #header(line: string, entry: SqlEntry): string | undefined {
    if (line.startsWith('# Time:')) {
      this.#lastTime = parseSlowTime(line.slice(7).trim());
      return undefined;
    }
    if (line.startsWith('# User@Host:')) {
      const m = /^# User@Host: ([^[\s]*)\[[^\]]*\] @ (\S*) ?\[([^\]]*)\](?:\s+Id:\s+(\d+))?/.exec(line);
      if (m) {
        entry.user = m[1] || null;
        const host = m[2] || m[3];
        if (host) entry.extra.host = host;
        if (m[4]) entry.session = m[4];
      }
    }
    let schema: string | undefined;
    // A value is what follows `Key: ` up to the next space; an empty one is followed by the next
    // key (`Schema:   QC_hit: No`), whose name is no value.
    for (const [, key, value = ''] of line.matchAll(/(\w+):(?: +(?!\w+:(?:\s|$))(\S+))?/g)) {
      if (key === 'Query_time') entry.durationMs = secondsToMs(value);
      else if (key === 'Lock_time') entry.extra.lockMs = secondsToMs(value);
      else if (key === 'Thread_id' || key === 'Id') entry.session = value;
      else if (key === 'Schema') {
        schema = value;
        if (value) this.#database = value;
      } else if (/^Rows_|^Bytes_/.test(key!)) entry.extra[camel(key!)] = Number(value);
    }
    return schema;
  }
}

/**
 * A record's header line: `# Key: value …`, and a bare `#`, which MariaDB writes around the
 * `# explain:` lines of `log_slow_verbosity=explain`.
 */
function isHeaderLine(line: string): boolean {
  return line.startsWith('# ') || line === '#';
}

function camel(key: string): string {
  return key.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
}

/** `241204 17:45:01` (MariaDB, MySQL 5.6) or `2024-12-04T17:45:01.123456Z` (MySQL 5.7+). */
export function parseSlowTime(text: string): number | null {
  const old = /^(\d\d)(\d\d)(\d\d) +(\d?\d):(\d\d):(\d\d)/.exec(text);
  if (old) {
    const [, y, mo, d, h, mi, s] = old;
    // The server's local time: read in this machine's zone, most often the server's own.
    return new Date(2000 + Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime();
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * `0.000556` (seconds, to the microsecond) as `0.556` ms. Times 1000 in floating point gives
 * 0.5559999999999999, which `ragctl search` printed and `--json` returned as the duration.
 */
function secondsToMs(value: string): number {
  return Math.round(Number(value) * 1e6) / 1e3;
}
