import { isCutLine, stripCutMark } from './lines.js';
import { compilePrefix, matchConfigured, matchHeuristic, type PgLine } from './pg-prefix.js';
import { type PgReport, PRIMARY, type ReportSource } from './pg-report.js';

/**
 * Lines a report may hold. PostgreSQL writes a report in one go, so real ones are short;
 * the cap keeps a runaway run of garbage lines from growing one report without bound.
 */
const MAX_REPORT_LINES = 10_000;

type ReportField = 'message' | 'detail' | 'statement' | 'other';

/**
 * Groups stderr-format lines into reports: a primary line, its tab-indented continuation
 * lines and its DETAIL/HINT/STATEMENT/… lines. Lines that are neither become reports of
 * their own with a null severity (runs of them are grouped).
 */
export class PgStderrReports implements ReportSource {
  #pattern: RegExp | null;
  #open: PgReport | null = null;
  /** Which field continuation lines extend. */
  #field: ReportField = 'message';

  /** `logLinePrefix`: the server's setting; without it the prefix is read by heuristics. */
  constructor(logLinePrefix?: string) {
    this.#pattern = logLinePrefix === undefined ? null : compilePrefix(logLinePrefix);
  }

  push(rawLine: string, lineNo: number): PgReport[] {
    const cut = isCutLine(rawLine);
    const line = stripCutMark(rawLine);
    const open = this.#open;
    if (open && line.startsWith('\t') && open.severity !== null) {
      this.#extend(open, line, lineNo, cut);
      this.#appendField(open, `\n${line.slice(1)}`);
      return [];
    }
    const parsed = this.#pattern ? matchConfigured(this.#pattern, line) : matchHeuristic(line);
    if (parsed === null) {
      if (open && open.severity === null && open.endLine - open.startLine < MAX_REPORT_LINES) {
        this.#extend(open, line, lineNo, cut);
        return [];
      }
      return this.#start(this.#report(null, line, lineNo, cut));
    }
    if (!PRIMARY.has(parsed.severity) && open && open.severity !== null && samePid(open, parsed)) {
      this.#extend(open, line, lineNo, cut);
      this.#addSecondary(open, parsed);
      return [];
    }
    return this.#start(this.#report(parsed, line, lineNo, cut));
  }

  finish(): PgReport[] {
    const open = this.#open;
    this.#open = null;
    return open ? [open] : [];
  }

  pendingFrom(): number | null {
    return this.#open?.startLine ?? null;
  }

  snapshot(): unknown {
    return { open: this.#open === null ? null : { ...this.#open }, field: this.#field };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as { open: PgReport | null; field: ReportField };
    this.#open = s.open === null ? null : { ...s.open };
    this.#field = s.field;
  }

  #start(report: PgReport): PgReport[] {
    const done = this.finish();
    this.#open = report;
    this.#field = 'message';
    return done;
  }

  #report(parsed: PgLine | null, line: string, lineNo: number, cut: boolean): PgReport {
    const report: PgReport = {
      startLine: lineNo,
      endLine: lineNo,
      raw: line,
      at: parsed?.at ?? null,
      pid: parsed?.pid ?? null,
      user: parsed?.user ?? null,
      database: parsed?.database ?? null,
      severity: parsed?.severity ?? null,
      message: parsed ? parsed.message : line,
      detail: null,
      statement: null,
      cut,
    };
    // A secondary line with no report to join (the file starts mid-report) stands alone.
    if (parsed && !PRIMARY.has(parsed.severity)) {
      report.message = '';
      this.#addSecondary(report, parsed);
    }
    return report;
  }

  #extend(report: PgReport, line: string, lineNo: number, cut: boolean): void {
    report.raw += `\n${line}`;
    report.endLine = lineNo;
    report.cut ||= cut;
  }

  #addSecondary(report: PgReport, parsed: PgLine): void {
    if (parsed.severity === 'DETAIL') {
      report.detail = report.detail === null ? parsed.message : `${report.detail}\n${parsed.message}`;
      this.#field = 'detail';
    } else if (parsed.severity === 'STATEMENT') {
      report.statement = parsed.message;
      this.#field = 'statement';
    } else {
      this.#field = 'other';
    }
  }

  #appendField(report: PgReport, text: string): void {
    if (this.#field === 'message') report.message += text;
    else if (this.#field === 'detail') report.detail += text;
    else if (this.#field === 'statement') report.statement += text;
  }
}

function samePid(report: PgReport, line: PgLine): boolean {
  return report.pid === null || line.pid === null || report.pid === line.pid;
}
