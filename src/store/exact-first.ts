import type { SearchHit } from './types.js';

/** A character that continues an identifier: what must not touch a term for the text to hold it whole. */
const IDENT_CHAR = String.raw`[\p{L}\p{N}_$]`;

/** Whether `text` holds `term` whole (not inside a longer name), in any case. */
export function holdsTerm(text: string, term: string): boolean {
  return termPattern(term).test(text);
}

/** Regex syntax; with the `u` flag nothing else may be escaped (`\-` is an error there). */
const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

function termPattern(term: string): RegExp {
  const escaped = term.replace(REGEX_SYNTAX, '\\$&');
  return new RegExp(`(?<!${IDENT_CHAR})${escaped}(?!${IDENT_CHAR})`, 'iu');
}

/**
 * The hits that hold `term` whole first, each group in its old order. A query that is one
 * identifier (`make_context`, `pg_stat_activity`, `ENOSPC`) asks where that name is: a chunk
 * about something similar that never names it (`_make_sub_context`, the statistics views'
 * overview) is a near miss, however close its vector. The others keep their order after them,
 * their scores capped at the last holder's so that scores still fall down the list.
 */
export function withExactFirst(
  hits: readonly SearchHit[],
  term: string | undefined,
): { hits: SearchHit[]; holders: Set<string> } {
  const holders = new Set<string>();
  if (!term) return { hits: [...hits], holders };
  const pattern = termPattern(term);
  const first: SearchHit[] = [];
  const rest: SearchHit[] = [];
  for (const hit of hits) {
    if (pattern.test(hit.text)) {
      holders.add(hit.id);
      first.push(hit);
    } else rest.push(hit);
  }
  if (!first.length || !rest.length) return { hits: [...hits], holders };
  const floor = Math.min(...first.map((h) => h.score));
  return { hits: [...first, ...rest.map((h) => (h.score > floor ? { ...h, score: floor } : h))], holders };
}
