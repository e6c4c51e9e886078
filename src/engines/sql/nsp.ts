import { createRequire } from 'node:module';
import type { AST, Parser } from 'node-sql-parser';

/**
 * node-sql-parser for what libpg-query cannot do: MariaDB/MySQL, and PostgreSQL statements
 * the real parser rejects. Its grammar has known gaps that real workloads hit, handled by
 * rewriting and parsing again (the entry is then `partial`, with the rewrite named):
 * - `FETCH FIRST n ROWS ONLY` (SQL standard) is not in its grammar: read as `LIMIT n`;
 * - non-reserved keywords used as names (a column called `at`): the word just before the
 *   parse error is quoted wherever it stands bare, up to MAX_QUOTE_RETRIES words.
 */
const MAX_QUOTE_RETRIES = 4;

/**
 * Words that are never names without quotes in either dialect: quoting one would turn a cut or
 * malformed statement into a different one that parses (`SELECT x FROM` → `SELECT x "from"`).
 */
const RESERVED = new Set(
  (
    'all and any as asc between by case cast check column constraint create cross default delete desc distinct ' +
    'drop else end except exists false fetch for foreign from full group having in inner insert intersect into ' +
    'is join left like limit natural not null offset on or order outer primary references returning right ' +
    'select set table then to true union unique update using values when where window with'
  ).split(' '),
);

const require = createRequire(import.meta.url);
type ParserClass = new () => Parser;
// Per-dialect builds: each is a tenth of the all-dialects bundle to load.
const PARSERS: Record<'postgresql' | 'mysql', () => ParserClass> = {
  postgresql: () => (require('node-sql-parser/build/postgresql') as { Parser: ParserClass }).Parser,
  mysql: () => (require('node-sql-parser/build/mariadb') as { Parser: ParserClass }).Parser,
};
const DATABASE = { postgresql: 'postgresql', mysql: 'mariadb' } as const;

export interface NspResult {
  statementType: string | null;
  tables: string[];
  /** Literals as `?`, lists as one item, identifiers quoted and keywords upper-cased by sqlify. */
  normalized: string;
  /** The rewrites it took to parse, or null. */
  rewrites: string[];
}

export class NspReader {
  #parser: Parser;
  #dialect: 'postgresql' | 'mysql';

  constructor(dialect: 'postgresql' | 'mysql') {
    this.#dialect = dialect;
    this.#parser = new (PARSERS[dialect]())();
  }

  /** Throws the parser's error when no rewrite helps. */
  read(sql: string): NspResult {
    const rewrites: string[] = [];
    let text = sql;
    let firstError: unknown = null;
    for (let attempt = 0; attempt <= MAX_QUOTE_RETRIES + 1; attempt++) {
      try {
        return { ...this.#readOnce(text), rewrites };
      } catch (err) {
        firstError ??= err;
        const fetch = rewriteFetchFirst(text);
        if (fetch !== text) {
          text = fetch;
          rewrites.push('FETCH FIRST read as LIMIT');
          continue;
        }
        const word = wordBeforeError(text, err);
        if (
          word === null ||
          RESERVED.has(word.toLowerCase()) ||
          rewrites.some((r) => r.endsWith(`"${word}"`))
        )
          break;
        text = quoteWord(text, word, this.#dialect === 'mysql' ? '`' : '"');
        rewrites.push(`quoted the name "${word}"`);
      }
    }
    throw firstError;
  }

  #readOnce(sql: string): Omit<NspResult, 'rewrites'> {
    const opt = { database: DATABASE[this.#dialect] };
    const { ast, tableList } = this.#parser.parse(sql, opt);
    const list = Array.isArray(ast) ? ast : [ast];
    const tables = [...new Set(tableList.map((t) => tableName(t)))].sort();
    const stripped = list.map((a) => stripLiterals(a) as AST);
    const first = list[0] as { type?: string; keyword?: string } | undefined;
    const type = first?.type
      ? (first.keyword ? `${first.type} ${first.keyword}` : first.type).toLowerCase()
      : null;
    return { statementType: type, tables, normalized: this.#parser.sqlify(stripped, opt) };
  }
}

/** `select::db::table` → `db.table` or `table`. */
function tableName(entry: string): string {
  const [, db, table] = entry.split('::');
  return db && db !== 'null' ? `${db}.${table}` : (table ?? entry);
}

const LITERALS = new Set([
  'number',
  'string',
  'single_quote_string',
  'double_quote_string',
  'natural_string',
  'hex_string',
  'full_hex_string',
  'bit_string',
  'bool',
  'boolean',
  'null',
  'date',
  'time',
  'timestamp',
  'datetime',
  'var',
]);

/** A copy of the tree with literals as `?`, IN lists and VALUES rows cut to one item. */
function stripLiterals(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripLiterals);
  if (node === null || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  if (typeof obj.type === 'string' && LITERALS.has(obj.type) && 'value' in obj)
    return { type: 'origin', value: '?' };
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) copy[k] = stripLiterals(v);
  if (copy.type === 'expr_list' && Array.isArray(copy.value) && copy.value.length > 1)
    copy.value = [copy.value[0]];
  if (copy.type === 'values' && Array.isArray(copy.values) && copy.values.length > 1)
    copy.values = [copy.values[0]];
  return copy;
}

function rewriteFetchFirst(sql: string): string {
  return sql
    .replace(
      /\bFETCH\s+(?:FIRST|NEXT)\s+(\S+)?\s*ROWS?\s+ONLY\b/gi,
      (_, n: string | undefined) => `LIMIT ${n ?? '1'}`,
    )
    .replace(/\bOFFSET\s+(\S+)\s+ROWS?\b/gi, 'OFFSET $1');
}

function wordBeforeError(sql: string, err: unknown): string | null {
  const offset = (err as { location?: { start?: { offset?: number } } }).location?.start?.offset;
  if (typeof offset !== 'number') return null;
  const m = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(sql.slice(0, offset));
  return m ? m[1]! : null;
}

/** Quotes every bare occurrence of `word` (not already quoted, not a function call). */
function quoteWord(sql: string, word: string, quote: string): string {
  const re = new RegExp(`(?<![\\w"\`'])${word}(?![\\w"\`'(])`, 'gi');
  return sql.replace(re, (m) => `${quote}${m.toLowerCase()}${quote}`);
}
