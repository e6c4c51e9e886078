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
 * The links of lines `from..to` (inclusive) against their words: an HTML page's as its reader
 * marked them (`page.links`), else Markdown's own link syntax, whose targets are not words.
 */
export function linkStats(source: SourceText, from: number, to: number, page?: ConvertedText): LinkStats {
  let links = 0;
  let linkWords = 0;
  let words = 0;
  for (let i = from; i <= to && i < source.lineCount; i++) {
    const line = source.line(i).replace(/^#+ /, '');
    if (page?.links) {
      words += countWords(line);
      const marked = page.links.get(i);
      if (marked) {
        links += marked.links;
        linkWords += marked.words;
      }
      continue;
    }
    if (!line.includes('[')) {
      words += countWords(line);
      continue;
    }
    let rest = line;
    for (const m of line.matchAll(MARKDOWN_LINK)) {
      const shown = m[1] ?? m[2] ?? m[4] ?? m[3] ?? '';
      links++;
      linkWords += countWords(shown);
      rest = rest.replace(m[0], ` ${shown} `);
    }
    words += countWords(rest);
  }
  return { links, linkWords, words };
}

export function isListing(stats: LinkStats): boolean {
  return stats.links >= MIN_LINKS && stats.linkWords >= MIN_LINK_SHARE * stats.words;
}

/** Words as runs of letters, digits and `_`: `25.1. Routine Vacuuming` is four. */
export function countWords(line: string): number {
  const words = line.match(/[\p{L}\p{N}_]+/gu);
  return words ? words.length : 0;
}
