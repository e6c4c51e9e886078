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
  /** Each quoted phrase, whitespace folded; empty and word-less ones left out. */
  phrases: string[];
}

const QUOTED = /"([^"]*)"|“([^”]*)”/gu;
const WORD_CHAR = /[\p{L}\p{N}]/u;

export function quotedPhrases(query: string): QuotedQuery {
  const phrases: string[] = [];
  const words = query.replace(QUOTED, (_whole, straight: string | undefined, curly: string | undefined) => {
    const phrase = (straight ?? curly ?? '').replace(/\s+/gu, ' ').trim();
    if (WORD_CHAR.test(phrase) && phrases.length < MAX_PHRASES && !phrases.includes(phrase))
      phrases.push(phrase);
    return ` ${phrase} `;
  });
  return { words: words.replace(/\s+/gu, ' ').trim(), phrases };
}
