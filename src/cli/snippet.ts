/** Characters of a hit's text that a result line shows. */
export const SNIPPET_CHARS = 240;

/**
 * Words too common to place an excerpt by: a question's frame ("how do I …") matches every
 * stretch of prose alike.
 */
const STOP_WORDS = new Set(
  (
    'a an and are as at be by can could do does did for from had has have how i if in into is it its ' +
    'me my no not of on or our so than that the their them then there these they this to too was we ' +
    'were what when where which while who why will with would you your'
  ).split(' '),
);

/** Context kept before the first matched word when no sentence opens shortly before it. */
const LEAD_CHARS = 40;
/** How far back a sentence's start is looked for: further, and the matched words would not fit. */
const SENTENCE_LOOKBACK = SNIPPET_CHARS / 3;

const WORD = /[\p{L}\p{N}_]+/gu;

/**
 * A word as excerpts compare them: lower-cased, cut to its first five letters (so "quotes"
 * finds "quote" and "restoring" finds "restore"), a short word without its plural "s".
 */
function wordKey(word: string): string {
  const w = word.toLowerCase();
  if (w.length >= 5) return w.slice(0, 5);
  return w.length >= 4 && w.endsWith('s') ? w.slice(0, -1) : w;
}

/** The query's words that can place an excerpt, as keys. */
function queryKeys(query: string): Set<string> {
  const keys = new Set<string>();
  for (const [word] of query.matchAll(WORD)) {
    const w = word.toLowerCase();
    if (!STOP_WORDS.has(w)) keys.add(wordKey(w));
  }
  return keys;
}

/**
 * The stretch of `body` (whitespace folded) a result line shows: its opening when that holds as
 * many of the query's distinct words as any other stretch, else the stretch holding the most,
 * opened at its sentence (or a few words before its first match) and marked by a leading "…";
 * a trailing "…" when text follows. A chunk is longer than a line, and the words that made it a
 * hit are often past its opening.
 */
export function excerpt(body: string, query: string, width = SNIPPET_CHARS): string {
  if (body.length <= width) return body;
  const keys = queryKeys(query);
  const matches: { at: number; key: string }[] = [];
  if (keys.size) {
    for (const m of body.matchAll(WORD)) {
      const key = wordKey(m[0]);
      if (keys.has(key)) matches.push({ at: m.index, key });
    }
  }
  const shown = (start: number) => {
    const seen = new Set<string>();
    for (const m of matches) if (m.at >= start && m.at < start + width) seen.add(m.key);
    return seen.size;
  };
  let best = { start: 0, count: shown(0) };
  for (const m of matches) {
    const start = stretchStart(body, m.at);
    const count = shown(start);
    if (count > best.count) best = { start, count };
  }
  return cutAt(body, best.start, width);
}

/** Where a stretch showing the word at `at` opens: its sentence when that starts close by, else a word boundary a little before. */
function stretchStart(body: string, at: number): number {
  const from = Math.max(0, at - SENTENCE_LOOKBACK);
  const before = body.slice(from, at);
  const sentence = /(?:[.!?;:]|\s[-*•]|\d\.)\s+(?=[^.!?;:]*$)/u.exec(before);
  if (sentence) return from + sentence.index + sentence[0].length;
  if (at <= LEAD_CHARS) return 0;
  const space = body.indexOf(' ', at - LEAD_CHARS);
  return space === -1 || space >= at ? at : space + 1;
}

/** `width` characters of `body` from about `start`, cut at a word, with "…" where text was left out. */
function cutAt(body: string, start: number, width: number): string {
  // A stretch near the end shows the text before it too, rather than a short line.
  if (start > 0 && body.length - start < width) {
    const space = body.indexOf(' ', Math.max(0, body.length - width));
    start = space === -1 || space + 1 > start ? start : space + 1;
  }
  const end = start + width;
  const lead = start > 0 ? '…' : '';
  if (end >= body.length) return `${lead}${body.slice(start)}`;
  const cut = body.lastIndexOf(' ', end);
  return `${lead}${body.slice(start, cut > start + width / 2 ? cut : end)}…`;
}
