import { createReadStream } from 'node:fs';
import type { SqlAnalyzer } from '../../src/engines/sql/analyze.js';
import { leftOutAs } from '../../src/engines/sql/left-out.js';
import { readEntries } from '../../src/engines/sql/lines.js';
import { createReader, dialectOf, type ReaderOptions } from '../../src/engines/sql/readers.js';
import type { AnalyzedSqlEntry, SqlSourceKind } from '../../src/engines/sql/types.js';

/** Reads a whole (closed) log file from disk through the streaming reader and the analyzer. */
export async function readLogFile(
  analyzer: SqlAnalyzer,
  path: string,
  kind: SqlSourceKind,
  options: ReaderOptions = {},
): Promise<AnalyzedSqlEntry[]> {
  const out: AnalyzedSqlEntry[] = [];
  const reader = createReader(kind, options);
  for await (const entry of readEntries(reader, createReadStream(path, { highWaterMark: 64 * 1024 }), {
    final: true,
  })) {
    out.push(analyzer.analyzeEntry(entry, dialectOf(kind)));
  }
  return out;
}

/** The entries the SQL chunker indexes: server messages and bare transaction control are only counted. */
export function indexedOnly<E extends AnalyzedSqlEntry>(entries: readonly E[]): E[] {
  return entries.filter((e) => leftOutAs(e) === null);
}

/** The statement as sent, without the `;` psql adds and the log keeps. */
export function bare(statement: string | null): string | null {
  return statement === null ? null : statement.replace(/;\s*$/, '');
}
