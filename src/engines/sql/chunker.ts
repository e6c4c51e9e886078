import { createHash } from 'node:crypto';
import { SQL_INCLUDE } from '../default-includes.js';
import type { AppendInput, AppendingChunker, AppendPiece, Chunk, ChunkInput } from '../types.js';
import { SqlAnalyzer } from './analyze.js';
import { leftOutAs } from './left-out.js';
import { readAll } from './lines.js';
import { createReader, detectKind, dialectOf } from './readers.js';
import { readTail, type TailResume } from './tail.js';
import type { AnalyzedSqlEntry, SqlSourceKind } from './types.js';

/** Hex characters kept of a sha256, as the markdown chunker does: 128 bits is plenty. */
const HASH_HEX_CHARS = 32;

/** How much of a file `detectKind` looks at: its first lines decide the format. */
const HEAD_CHARS = 64 * 1024;

/**
 * Characters of a logged plan a chunk keeps: its nodes' words are searchable ("Seq Scan on
 * orders"); a JSON plan of a many-way join runs to hundreds of kB, and the log holds it whole.
 */
const PLAN_CHARS = 16_000;

/** Characters of a fingerprint a person sees in a hit's header: enough to tell families apart. */
const SHORT_FINGERPRINT = 8;

/**
 * What the SQL chunker records of an entry; the SQL mapper writes its columns from these keys,
 * and `--json` results carry them under `metadata`.
 */
export interface SqlChunkMetadata {
  source: SqlSourceKind;
  duration_ms: number | null;
  /** Epoch ms of the log line, or null. */
  at: number | null;
  tables: string[];
  type: string | null;
  db: string | null;
  user: string | null;
  session: string | null;
  fingerprint: string | null;
  fingerprint_by: AnalyzedSqlEntry['fingerprintBy'];
  normalized: string | null;
  parse_status: AnalyzedSqlEntry['parseStatus'];
  parse_note: string | null;
  error: string | null;
  params: string[];
  /** One line for a hit's header in human output (`ragctl search` prints it as is). */
  display: string;
}

/**
 * One chunk per log entry (or `.sql` statement) but those left out — server messages and bare
 * transaction control, counted in the checkpoint instead (left-out.ts). `text` is the statement
 * as executed, with its bound parameters and the server's error appended as SQL comments, or
 * the log lines when the entry has no statement: what BM25 and a person read. What is embedded
 * is the normalised statement (`embedText`), so the same statement with other literals is
 * embedded once, through the pipeline's reuse by content hash; entries without one embed their
 * text.
 */
class SqlChunker implements AppendingChunker {
  readonly name = 'sql';
  readonly include = SQL_INCLUDE;
  /**
   * Covers what a file gives, what left-out.ts keeps out included: a new version makes every
   * indexed log read again from its start once, so an index holding entries now left out is
   * corrected; the statements' vectors are reused by content hash. 3: zone abbreviations other
   * than a few European ones, and times with none, were read as UTC; `DELIMITER` in .sql files;
   * statements with nothing to run left out; lines not UTF-8 read as windows-1252. 4: plans
   * (auto_explain, MariaDB's explain) kept with their statement; `%u@%d` between colons (RDS);
   * MariaDB 10.11's error log and an empty `Schema:`.
   */
  readonly version = '4';
  #analyzer: Promise<SqlAnalyzer> | undefined;

  /**
   * The pipeline's way in: the file streamed from an offset (logs grow; see tail.ts), in
   * bounded memory whatever its size. Chunk ids number entries from the file's start, so a
   * piece read again after a stop gets the same ids.
   */
  async *chunkAppend(input: AppendInput): AsyncGenerator<AppendPiece> {
    const analyzer = await this.#loadAnalyzer();
    for await (const piece of readTail({
      path: input.path,
      bytes: input.bytes,
      fromOffset: input.fromOffset,
      previous: (input.previous as TailResume | null) ?? null,
      final: input.final,
    })) {
      const dialect = dialectOf(piece.checkpoint.resume.kind);
      yield {
        chunks: piece.entries.map(({ entry, ordinal }) =>
          toChunk(analyzer.analyzeEntry(entry, dialect), ordinal, input.path),
        ),
        checkpoint: piece.checkpoint,
      };
    }
  }

