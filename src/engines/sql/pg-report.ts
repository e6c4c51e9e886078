/**
 * One PostgreSQL log report: a primary line (`LOG:`, `ERROR:` …) with its secondary fields
 * (`DETAIL:`, `STATEMENT:` …). The stderr, csvlog and jsonlog readers all produce these;
 * `pg-sessions.ts` joins them into statement entries.
 */
export interface PgReport {
  startLine: number;
  endLine: number;
  /** The report's lines as logged, joined with `\n`. */
  raw: string;
  at: number | null;
  pid: string | null;
  user: string | null;
  database: string | null;
  /** Null for lines that are not a PostgreSQL log line at all. */
  severity: string | null;
  message: string;
  detail: string | null;
  /** The `STATEMENT:` field (csvlog/jsonlog: `query`/`statement`). */
  statement: string | null;
  /** A line of the report was cut at MAX_LINE_CHARS. */
  cut: boolean;
}

/** Severity words that open a report; the others only add fields to the open one. */
export const PRIMARY = new Set([
  'LOG',
  'ERROR',
  'WARNING',
  'FATAL',
  'PANIC',
  'NOTICE',
  'INFO',
  'DEBUG',
  'DEBUG1',
  'DEBUG2',
  'DEBUG3',
  'DEBUG4',
  'DEBUG5',
]);

export interface ReportSource {
  push(line: string, lineNo: number): PgReport[];
  /** The report still open (it may get more lines), returned and forgotten. */
  finish(): PgReport[];
  pendingFrom(): number | null;
  /** The open report (and how it is being extended) as JSON data; see `SqlLogReader.snapshot`. */
  snapshot(): unknown;
  restore(snapshot: unknown): void;
}
