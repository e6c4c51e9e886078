import { stemEnglish } from './english-stem.js';

/**
 * Lexical features of hybrid's candidates that BM25 does not capture, computed on the text the
 * legs already returned (no query to LanceDB): how much of the question a chunk covers, whether
 * its heading path names the question's terms, and how close together the terms sit. Used by
 * rank-replay.mjs (`--family lex`); the store does not use them: added to hybrid's ranking they
 * did not win on held-out corpora (docs/BENCHMARKS.md, "Lexical evidence in hybrid, held out").
 *
 * Terms are made as the full-text index makes them (`FTS_OPTIONS` in src/store/tuning.ts: split
 * on anything not a letter or digit, lower-case, English stemming, ASCII folding; check-stems.mjs
 * compares them with a real index), so "installing" in a question counts for "installation" in a
 * chunk exactly when BM25 would match them. Unlike the index, the features drop stop words and
 * question words ("how", "do", "I"): a chunk that repeats the question's grammar has not
 * answered it.
 */
export interface LexicalFeatures {
  /** Share of the question's distinct content terms present in the chunk's text. */
  coverage: number;
  /** The same, each term weighted by its IDF over the candidates. */
  coverageIdf: number;
  /** Share of the question's content terms in the chunk's heading path. */
  heading: number;
  /** The same, IDF-weighted. */
  headingIdf: number;
  /**
   * The densest window of the chunk covering the most of the question's terms:
   * (terms in it / the question's terms) × (terms in it / window length); 0 below two terms.
   */
  proximity: number;
  /** Share of the question's adjacent term pairs found next to each other in the chunk (either order). */
  bigram: number;
}

/** What the features read of a candidate. */
export interface LexicalCandidate {
  id: string;
  text: string;
  headingPath: readonly string[];
}

/**
 * Function words and the words a question is phrased with, dropped from the features' terms
 * (compared after stemming, so "does" and "doing" go with "do").
 */
const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being ' +
    'below between both but by can could did do does doing done down during each either else etc ' +
    'ever every few for from further get gets getting give given go goes had has have having he her ' +
    'here hers herself him himself his how however i if in into is it its itself just let like make ' +
    'makes may me might more most much must my myself need needs no nor not now of off on once one ' +
    'only or other our ours ourselves out over own per please possible same say see set shall she ' +
    'should show so some such than that the their theirs them themselves then there these they ' +
    'thing things this those through to too under until up upon us use used uses using via want ' +
    'wants was way we were what when where whether which while who whom whose why will with within ' +
    'without would yes yet you your yours yourself yourselves'
  )
    .split(' ')
    .map((w) => stemEnglish(w)),
);

/** LanceDB's default `maxTokenLength`: tokens of this many bytes or more are left out of the index. */
const MAX_TOKEN_BYTES = 40;
const WORD = /[\p{L}\p{N}]+/gu;
/** Letters ASCII folding maps that Unicode decomposition leaves alone. */
const FOLD: Readonly<Record<string, string>> = {
  ß: 'ss',
  ı: 'i',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ł: 'l',
  þ: 'th',
};
/** Lower-case, then stem, then fold to ASCII: the index's order, so `abcdé` stems as itself. */
function indexTerm(raw: string): string {
  return stemEnglish(raw.toLowerCase())
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[ßıæœøđłþ]/g, (c) => FOLD[c] ?? c);
}

/** Terms as the full-text index makes them; `cache` spares stemming a word twice in one search. */
export function indexTerms(text: string, cache: Map<string, string> = new Map()): string[] {
  const out: string[] = [];
  for (const [raw] of text.matchAll(WORD)) {
    if (Buffer.byteLength(raw) >= MAX_TOKEN_BYTES) continue;
    let term = cache.get(raw);
    if (term === undefined) {
      term = indexTerm(raw);
      cache.set(raw, term);
    }
    out.push(term);
  }
  return out;
}

/** The question's distinct content terms, in the order they first appear. */
export function queryTerms(query: string, cache?: Map<string, string>): string[] {
  return [...new Set(indexTerms(query, cache).filter((t) => !STOP_WORDS.has(t)))];
}