  /** A whole text in memory (tests, tools); the pipeline uses `chunkAppend`. */
  async chunk(input: ChunkInput): Promise<Chunk[]> {
    const analyzer = await this.#loadAnalyzer();
    const { kind } = detectKind(input.path, input.text.slice(0, HEAD_CHARS));
    const dialect = dialectOf(kind);
    // Ordinals count the entries left out too, as `chunkAppend` numbers them.
    return readAll(createReader(kind), input.text).flatMap((entry, ordinal) =>
      leftOutAs(entry) === null ? [toChunk(analyzer.analyzeEntry(entry, dialect), ordinal, input.path)] : [],
    );
  }

  #loadAnalyzer(): Promise<SqlAnalyzer> {
    // libpg-query's wasm loads once per process; every file after the first shares it.
    this.#analyzer ??= SqlAnalyzer.create();
    return this.#analyzer;
  }
}

export const sqlChunker: AppendingChunker = new SqlChunker();

function toChunk(e: AnalyzedSqlEntry, ordinal: number, path: string): Chunk {
  const text = chunkText(e);
  const embedText = e.normalized ?? text;
  const contentHash = sha256(embedText);
  const metadata: SqlChunkMetadata = {
    source: e.source,
    duration_ms: e.durationMs,
    at: e.at,
    tables: e.tables,
    type: e.statementType,
    db: e.database,
    user: e.user,
    session: e.session,
    fingerprint: e.fingerprint,
    fingerprint_by: e.fingerprintBy,
    normalized: e.normalized,
    parse_status: e.parseStatus,
    parse_note: e.parseNote,
    error: e.error,
    params: e.params,
    display: displayLine(e),
  };
  return {
    // The raw text is in the id too: two runs of one normalised statement differ in literals.
    id: sha256(`${path}\0${ordinal}\0${contentHash}\0${sha256(text)}`),
    text,
    ...(embedText === text ? {} : { embedText }),
    contentHash,
    startLine: e.startLine,
    endLine: e.endLine,
    headingPath: [],
    metadata: { ...metadata },
  };
}

function chunkText(e: AnalyzedSqlEntry): string {
  if (e.statement === null) return e.text;
  let text = e.statement;
  if (e.params.length) text += `\n-- parameters: ${e.params.map((p, i) => `$${i + 1} = ${p}`).join(', ')}`;
  if (e.error) text += `\n-- error: ${e.error}`;
  if (e.plan) {
    const plan = e.plan.length > PLAN_CHARS ? `${e.plan.slice(0, PLAN_CHARS)}\n…` : e.plan;
    text += `\n-- plan:\n${plan.replace(/^/gm, '--   ')}`;
  }
  return text;
}

/** `12.3 ms  2026-12-04 18:00:00.123Z  fp 1a2b3c4d  select  [orders, customers]`, parts present only. */
function displayLine(e: AnalyzedSqlEntry): string {
  const parts: string[] = [];
  parts.push(e.durationMs === null ? 'no duration' : `${e.durationMs} ms`);
  if (e.at !== null) parts.push(new Date(e.at).toISOString().replace('T', ' '));
  if (e.fingerprint) parts.push(`fp ${e.fingerprint.slice(0, SHORT_FINGERPRINT)}`);
  parts.push(e.statementType ?? e.parseStatus);
  if (e.tables.length) parts.push(`[${e.tables.join(', ')}]`);
  if (e.parseStatus !== 'ok' && e.statementType !== null) parts.push(e.parseStatus);
  return parts.join('  ');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_HEX_CHARS);
}
