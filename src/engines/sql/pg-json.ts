import { isCutLine, stripCutMark } from './lines.js';
import { parseLogTime } from './pg-prefix.js';
import type { PgReport, ReportSource } from './pg-report.js';

/** jsonlog (PostgreSQL 15+): one JSON object a line, so every line is a whole report. */
export class PgJsonReports implements ReportSource {
  push(rawLine: string, lineNo: number): PgReport[] {
    const cut = isCutLine(rawLine);
    const line = stripCutMark(rawLine);
    const report: PgReport = {
      startLine: lineNo,
      endLine: lineNo,
      raw: line,
      at: null,
      pid: null,
      user: null,
      database: null,
      severity: null,
      message: line,
      detail: null,
      statement: null,
      cut,
    };
    const record = parseObject(line);
    if (record === null || typeof record.error_severity !== 'string') return [report];
    const str = (v: unknown): string | null =>
      typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
    report.at = typeof record.timestamp === 'string' ? parseLogTime(record.timestamp) : null;
    report.pid = str(record.pid);
    report.user = str(record.user);
    report.database = str(record.dbname);
    report.severity = record.error_severity;
    report.message = str(record.message) ?? '';
    report.detail = str(record.detail);
    report.statement = str(record.statement);
    return [report];
  }

  finish(): PgReport[] {
    return [];
  }

  pendingFrom(): number | null {
    return null;
  }

  /** Every line is a whole report: nothing is ever open. */
  snapshot(): unknown {
    return null;
  }

  restore(_snapshot: unknown): void {}
}

function parseObject(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch (err) {
    // A line that is not JSON (cut, garbage) is recorded as not-SQL by the caller.
    if (err instanceof SyntaxError) return null;
    throw err;
  }
}
