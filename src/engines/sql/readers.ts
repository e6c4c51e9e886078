import { ERROR_LOG_LINE, MysqlErrorReader } from './mysql-error.js';
import { MysqlGeneralReader } from './mysql-general.js';
import { MysqlSlowReader } from './mysql-slow.js';
import { PgCsvReports } from './pg-csv.js';
import { PgJsonReports } from './pg-json.js';
import { PgSessionReader } from './pg-sessions.js';
import { PgStderrReports } from './pg-stderr.js';
import { SqlFileReader } from './sql-file.js';
import type { SqlDialect, SqlLogReader, SqlSourceKind } from './types.js';

export interface ReaderOptions {
  /** The server's `log_line_prefix` for stderr logs; without it the prefix is read by heuristics. */
  logLinePrefix?: string;
}

export function createReader(kind: SqlSourceKind, options: ReaderOptions = {}): SqlLogReader {
  switch (kind) {
    case 'pg-stderr':
      return new PgSessionReader(kind, new PgStderrReports(options.logLinePrefix));
    case 'pg-csv':
      return new PgSessionReader(kind, new PgCsvReports());
    case 'pg-json':
      return new PgSessionReader(kind, new PgJsonReports());
    case 'mysql-slow':
      return new MysqlSlowReader();
    case 'mysql-general':
      return new MysqlGeneralReader();
    case 'mysql-error':
      return new MysqlErrorReader();
    case 'sql-file':
      return new SqlFileReader();
  }
}

export function dialectOf(kind: SqlSourceKind): SqlDialect {
  return kind === 'mysql-slow' || kind === 'mysql-general' || kind === 'mysql-error' ? 'mysql' : 'postgresql';
}

/** A general-log record of a command that every connection sends (`… 5 Connect\troot@…`). */
const GENERAL_RECORD =
  /^(?:\d{6} +\d{1,2}:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+|\t)\t? *\d+ (?:Connect|Query|Quit|Init DB|Execute)\t/;

/** Lines of a head `detectKind` reads: a head holding more says all it will. */
const DETECT_LINES = 200;

/** A format read from a file's head, and whether more of the file could still change it. */
export interface DetectedKind {
  kind: SqlSourceKind;
  /**
   * False when nothing in the head decided and its lines were fewer than DETECT_LINES: no line
   * of any format (an empty file, one PostgreSQL or MariaDB has just created and not written
   * yet) or a MariaDB banner alone, which the slow and the general log both start with. The
   * kind is then a guess (stderr; a slow log), and a reader going on from it would read every
   * later line in that guessed format. A head of more lines has said all it will.
   */
  sure: boolean;
}

/**
 * Which reader fits a file, from its name and its first bytes: `.sql` files, csvlog and
 * jsonlog by their shape, slow logs by their `# Time:`/`# User@Host:` headers, general logs by
 * their command records, a banner alone as a slow log, the MariaDB/MySQL error log by its
 * `[Note]`-style lines, else a PostgreSQL stderr log when a line looks like one, and when
 * nothing fits, a stderr log too (its lines become `not-sql` entries, searchable by their
 * words, rather than a file silently left out).
 */
export function detectKind(path: string, head: string): DetectedKind {
  const sure = (kind: SqlSourceKind): DetectedKind => ({ kind, sure: true });
  if (/\.sql$/i.test(path)) return sure('sql-file');
  const all = head.split('\n');
  const lines = all.slice(0, DETECT_LINES);
  const guess = (kind: SqlSourceKind): DetectedKind => ({ kind, sure: all.length > DETECT_LINES });
  if (lines.some((l) => /^\{"timestamp":/.test(l))) return sure('pg-json');
  if (
    /\.csv$/i.test(path) ||
    lines.some((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+,"?[^,]*"?,"?[^,]*"?,\d+,/.test(l))
  ) {
    return sure('pg-csv');
  }
  if (lines.some((l) => /^# (?:User@Host|Query_time|Time): /.test(l))) return sure('mysql-slow');
  // The general log shares the slow log's banner; its records are commands by connection id.
  if (lines.some((l) => GENERAL_RECORD.test(l))) return sure('mysql-general');
  if (lines.some((l) => /, Version: .* started with:$/.test(l))) return guess('mysql-slow');
  if (lines.some((l) => ERROR_LOG_LINE.test(l))) return sure('mysql-error');
  if (lines.some((l) => /\b(?:LOG|ERROR|STATEMENT): {2}/.test(l))) return sure('pg-stderr');
  return guess('pg-stderr');
}
