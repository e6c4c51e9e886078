import { phraseWords } from '../store/where.js';

/**
 * Quoted phrases in a query, as search boxes have them: `"connection refused" postgres` finds
 * only chunks holding the words "connection refused" side by side, ranked by the whole query.
 * Straight quotes and typographic ones (“…”, as a Mac types them) both open a phrase; a quote
 * left without its closing one is an ordinary character.
 */

/** At most this many phrases count; a pasted passage full of quotations is a question, not a filter. */
export const MAX_PHRASES = 4;

export interface QuotedQuery {
  /** The query with the quote marks taken out: what is embedded and matched word by word. */
  words: string;
  /** Each quoted phrase, whitespace folded; those `isPhrase` does not take left out. */
  phrases: string[];
}

const QUOTED = /"([^"]*)"|“([^”]*)”/gu;

/**
 * Whether quotes around `phrase` ask for it as written. A question quoting a value as an example
 * ("the string "5" to a number") does not mean only chunks holding a 5: one short word or a
 * number alone is left to rank with the rest. Two words or more, or one word of three letters
 * or more (`"ENOSPC"`, `"fsync"`), is a phrase.
 */
function isPhrase(phrase: string): boolean {
  const words = phraseWords(phrase);
  if (words.length >= 2) return true;
  const word = words[0];
  return word !== undefined && word.length >= 3 && !/^\p{N}+$/u.test(word);
}

/**
 * A line a program printed: `Error: unknown command "foo" for "app"`, `KeyError: 'user'`,
 * `fatal: not a git repository`. Its quotes are the program's, around the run's values (Go's
 * `%q`, Python's repr), not a person's asking for a phrase: the code that printed it holds
 * `"unknown command %q for %q"`, never "foo".
 */
const PRINTED =
  /^\s*(?:[\p{L}\p{N}_.]*(?:error|exception)|fatal|panic|warning|err|e)\b\s*(?:\[[^\]]*\]\s*)?:/iu;

export function quotedPhrases(query: string): QuotedQuery {
  if (PRINTED.test(query)) {
    return { words: query.replace(QUOTED, ' $1$2 ').replace(/\s+/gu, ' ').trim(), phrases: [] };
  }
  const phrases: string[] = [];
  const words = query.replace(QUOTED, (_whole, straight: string | undefined, curly: string | undefined) => {
    const phrase = (straight ?? curly ?? '').replace(/\s+/gu, ' ').trim();
    if (isPhrase(phrase) && phrases.length < MAX_PHRASES && !phrases.includes(phrase)) phrases.push(phrase);
    return ` ${phrase} `;
  });
  return { words: words.replace(/\s+/gu, ' ').trim(), phrases };
}
