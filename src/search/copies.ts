import type { HitPlace, LineSpan, Passage, SearchHit } from '../store/types.js';
import { chunkBody } from './body.js';

/**
 * Copies of one passage in several files (a page's Markdown source beside its HTML rendering,
 * a manual's one-page edition beside its chapters, a note exported to PDF) are one hit: the best
 * ranked copy stays and names the others (`SearchHit.copies`), so k hits are k different answers.
 * So are the rows of one passage of a file (neighbouring chunks of a long section, a long
 * function's header and parts), which would otherwise fill several places with one answer: the
 * best ranked stays and lists the others' lines (`SearchHit.parts`).
 *
 * Two chunks are copies when most word pairs of the smaller are in the larger, and those make
 * most of the larger too: a rendering's chunks start and end elsewhere than its source's, so
 * neither need hold all of the other, but a chunk that only shares a paragraph of boilerplate
 * with another (one parameter described alike under two classes) is not its copy. Word pairs,
 * not words: two option descriptions of one man page share most of their words and few of their
 * pairs. Markup that a rendering drops (`*`, backticks, link brackets) is not a word, so it
 * does not tell copies apart.
 */

/** Share of the smaller chunk's word pairs that must be in the larger. */
const OF_SMALLER = 0.8;
/** Share of the larger chunk's word pairs that those must make. */
const OF_LARGER = 0.6;
/** Chunks with fewer word pairs are copies only when their pairs are the same. */
const SHORT = 8;

/**
 * The first rows of a ranking that may change which hits are shown: a row further down still
 * folds into a hit shown (a copy, a neighbouring piece), but does not join two runs of a passage
 * (which takes the later run's hit off the list) nor put a live copy in an archived one's place.
 * A search reads at least this many rows (`SearchService`), so a larger k, which reads further,
 * shows the same first hits.
 */
export const FOLD_WINDOW = 30;

/** What `foldCopies` folds besides copies. */
export interface FoldOptions {
  /** Whether a hit may be folded, or have others folded into it; default every hit. */
  folds?: (hit: SearchHit) => boolean;
  /**
   * The passage of one file a hit belongs to (its mapper's `passageOf`): a later hit of the same
   * file and passage is folded into the first as one of its `parts` (where pieces are numbered,
   * when it neighbours a piece already shown there). Default: none.
   */
  passageOf?: (hit: SearchHit) => Passage | undefined;
}

/** A hit kept, and what may still fold into it. */
interface Kept {
  hit: SearchHit;
  pairs: Set<string> | undefined;
  /** Its passage's pieces shown so far (its own and its parts'), where pieces are numbered. */
  pieces?: Set<number>;
}

/**
 * The hits, best first, with each copy of an earlier hit, and each later row of an earlier hit's
 * passage, folded into it; the first `k`. Hits that `folds` refuses (rows an engine already
 * collapses by its own key) are kept as they are.
 */
