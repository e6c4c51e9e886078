/**
 * The Snowball English ("Porter2") stemmer, the algorithm LanceDB's full-text index runs with
 * `language: 'English', stem: true` (tantivy's `Stemmer` over rust-stemmers' English), so that a
 * word stemmed here equals the term the index holds for it. Written from the published algorithm
 * (snowballstem.org, "The English (Porter2) stemming algorithm"); no package here ships one.
 *
 * Input: one lower-case word, not yet folded to ASCII (the index stems first and folds after, so
 * `abcdé` keeps its last letter); letters outside a–z count as consonants. Words of one or two
 * letters come back unchanged.
 */
export function stemEnglish(word: string): string {
  if (word.length <= 2) return word;
  const exception = EXCEPTIONS_1.get(word);
  if (exception !== undefined) return exception;

  // y at the start or after a vowel is a consonant: written Y while stemming.
  let w = word.replace(/^y/, 'Y').replace(/([aeiouy])y/g, '$1Y');
  const r1 = regionOne(w);
  const r2 = regionAfter(w, r1);

  w = step1a(w);
  if (EXCEPTIONS_2.has(w)) return w;
  w = step1b(w, r1);
  w = step1c(w);
  w = step2(w, r1);
  w = step3(w, r1, r2);
  w = step4(w, r2);
  w = step5(w, r1, r2);
  return w.replace(/Y/g, 'y');
}

const EXCEPTIONS_1 = new Map([
  ['skis', 'ski'],
  ['skies', 'sky'],
  ['dying', 'die'],
  ['lying', 'lie'],
  ['tying', 'tie'],
  ['idly', 'idl'],
  ['gently', 'gentl'],
  ['ugly', 'ugli'],
  ['early', 'earli'],
  ['only', 'onli'],
  ['singly', 'singl'],
  ['sky', 'sky'],
  ['news', 'news'],
  ['howe', 'howe'],
  ['atlas', 'atlas'],
  ['cosmos', 'cosmos'],
  ['bias', 'bias'],
  ['andes', 'andes'],
]);
/** Left as they are after step 1a. */
const EXCEPTIONS_2 = new Set([
  'inning',
  'outing',
  'canning',
  'herring',
  'earring',
  'proceed',
  'exceed',
  'succeed',
]);

const isVowel = (c: string | undefined) =>
  c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u' || c === 'y';

/** Where the region after the first non-vowel that follows a vowel starts, from `from` on. */
function regionAfter(w: string, from: number): number {
  for (let i = from + 1; i < w.length; i++) if (!isVowel(w[i]) && isVowel(w[i - 1])) return i + 1;
  return w.length;
}
function regionOne(w: string): number {
  for (const prefix of ['gener', 'commun', 'arsen']) if (w.startsWith(prefix)) return prefix.length;
  return regionAfter(w, 0);
}

/** Whether `w` (up to `end`) ends in a short syllable. */
function endsShort(w: string, end = w.length): boolean {
  if (end === 2) return isVowel(w[0]) && !isVowel(w[1]);
  if (end < 2) return false;
  const [a, b, c] = [w[end - 3], w[end - 2], w[end - 1]];
  return !isVowel(a) && isVowel(b) && !isVowel(c) && c !== 'w' && c !== 'x' && c !== 'Y';
}
const hasVowel = (s: string) => /[aeiouy]/.test(s);
/** The longest of `suffixes` that `w` ends with. */
const longest = (w: string, suffixes: readonly string[]) => suffixes.find((s) => w.endsWith(s));

function step1a(w: string): string {
  if (w.endsWith('sses')) return `${w.slice(0, -4)}ss`;
  if (w.endsWith('ied') || w.endsWith('ies')) return w.length > 4 ? w.slice(0, -2) : w.slice(0, -1);
  if (w.endsWith('us') || w.endsWith('ss')) return w;
  // Delete s when a vowel comes before the letter preceding it (gaps → gap, but gas, this stay).
  if (w.endsWith('s') && hasVowel(w.slice(0, -2))) return w.slice(0, -1);
  return w;
}

