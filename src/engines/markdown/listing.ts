import type { ConvertedText } from './converted.js';
import type { SourceText } from './source.js';

/**
 * A listing is a chunk that is mostly links to other places: a back-of-book index, a table of
 * contents, a module index, a list of bookmarks, a note that only links to other notes. Its
 * one-line entries name every topic, so it matches a search for any of them about as well as the
 * page that answers it. The document mapper ranks listings down (a factor, not a filter: a search
 * only they match still finds them).
 */

/** What a listing's fused hybrid score is multiplied by. */
export const LISTING_RANK_FACTOR = 0.5;

/** Fewer links than this is a paragraph that cites, not a listing. */
const MIN_LINKS = 8;
/** The share of a chunk's words inside links from which it is a listing. */
const MIN_LINK_SHARE = 0.4;

/** `[text](target)` (not an image's `![alt](src)`), `[text][ref]`, and a wiki's `[[note|text]]`. */
const MARKDOWN_LINK =
  /(?<!!)\[([^\]\n]*)\]\([^)\s]*(?:\s+"[^"\n]*")?\)|(?<!!)\[([^\]\n]+)\]\[[^\]\n]*\]|\[\[([^\]|\n]+)(?:\|([^\]\n]+))?\]\]/g;

export interface LinkStats {
  readonly links: number;
  readonly linkWords: number;
  readonly words: number;
}

/**
 * A file's links and words, line by line, read once: any run of lines (a chunk, the whole file)
 * is then a difference of running sums. An HTML page's links are as its reader marked them
 * (`page.links`); else Markdown's own link syntax, whose targets are not words.
 */
export class LinkCounts {
  /** Running sums: entry `i` counts lines `0..i-1`. */
  readonly #links: Int32Array;
  readonly #linkWords: Int32Array;
  readonly #words: Int32Array;

  constructor(source: SourceText, page?: ConvertedText) {
    const n = source.lineCount;
    this.#links = new Int32Array(n + 1);
    this.#linkWords = new Int32Array(n + 1);
    this.#words = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const marked = page?.links ? (page.links.get(i) ?? null) : undefined;
      const line = lineLinks(source.line(i).replace(/^#+ /, ''), marked);
      this.#links[i + 1] = this.#links[i]! + line.links;
      this.#linkWords[i + 1] = this.#linkWords[i]! + line.linkWords;
      this.#words[i + 1] = this.#words[i]! + line.words;
    }
  }

  /** Lines `from..to`, inclusive. */
  of(from: number, to: number): LinkStats {
    const end = Math.min(to + 1, this.#words.length - 1);
    return {
      links: this.#links[end]! - this.#links[from]!,
      linkWords: this.#linkWords[end]! - this.#linkWords[from]!,
      words: this.#words[end]! - this.#words[from]!,
    };
  }

  get whole(): LinkStats {
    return this.of(0, this.#words.length - 2);
  }
}

/** One line's counts; `marked`: its reader's (null: none on this line), undefined: read its syntax. */
function lineLinks(line: string, marked: { links: number; words: number } | null | undefined): LinkStats {
  if (marked !== undefined) {
    return { links: marked?.links ?? 0, linkWords: marked?.words ?? 0, words: countWords(line) };
  }
  if (!line.includes('[')) return { links: 0, linkWords: 0, words: countWords(line) };
  let links = 0;
  let linkWords = 0;
  let rest = line;
  for (const m of line.matchAll(MARKDOWN_LINK)) {
    const shown = m[1] ?? m[2] ?? m[4] ?? m[3] ?? '';
    links++;
    linkWords += countWords(shown);
    rest = rest.replace(m[0], ` ${shown} `);
  }
  return { links, linkWords, words: countWords(rest) };
}

export function isListing(stats: LinkStats): boolean {
  return stats.links >= MIN_LINKS && stats.linkWords >= MIN_LINK_SHARE * stats.words;
}

/** Words as runs of letters, digits and `_`: `25.1. Routine Vacuuming` is four. */
export function countWords(line: string): number {
  const words = line.match(/[\p{L}\p{N}_]+/gu);
  return words ? words.length : 0;
}
