import { isCutLine, RecordLines, type RecordLinesSnapshot, stripCutMark } from './lines.js';
import { parseLogTime } from './pg-prefix.js';
import type { PgReport, ReportSource } from './pg-report.js';

/** Lines one CSV record may span before it is given up as malformed (an unbalanced quote). */
const MAX_RECORD_LINES = 10_000;

/** csvlog columns (PostgreSQL 13–17; later versions only append columns). */
const COL = {
  time: 0,
  user: 1,
  database: 2,
  pid: 3,
  severity: 11,
  message: 13,
  detail: 14,
  query: 19,
} as const;

/** Groups csvlog lines into records (quoted fields may hold line breaks), one report each. */
export class PgCsvReports implements ReportSource {
  readonly #record = new RecordLines();
  #quotes = 0;

  push(rawLine: string, lineNo: number): PgReport[] {
    const cut = isCutLine(rawLine);
    const line = stripCutMark(rawLine);
    this.#record.add(line, lineNo, cut);
    for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) this.#quotes++;
    if (this.#quotes % 2 === 1 && !cut && this.#record.lines.length < MAX_RECORD_LINES) return [];
    return this.finish();
  }

  finish(): PgReport[] {
    if (this.#record.isEmpty) return [];
    const { start, end, cut, lines } = this.#record;
    const report = toReport(lines.join('\n'), start, end, cut || this.#quotes % 2 === 1);
    this.#record.clear();
    this.#quotes = 0;
    return [report];
  }

  pendingFrom(): number | null {
    return this.#record.pendingFrom();
  }

  snapshot(): unknown {
    return { ...this.#record.snapshot(), quotes: this.#quotes };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as RecordLinesSnapshot & { quotes: number };
    this.#record.restore(s);
    this.#quotes = s.quotes;
  }
}

function toReport(raw: string, startLine: number, endLine: number, cut: boolean): PgReport {
  const f = splitCsv(raw);
  const get = (i: number): string | null => (f[i] === undefined || f[i] === '' ? null : f[i]!);
  const severity = f.length > COL.message ? get(COL.severity) : null;
  return {
    startLine,
    endLine,
    raw,
    at: get(COL.time) === null ? null : parseLogTime(get(COL.time)!),
    pid: get(COL.pid),
    user: get(COL.user),
    database: get(COL.database),
    severity,
    message: severity === null ? raw : (get(COL.message) ?? ''),
    detail: get(COL.detail),
    statement: get(COL.query),
    cut,
  };
}

/** RFC 4180 fields: `"` quotes a field, `""` is a quote inside one. */
export function splitCsv(record: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= record.length) {
    if (record[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) {
          value += record.slice(i);
          i = record.length;
          break;
        }
        value += record.slice(i, q);
        if (record[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      const comma = record.indexOf(',', i);
      i = comma < 0 ? record.length + 1 : comma + 1;
    } else {
      const comma = record.indexOf(',', i);
      const end = comma < 0 ? record.length : comma;
      fields.push(record.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}