const STEP_1B = ['eedly', 'ingly', 'edly', 'eed', 'ing', 'ed'];
function step1b(w: string, r1: number): string {
  const suffix = longest(w, STEP_1B);
  if (!suffix) return w;
  const at = w.length - suffix.length;
  if (suffix === 'eed' || suffix === 'eedly') return at >= r1 ? `${w.slice(0, at)}ee` : w;
  const stem = w.slice(0, at);
  if (!hasVowel(stem)) return w;
  if (stem.endsWith('at') || stem.endsWith('bl') || stem.endsWith('iz')) return `${stem}e`;
  if (/(bb|dd|ff|gg|mm|nn|pp|rr|tt)$/.test(stem)) return stem.slice(0, -1);
  // A short word: it ends in a short syllable and R1 is empty (R1 is from the original word).
  if (endsShort(stem) && r1 >= stem.length) return `${stem}e`;
  return stem;
}

function step1c(w: string): string {
  const last = w[w.length - 1];
  if ((last === 'y' || last === 'Y') && w.length > 2 && !isVowel(w[w.length - 2]))
    return `${w.slice(0, -1)}i`;
  return w;
}

const STEP_2: readonly [string, string][] = [
  ['ization', 'ize'],
  ['ational', 'ate'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['iveness', 'ive'],
  ['tional', 'tion'],
  ['biliti', 'ble'],
  ['lessli', 'less'],
  ['entli', 'ent'],
  ['ation', 'ate'],
  ['alism', 'al'],
  ['aliti', 'al'],
  ['ousli', 'ous'],
  ['iviti', 'ive'],
  ['fulli', 'ful'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['abli', 'able'],
  ['izer', 'ize'],
  ['ator', 'ate'],
  ['alli', 'al'],
  ['bli', 'ble'],
  ['ogi', 'og'],
  ['li', ''],
];
function step2(w: string, r1: number): string {
  const hit = STEP_2.find(([s]) => w.endsWith(s));
  if (!hit) return w;
  const [suffix, replacement] = hit;
  const at = w.length - suffix.length;
  if (at < r1) return w;
  if (suffix === 'ogi' && w[at - 1] !== 'l') return w;
  if (suffix === 'li' && !'cdeghkmnrt'.includes(w[at - 1] ?? '_')) return w;
  return w.slice(0, at) + replacement;
}

const STEP_3: readonly [string, string][] = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['alize', 'al'],
  ['icate', 'ic'],
  ['iciti', 'ic'],
  ['ative', ''],
  ['ical', 'ic'],
  ['ness', ''],
  ['ful', ''],
];
function step3(w: string, r1: number, r2: number): string {
  const hit = STEP_3.find(([s]) => w.endsWith(s));
  if (!hit) return w;
  const [suffix, replacement] = hit;
  const at = w.length - suffix.length;
  if (at < r1 || (suffix === 'ative' && at < r2)) return w;
  return w.slice(0, at) + replacement;
}

const STEP_4 = [
  'ement',
  'ance',
  'ence',
  'able',
  'ible',
  'ment',
  'ant',
  'ent',
  'ism',
  'ate',
  'iti',
  'ous',
  'ive',
  'ize',
  'ion',
  'al',
  'er',
  'ic',
];
function step4(w: string, r2: number): string {
  const suffix = longest(w, STEP_4);
  if (!suffix) return w;
  const at = w.length - suffix.length;
  if (at < r2) return w;
  if (suffix === 'ion' && w[at - 1] !== 's' && w[at - 1] !== 't') return w;
  return w.slice(0, at);
}

function step5(w: string, r1: number, r2: number): string {
  const at = w.length - 1;
  if (w[at] === 'e' && (at >= r2 || (at >= r1 && !endsShort(w, at)))) return w.slice(0, at);
  if (w[at] === 'l' && at >= r2 && w[at - 1] === 'l') return w.slice(0, at);
  return w;
}
