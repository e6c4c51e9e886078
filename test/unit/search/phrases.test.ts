import { describe, expect, it } from 'vitest';
import { MAX_PHRASES, quotedPhrases } from '../../../src/search/phrases.js';
import { phraseWhere } from '../../../src/store/where.js';

describe('quotedPhrases', () => {
  it('takes straight and typographic quotes out of the words and keeps each phrase', () => {
    expect(quotedPhrases('"connection refused" postgres')).toEqual({
      words: 'connection refused postgres',
      phrases: ['connection refused'],
    });
    expect(quotedPhrases('why “work_mem”  and "shared   buffers"?')).toEqual({
      words: 'why work_mem and shared buffers ?',
      phrases: ['work_mem', 'shared buffers'],
    });
  });

  it('leaves an unclosed quote, an empty pair and a word-less phrase as they are', () => {
    expect(quotedPhrases('say "hello')).toEqual({ words: 'say "hello', phrases: [] });
    expect(quotedPhrases('a "" b "->" c')).toEqual({ words: 'a b -> c', phrases: [] });
  });

  it('takes a quoted example value in a question (a number, a short word) for a word, not a filter', () => {
    expect(quotedPhrases('like the string "5" to a number').phrases).toEqual([]);
    expect(quotedPhrases('what does "id" mean').phrases).toEqual([]);
    expect(quotedPhrases('why "ENOSPC" on save').phrases).toEqual(['ENOSPC']);
    expect(quotedPhrases('"port 5432" refused').phrases).toEqual(['port 5432']);
    expect(quotedPhrases('the "v2" api').phrases).toEqual([]);
  });

  it("takes a printed error line's quotes for the program's, around the run's values: no filter", () => {
    expect(quotedPhrases('Error: unknown command "foo" for "app"')).toEqual({
      words: 'Error: unknown command foo for app',
      phrases: [],
    });
    expect(quotedPhrases('fatal: ambiguous argument "main": unknown revision').phrases).toEqual([]);
    expect(quotedPhrases('json.decoder.JSONDecodeError: Expecting "value"').phrases).toEqual([]);
    expect(quotedPhrases('panic: runtime error: index out of range "items"').phrases).toEqual([]);
    // A question about an error still asks for its phrase.
    expect(quotedPhrases('why does git say "not a git repository"').phrases).toEqual([
      'not a git repository',
    ]);
    expect(quotedPhrases('errors with "connection refused"').phrases).toEqual(['connection refused']);
  });

  it('counts a repeated phrase once and at most MAX_PHRASES', () => {
    const many = Array.from({ length: MAX_PHRASES + 2 }, (_, i) => `"w${i} x"`).join(' ');
    expect(quotedPhrases(many).phrases).toHaveLength(MAX_PHRASES);
    expect(quotedPhrases('"a b" "a b"').phrases).toEqual(['a b']);
  });
});

/** The clause's regex as JavaScript reads it (Rust's `(?i)` becomes the `i` flag; `[\W_]` and `\W` are made Unicode-aware). */
function phraseRegex(phrase: string): { like: string; regex: RegExp } {
  const m = /^text ILIKE '([^']*)' AND regexp_like\(text, '\(\?i\)((?:[^']|'')*)'\)$/.exec(
    phraseWhere(phrase),
  );
  if (!m) throw new Error(`unexpected clause: ${phraseWhere(phrase)}`);
  const body = (m[2] as string)
    .replaceAll("''", "'")
    .replaceAll('[\\W_]', '[^\\p{L}\\p{N}\\p{M}]')
    .replaceAll('\\W', '[^\\p{L}\\p{N}\\p{M}_]');
  return { like: m[1] as string, regex: new RegExp(body, 'iu') };
}

describe('phraseWhere', () => {
  it('matches the words side by side, whole, in any case, across punctuation and line breaks', () => {
    const { like, regex } = phraseRegex('connection refused');
    expect(like).toBe('%connection%refused%');
    for (const text of [
      'Connection refused',
      'a connection\n  refused',
      '**connection** refused.',
      'connection-refused',
    ])
      expect(regex.test(text), text).toBe(true);
    for (const text of [
      'connection was refused',
      'connections refused',
      'reconnection refused',
      'refused connection',
    ])
      expect(regex.test(text), text).toBe(false);
  });

  it('splits words where the full-text index does, underscores and apostrophes included', () => {
    expect(phraseRegex('work_mem').regex.test('set work_mem to 64MB')).toBe(true);
    expect(phraseRegex("it's").like).toBe('%it%s%');
    expect(phraseRegex('naïve café').regex.test('Naïve Café au lait')).toBe(true);
  });

  it('keeps a phrase written with underscores from matching inside a longer identifier', () => {
    const { regex } = phraseRegex('work_mem');
    for (const text of ['SET work_mem = 64MB', 'raise `work_mem`.', 'work mem, per sort', 'Work-Mem'])
      expect(regex.test(text), text).toBe(true);
    for (const text of ['maintenance_work_mem = 1GB', 'work_mem_limit', 'autovacuum_work_mem'])
      expect(regex.test(text), text).toBe(false);
    // Without an underscore of its own, a phrase still matches inside Markdown's _emphasis_.
    expect(phraseRegex('connection refused').regex.test('_connection refused_')).toBe(true);
  });

  it('refuses a phrase without words', () => {
    expect(() => phraseWhere('-> !')).toThrow(/has no words/);
  });
});