export function foldCopies(hits: readonly SearchHit[], k: number, options: FoldOptions = {}): SearchHit[] {
  const { folds = () => true, passageOf = () => undefined } = options;
  const kept: Kept[] = [];
  const passages = new Map<string, Kept[]>();
  // Every hit is read, past the k-th kept too: a copy or a neighbouring piece further down still
  // belongs to a hit shown, and a piece between two runs may join them and make room.
  for (const [row, hit] of hits.entries()) {
    const deep = row >= FOLD_WINDOW;
    const passage = folds(hit) ? passageOf(hit) : undefined;
    const key = passage === undefined ? undefined : `${hit.engine}\0${hit.path}\0${passage.key}`;
    const piece = passage?.piece;
    const runs = key === undefined ? [] : (passages.get(key) ?? []);
    const [first, ...neighbours] = runs.filter(
      (e) => piece === undefined || !e.pieces || e.pieces.has(piece - 1) || e.pieces.has(piece + 1),
    );
    const joined = deep ? [] : neighbours;
    if (key !== undefined && first) {
      const span: LineSpan = { startLine: hit.startLine, endLine: hit.endLine };
      // A piece between two runs shown apart makes them one: the later run's hit leaves the list.
      const spans = joined.flatMap((e) => [
        { startLine: e.hit.startLine, endLine: e.hit.endLine },
        ...(e.hit.parts ?? []),
      ]);
      const copies = [...(first.hit.copies ?? []), ...joined.flatMap((e) => e.hit.copies ?? [])];
      first.hit = {
        ...withParts(first.hit, [...spans, span]),
        ...(copies.length ? { copies } : {}),
      };
      if (piece !== undefined) first.pieces?.add(piece);
      for (const e of joined) {
        for (const p of e.pieces ?? []) first.pieces?.add(p);
        kept.splice(kept.indexOf(e), 1);
      }
      passages.set(
        key,
        runs.filter((e) => !joined.includes(e)),
      );
      continue;
    }
    // The chunk's own text: its heading breadcrumb differs between copies.
    const pairs = folds(hit) ? wordPairs(chunkBody(hit.text, hit.metadata.bodyOffset)) : undefined;
    const original =
      pairs && kept.find((e) => e.pairs && e.hit.path !== hit.path && areCopies(e.pairs, pairs));
    if (original) {
      const place: HitPlace = { path: hit.path, startLine: hit.startLine, endLine: hit.endLine };
      const copies = [...(original.hit.copies ?? []), place];
      // An archived, old or conflicted copy ranked first gives its place to the live one it copies.
      if (!deep && isSideCopy(original.hit.path) && !isSideCopy(hit.path)) {
        const shown = original.hit;
        const instead = { path: shown.path, startLine: shown.startLine, endLine: shown.endLine };
        const { copies: _copies, parts: _parts, ...live } = hit;
        original.hit = {
          ...live,
          score: shown.score,
          copies: [...copies.filter((c) => c !== place), instead],
        };
        original.pairs = pairs;
      } else original.hit = { ...original.hit, copies };
      continue;
    }
    const entry: Kept = piece === undefined ? { hit, pairs } : { hit, pairs, pieces: new Set([piece]) };
    kept.push(entry);
    if (key !== undefined) passages.set(key, [...(passages.get(key) ?? []), entry]);
  }
  return kept.slice(0, k).map((e) => e.hit);
}

/**
 * `hit` with `spans` added to its parts, each once, leaving out any that holds the hit's own
 * lines: a long function's header row spans the whole function (and a class summary's parts
 * the whole class), so under one of its parts it would say only "all of it", which the hit's
 * symbol says already. (A part inside the hit's lines stays: under the header, the parts say
 * where in the function the match is.)
 */
function withParts(hit: SearchHit, spans: readonly LineSpan[]): SearchHit {
  const parts = [...(hit.parts ?? [])];
  for (const span of spans) {
    const holdsHit = span.startLine <= hit.startLine && hit.endLine <= span.endLine;
    const listed = parts.some((p) => p.startLine === span.startLine && p.endLine === span.endLine);
    if (!holdsHit && !listed) parts.push(span);
  }
  return parts.length ? { ...hit, parts } : hit;
}

/**
 * A copy kept aside: in an archive, backup, old or trash folder, or named as a copy (`(old)`,
 * `(copy)`, `conflicted copy`, `.bak`), which a person keeps but does not mean.
 */
const SIDE_COPY =
  /(^|\/)(archive[sd]?|archiv|backups?|old|\.?trash|attic|deprecated)(\/|$)|\((old|copy|backup|conflicted copy[^)]*)\)|\bconflicted copy\b|\.(bak|orig)$|~$/iu;

function isSideCopy(path: string): boolean {
  return SIDE_COPY.test(path);
}

export function wordPairs(text: string): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const pairs = new Set<string>();
  for (let i = 1; i < words.length; i++) pairs.add(`${words[i - 1]} ${words[i]}`);
  return pairs;
}

export function areCopies(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  if (small.size === 0) return false;
  if (small.size < SHORT) return small.size === large.size && [...small].every((p) => large.has(p));
  if (small.size < large.size * OF_LARGER) return false;
  // Shared pairs must reach both shares: give up at the first miss past what that allows (most
  // pairs of a chunk that is no copy are misses, so this reads a fifth of them, not all).
  let missesLeft = small.size - Math.max(small.size * OF_SMALLER, large.size * OF_LARGER);
  for (const p of small) if (!large.has(p) && --missesLeft < 0) return false;
  return true;
}
