import type { SqlEntry } from './types.js';

/**
 * What the SQL index holds: the statements a log records as executed (with their duration,
 * error and parameters as metadata), the statements of a `.sql` file, and lines no format
 * recognised (garbage may be a statement's remains; a stray `.log` read as stderr is nothing
 * else). What it leaves out, counted per file by these names (`AppendCheckpoint.omitted`):
 *
 * - `server message`: the server's own reports (start and shutdown, checkpoints, autovacuum,
 *   connections and disconnections, an error that names no statement, a duration without its
 *   statement, a MariaDB/MySQL log's start banner, a general log's commands other than `Query`
 *   and `Execute`: Connect, Quit, Init DB, …). They are not queries: a search over a query log
 *   that returns "database system is ready to accept connections" has found nothing, and
 *   there are many of them (one per connection with `log_connections`).
 * - `transaction control` without an error: `BEGIN`, `COMMIT`/`END`, `ROLLBACK`, `SAVEPOINT`,
 *   `RELEASE`, two-phase `PREPARE TRANSACTION`/`COMMIT PREPARED`, MySQL `XA`. Their text holds
 *   no table and no word to search for, so a bare `END;` only ever comes back as noise, and
 *   they are among the most frequent entries of a log (two per pgbench transaction). Their
 *   duration is the wait of the transaction's end (a WAL flush, a synchronous replica), which
 *   names none of the statements that caused it: a `COMMIT` family in `sql clusters` ranks
 *   that time without pointing at a query. Keeping them as rows hidden from search would still
 *   embed them and add a filter to every search of every engine, for rows nobody finds. One
 *   that failed (a serialization failure at `COMMIT`) is kept: its error is what a person
 *   searches for. So is one of a `.sql` file with a comment before it: that comment is its
 *   author's note on what follows, where a log's comments are tags a driver adds.
 * - `empty statement`: one with nothing but blanks, `;` and comments (a tool's `statement: `
 *   with no text, pg_ctl's connection checks), or only MySQL version comments (`/*!40101 SET
 *   NAMES utf8mb4 *\/`, the session settings a dump saves and restores around its data). Nothing
 *   in them is a query, and with few words they come near every short query's vector.
 */
export type LeftOutKind = 'server message' | 'transaction control' | 'empty statement';

/**
 * A transaction-control statement, by its leading keywords (the analysers name their types
 * differently per dialect). `BEGIN NOT ATOMIC` opens a MariaDB compound block, which holds
 * statements; `RELEASE` alone is PostgreSQL's `RELEASE [SAVEPOINT] name`.
 */
const KEYWORDS =
  '(?:BEGIN(?!\\s+NOT\\s+ATOMIC\\b)|START\\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\\s+TRANSACTION|XA)\\b';

/**
 * After blank space and comments (a log's comments are a driver's tags). Anchored, so the
 * statement is not copied; one blank a step (`\s`, not `\s+`), so a long run of blanks
 * before a statement that is not transaction control cannot backtrack exponentially.
 */
const AFTER_COMMENTS = new RegExp(`^(?:\\s|--[^\\n]*(?:\\n|$)|/\\*[\\s\\S]*?\\*/)*${KEYWORDS}`, 'i');
/** After blank space only (a `.sql` file's comments are its author's). */
const AFTER_SPACE = new RegExp(`^\\s*${KEYWORDS}`, 'i');

/** Why an entry stays out of the index, or null when it is indexed. */
export function leftOutAs(entry: SqlEntry): LeftOutKind | null {
  if (entry.isServerMessage) return 'server message';
  if (entry.statement === null || entry.error !== null) return null;
  if (isEmptyStatement(entry.statement)) return 'empty statement';
  const control =
    entry.source === 'sql-file' ? AFTER_SPACE.test(entry.statement) : isTransactionControl(entry.statement);
  return control ? 'transaction control' : null;
}

/** Whether a statement, after any comments before it, is transaction control. */
export function isTransactionControl(statement: string): boolean {
  return AFTER_COMMENTS.test(statement);
}

/** Whether a statement holds nothing to run but a dump's session settings, or nothing at all. */
export function isEmptyStatement(statement: string): boolean {
  // Most statements start with a keyword: no comment to strip.
  if (/^[\s;]*\w/.test(statement)) return false;
  const bare = statement
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/^\s*#[^\n]*/gm, ' ');
  return /^[\s;]*$/.test(bare);
}