/** Each candidate's features for `query`, by id; all 0 for a question without content terms. */
export function lexicalFeatures(
  query: string,
  candidates: readonly LexicalCandidate[],
): Map<string, LexicalFeatures> {
  const cache = new Map<string, string>();
  const terms = queryTerms(query, cache);
  const index = new Map(terms.map((t, i) => [t, i]));
  const seen = candidates.map((c) => termPositions(indexTerms(c.text, cache), index));
  const inHeading = candidates.map((c) => {
    const found = new Set<number>();
    for (const t of indexTerms(c.headingPath.join(' '), cache)) {
      const i = index.get(t);
      if (i !== undefined) found.add(i);
    }
    return found;
  });
  // IDF over the candidates: a term every candidate has tells them apart no better than none.
  const df = new Array<number>(terms.length).fill(0);
  for (const s of seen) for (const i of s.present) df[i]!++;
  const n = candidates.length;
  const idf = df.map((d) => Math.log(1 + (n - d + 0.5) / (d + 0.5)));
  // Terms no candidate has are left out of the IDF share's whole: they would only scale it down.
  const idfTotal = idf.reduce((sum, x, i) => sum + (df[i]! > 0 ? x : 0), 0);
  const idfShare = (found: Iterable<number>) => {
    let sum = 0;
    for (const i of found) sum += idf[i]!;
    return idfTotal > 0 ? sum / idfTotal : 0;
  };
  const pairs = terms.length - 1;
  const out = new Map<string, LexicalFeatures>();
  candidates.forEach((c, k) => {
    const s = seen[k]!;
    const h = inHeading[k]!;
    out.set(c.id, {
      coverage: terms.length ? s.present.size / terms.length : 0,
      coverageIdf: idfShare(s.present),
      heading: terms.length ? h.size / terms.length : 0,
      headingIdf: idfShare(h),
      proximity: terms.length ? densestWindow(s.sequence, terms.length) : 0,
      bigram: pairs > 0 ? s.adjacentPairs.size / pairs : 0,
    });
  });
  return out;
}

/**
 * Where the question's terms occur in a chunk: the set present, the sequence of (position, term)
 * for the window search, and which adjacent question pairs (i, i + 1) occur side by side among
 * the chunk's content terms.
 */
function termPositions(chunkTerms: readonly string[], index: ReadonlyMap<string, number>) {
  const present = new Set<number>();
  const sequence: [number, number][] = [];
  const adjacentPairs = new Set<number>();
  let previous = -1;
  let position = 0;
  for (const t of chunkTerms) {
    if (STOP_WORDS.has(t)) continue;
    const i = index.get(t);
    if (i !== undefined) {
      present.add(i);
      sequence.push([position, i]);
      if (previous >= 0 && Math.abs(previous - i) === 1) adjacentPairs.add(Math.min(previous, i));
    }
    previous = i ?? -1;
    position++;
  }
  return { present, sequence, adjacentPairs };
}

/**
 * The shortest window (in content terms) that holds every distinct question term the chunk has,
 * scored (m / queryTerms) × (m / window length) for m ≥ 2 terms, so three terms side by side
 * score above the same three spread over a page.
 */
function densestWindow(sequence: readonly [number, number][], queryTerms: number): number {
  const distinct = new Set(sequence.map(([, t]) => t)).size;
  if (distinct < 2) return 0;
  const counts = new Map<number, number>();
  let covered = 0;
  let best = Number.POSITIVE_INFINITY;
  let left = 0;
  for (const [position, term] of sequence) {
    const c = counts.get(term) ?? 0;
    counts.set(term, c + 1);
    if (c === 0) covered++;
    while (covered === distinct) {
      const [start, first] = sequence[left]!;
      best = Math.min(best, position - start + 1);
      const left1 = counts.get(first)! - 1;
      counts.set(first, left1);
      if (left1 === 0) covered--;
      left++;
    }
  }
  return (distinct / queryTerms) * (distinct / best);
}
