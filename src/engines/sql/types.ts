/**
 * Contracts of the SQL engine's readers. A reader turns a log (or a `.sql` file) into
 * `SqlEntry`s, one per executed statement or other log event; `analyze.ts` adds what a parser
 * can say about the statement. A chunker maps each entry to one chunk: `text`, `startLine`,
 * `endLine`, and the rest as metadata.
 */

/** Where an entry was read from. */
export type SqlSourceKind =
  | 'pg-stderr'
  | 'pg-csv'
  | 'pg-json'
  | 'mysql-slow'
  | 'mysql-general'
  | 'mysql-error'
  | 'sql-file';

/** The SQL dialect a statement is parsed in. */
export type SqlDialect = 'postgresql' | 'mysql';

/**
 * How far the statement was understood:
 * - `ok`: the dialect's own parser read it;
 * - `partial`: read only by a fallback parser or after a deliberate rewrite (see analyze.ts);
 * - `unparsed`: no parser could read it; the fingerprint is lexical;
 * - `not-sql`: the entry carries no statement (a checkpoint line, garbage);
 * - `truncated`: the statement is cut (a capped line, a file that ends inside it).
 */
export type ParseStatus = 'ok' | 'partial' | 'unparsed' | 'not-sql' | 'truncated';

/** One record of a log: an executed statement, a failed one, or a non-SQL event. */
export interface SqlEntry {
  source: SqlSourceKind;
  /** 1-based, inclusive: the first and last log line of the entry (other sessions' lines may lie between). */
  startLine: number;
  endLine: number;
  /** The entry as logged, continuation lines joined: what full-text search sees. */
  text: string;
  /** The statement alone, as sent (with `$n` placeholders when it was prepared); null when there is none. */
  statement: string | null;
  /** Bound parameter values by position (`$1` is `params[0]`); empty when none were logged. */
  params: string[];
  durationMs: number | null;
  /** Milliseconds since the epoch, or null when the log line has no time. */
  at: number | null;
  database: string | null;
  user: string | null;
  /** Backend pid (PostgreSQL) or connection id (MariaDB/MySQL), as text. */
  session: string | null;
  /** The server's error for a failed statement (`ERROR:` line), else null. */
  error: string | null;
  /**
   * The plan the server logged for it (PostgreSQL's auto_explain, MariaDB's
   * `log_slow_verbosity=explain`), as logged, else null: searchable words ("Seq Scan on orders").
   */
  plan: string | null;
  /** What the reader knows about the statement's completeness: `truncated`, `not-sql`, or null (left to analyze). */
  readStatus: 'truncated' | 'not-sql' | null;
  /** Why `readStatus` was set, for the record. */
  readNote: string | null;
  /**
   * A message of the server itself, not a statement: its start and shutdown, checkpoints,
   * autovacuum, connections, an error that names no statement, a slow log's start banner or a
   * record without a statement. Set by the reader, which alone knows the line was a server's
   * report and not an unrecognised line; such entries are left out of the index (`left-out.ts`).
   */
  isServerMessage: boolean;
  /** Source-specific facts (rows examined, lock time, prepared statement name, …). */
  extra: Record<string, string | number>;
}

/** What a parser says about an entry's statement. */
export interface SqlAnalysis {
  parseStatus: ParseStatus;
  /** Why the status is not `ok` (the parser's message, the rewrite applied), else null. */
  parseNote: string | null;
  /** Lower-case first keyword(s): `select`, `insert`, `update`, `create table`, …; null when unknown. */
  statementType: string | null;
  /** Tables touched, lower-cased unless quoted, schema-qualified when written so, sorted, unique. */
  tables: string[];
  /** The statement with literals replaced by placeholders; null for entries without a statement. */
  normalized: string | null;
  /** 16 hex digits; equal for statements that differ only in literals, list lengths, layout and quoting. */
  fingerprint: string | null;
  /** Which tool made the fingerprint: they are only comparable within one tool. */
  fingerprintBy: 'libpg-query' | 'node-sql-parser' | 'lexical' | null;
}

export type AnalyzedSqlEntry = SqlEntry & SqlAnalysis;

/**
 * An incremental reader: fed the log's lines in order, it returns the entries each line
 * completed and keeps only the state of unfinished ones, so a later round can feed it
 * appended lines only.
 */
export interface SqlLogReader {
  readonly source: SqlSourceKind;
  /** One line without its line break; `lineNo` is 1-based and increasing. */
  push(line: string, lineNo: number): SqlEntry[];
  /**
   * The input is complete (the file is closed for good): returns the unfinished entries too.
   * Without this call they stay pending.
   */
  finish(): SqlEntry[];
  /** First line of the earliest unfinished entry, or null: where re-reading must start after a restart. */
  pendingFrom(): number | null;
  /**
   * The reader's state (its unfinished entries, and what it carries into later ones, such as the
   * slow log's current database) as plain JSON data: saved with an append checkpoint and given
   * to `restore` of a new reader, which then goes on with the next line as this one would have.
   * Readers of files that are never read on in pieces (`.sql`) leave both out.
   */
  snapshot?(): ReaderSnapshot;
  restore?(snapshot: ReaderSnapshot): void;
}

/** A reader's state as JSON-serialisable data (see `SqlLogReader.snapshot`). */
export type ReaderSnapshot = unknown;
