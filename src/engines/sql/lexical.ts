import { createHash } from 'node:crypto';
import type { SqlDialect } from './types.js';

/**
 * A statement's shape by its tokens alone: comments and layout dropped, literals and
 * parameters (`'x'`, `42`, `$1`, `?`, `$$…$$`) as `?`, unquoted words lower-cased, quoted
 * identifiers unquoted, a parenthesised list of `?` as `(?+)`, repeated VALUES rows as one.
 * It needs no parser, so it reads anything — the fallback fingerprint and the analyzer's cache key.
 */
export function lexicalShape(sql: string, dialect: SqlDialect): string {
  const out: string[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
    } else if ((ch === '-' && next === '-') || (ch === '#' && dialect === 'mysql')) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (ch === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else if (sql[i] === '/' && sql[i + 1] === '*' && dialect === 'postgresql') {
          depth++;
          i += 2;
        } else i++;
      }
    } else if (ch === "'" || (ch === '"' && dialect === 'mysql')) {
      const backslash = dialect === 'mysql' || /[eE]/.test(sql[i - 1] ?? '');
      if (out.length > 0 && /^[eEnNbBxXuU]$/.test(out[out.length - 1]!)) out.pop();
      i = skipQuoted(sql, i, ch, backslash);
      out.push('?');
    } else if (ch === '"' || ch === '`') {
      const end = skipQuoted(sql, i, ch, false);
      out.push(sql.slice(i + 1, end - 1).replaceAll(ch + ch, ch));
      i = end;
    } else if (ch === '$' && next !== undefined && /[0-9]/.test(next)) {
      i++;
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
      out.push('?');
    } else if (ch === '$') {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? n : close + tag[0].length;
        out.push('?');
      } else {
        out.push('$');
        i++;
      }
    } else if (/[0-9]/.test(ch) || (ch === '.' && next !== undefined && /[0-9]/.test(next))) {
      const m = /^(?:0x[0-9a-fA-F]+|\d*\.?\d+(?:[eE][-+]?\d+)?)/.exec(sql.slice(i, i + 64));
      i += m ? m[0].length : 1;
      out.push('?');
    } else if (/[A-Za-z_\u0080-\uffff]/.test(ch)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j]!)) j++;
      out.push(sql.slice(i, j).toLowerCase());
      i = j;
    } else if (ch === '?') {
      out.push('?');
      i++;
    } else {
      out.push(ch);
      i++;
    }
  }
  return collapseLists(out.join(' '));
}

function skipQuoted(sql: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslash && c === '\\') i += 2;
    else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function collapseLists(shape: string): string {
  return shape
    .replace(/\( \?(?: , \?)* \)/g, '(?+)')
    .replace(/(\((?:[^()]|\([^()]*\))*\))(?: , \1)+/g, '$1')
    .replace(/ ;$/, '');
}

/** 16 hex digits of a sha256: the width libpg-query's fingerprints have too. */
export function hash16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
