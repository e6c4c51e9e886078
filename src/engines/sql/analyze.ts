import { fingerprintSync, loadModule, normalizeSync, parseSync } from 'libpg-query';
import { hash16, lexicalShape } from './lexical.js';
import { NspReader } from './nsp.js';
import { pgFacts } from './pg-ast.js';
import type { AnalyzedSqlEntry, SqlAnalysis, SqlDialect, SqlEntry } from './types.js';

/**
 * Analyses remembered by lexical shape. Logs repeat a few hundred shapes with different
 * literals, so nearly every statement is a cache hit; the bound keeps a log of unique
 * statements (a data dump) from growing it without limit.
 */
const MAX_CACHED_SHAPES = 20_000;

/** Statements longer than this are analysed lexically only: parsers are slow on megabyte inputs. */
const MAX_PARSED_CHARS = 200_000;

/** How libpg-query ("at end of input") and node-sql-parser ("but end of input found") say the text ran out. */
const END_OF_INPUT = /at end of input|but end of input found/i;

const NOT_SQL: SqlAnalysis = {
  parseStatus: 'not-sql',
  parseNote: null,
  statementType: null,
  tables: [],
  normalized: null,
  fingerprint: null,
  fingerprintBy: null,
};

/**
 * Statement type, tables, normalised text and fingerprint. PostgreSQL statements go to
 * libpg-query (the server's own parser: pg_stat_statements' fingerprints, `$n` normalisation),
 * then node-sql-parser; MariaDB/MySQL ones to node-sql-parser; what no parser reads gets a
 * lexical fingerprint. Fingerprints are comparable only within one `fingerprintBy`.
 */
export class SqlAnalyzer {
  #cache = new Map<string, SqlAnalysis>();
  #nsp = new Map<SqlDialect, NspReader>();

  private constructor() {}

  /** Loads libpg-query's wasm module (once per process; later calls return at once). */
  static async create(): Promise<SqlAnalyzer> {
    await loadModule();
    return new SqlAnalyzer();
  }

  analyzeEntry(entry: SqlEntry, dialect: SqlDialect): AnalyzedSqlEntry {
    if (entry.statement === null || entry.readStatus === 'not-sql') {
      return { ...entry, ...NOT_SQL, parseNote: entry.readNote };
    }
    const analysis = this.analyze(entry.statement, dialect);
    // The reader knows the text is cut (a capped line, a record without its closing `;`): what
    // is left may still parse — `SELECT a, b` of `SELECT a, b FROM t` — but it is not the statement.
    if (entry.readStatus === 'truncated') {
      return { ...entry, ...analysis, parseStatus: 'truncated', parseNote: entry.readNote };
    }
    return { ...entry, ...analysis };
  }

  analyze(sql: string, dialect: SqlDialect): SqlAnalysis {
    const shape = lexicalShape(sql, dialect);
    if (shape === '') return { ...NOT_SQL, parseNote: 'no statement, only comments or blanks' };
    const key = `${dialect}\u0000${shape}`;
    const hit = this.#cache.get(key);
    if (hit) return hit;
    const analysis =
      sql.length > MAX_PARSED_CHARS
        ? lexical(shape, 'too long to parse', 'unparsed')
        : this.#parse(sql, shape, dialect);
    if (this.#cache.size >= MAX_CACHED_SHAPES) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, analysis);
    return analysis;
  }

  #parse(sql: string, shape: string, dialect: SqlDialect): SqlAnalysis {
    let pgError: string | null = null;
    if (dialect === 'postgresql') {
      try {
        const facts = pgFacts(parseSync(sql));
        return {
          parseStatus: 'ok',
          parseNote: null,
          ...facts,
          normalized: squeeze(normalizeSync(sql)),
          fingerprint: fingerprintSync(sql),
          fingerprintBy: 'libpg-query',
        };
      } catch (err) {
        pgError = messageOf(err);
      }
      // The server's own parser ran out of text: the statement is cut. A lenient parser would
      // only misread it (`SELECT x FROM` as `SELECT x AS "from"`).
      if (END_OF_INPUT.test(pgError)) return lexical(shape, pgError, 'truncated');
    }
    let nspError: string;
    try {
      const r = this.#nspFor(dialect).read(sql);
      const notes = [...(pgError ? [`libpg-query: ${pgError}`] : []), ...r.rewrites];
      return {
        parseStatus: notes.length > 0 ? 'partial' : 'ok',
        parseNote: notes.length > 0 ? notes.join('; ') : null,
        statementType: r.statementType,
        tables: r.tables,
        normalized: r.normalized,
        fingerprint: hash16(`${dialect}:${r.normalized}`),
        fingerprintBy: 'node-sql-parser',
      };
    } catch (err) {
      nspError = messageOf(err);
    }
    const note = pgError ?? nspError;
    // The parser stopped at the end of the text: the statement was cut, not malformed.
    const cut = END_OF_INPUT.test(note);
    return lexical(shape, note, cut ? 'truncated' : 'unparsed');
  }

  #nspFor(dialect: SqlDialect): NspReader {
    let reader = this.#nsp.get(dialect);
    if (!reader) {
      reader = new NspReader(dialect);
      this.#nsp.set(dialect, reader);
    }
    return reader;
  }
}

function lexical(shape: string, note: string, status: 'unparsed' | 'truncated'): SqlAnalysis {
  const type = /^[a-z]+/.exec(shape)?.[0] ?? null;
  return {
    parseStatus: status,
    parseNote: note,
    statementType: type,
    tables: [],
    normalized: shape,
    fingerprint: hash16(`lexical:${shape}`),
    fingerprintBy: 'lexical',
  };
}

function squeeze(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 300);
}
