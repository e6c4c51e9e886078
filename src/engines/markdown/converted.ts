import type { TextKind } from './blocks.js';

/**
 * A file that is not text to read as it is (an HTML page, a Jupyter notebook, a PDF), made
 * Markdown for the chunker. `lines[i]` is the file's 0-based line range behind line `i` of
 * `text` (a PDF's: its 0-based pages), so a chunk's `startLine`/`endLine` are the file's own and
 * an editor opens it there.
 */
export interface ConvertedText {
  text: string;
  lines: readonly { first: number; last: number }[];
  /** How `text` is parsed (blocks.ts). */
  kind: TextKind;
  /** The root of every heading path, as a note's front matter `title` is. */
  title?: string;
  /**
   * An HTML page's links, by line of `text`: how many a line holds and how many of its words are
   * theirs. A chunk that is mostly links is a listing (an index, a table of contents).
   */
  links?: ReadonlyMap<number, LineLinks>;
  /**
   * Lines of `text` that open with a backslash only so that Markdown reads them as the text they
   * are (`\#include <R.h>`, `\# of items`: no heading; `\---`: no rule). A chunk shows them as
   * the file does, without it: code copied from a hit must run.
   */
  escaped?: ReadonlySet<number>;
  /**
   * The number each place (0-based) is printed with, where the file numbers its places apart from
   * their order: a PDF's page labels (`iv` in the front matter, `139` on the 146th page, as its
   * cross-references say). Absent where every label is its place's number.
   */
  labels?: readonly string[];
}

export interface LineLinks {
  readonly links: number;
  readonly words: number;
}

/** A converted file's Markdown, written line by line, each line with the file lines behind it. */
export class ConvertedLines {
  readonly #out: string[] = [];
  readonly #map: { first: number; last: number }[] = [];
  readonly #links = new Map<number, LineLinks>();
  readonly #escaped = new Set<number>();

  get length(): number {
    return this.#out.length;
  }

  /** The last file line behind what is written so far (0 when nothing is). */
  get lastSource(): number {
    return this.#map.at(-1)?.last ?? 0;
  }

  push(line: string, first: number, last = first): void {
    this.#out.push(line);
    this.#map.push({ first: Math.max(0, first), last: Math.max(0, first, last) });
  }

  /**
   * Writes a line of the file's text, escaped where Markdown would read it as markup (a heading,
   * a rule, a fence), and says so (`ConvertedText.escaped`).
   */
  pushText(line: string, first: number, last = first): void {
    if (MARKDOWN_LOOKALIKE.test(line)) {
      this.#escaped.add(this.#out.length);
      this.push(`\\${line}`, first, last);
    } else this.push(line, first, last);
  }

  /** Says the line just written holds `links` links, of `words` words in all. */
  markLinks(links: number, words: number): void {
    if (links > 0 && this.#out.length > 0) this.#links.set(this.#out.length - 1, { links, words });
  }

  /** Line `index` (from the end when negative). */
  line(index: number): string {
    return this.#out.at(index) ?? '';
  }

  /** Rewrites line `index` (from the end when negative), keeping the file lines behind it. */
  replace(index: number, line: string): void {
    const at = index < 0 ? this.#out.length + index : index;
    this.#out[at] = line;
    this.#escaped.delete(at);
  }

  /** The text, ending in one line break and no blank lines, with its line map. */
  finish(kind: TextKind, title?: string): ConvertedText {
    while (this.#out.at(-1) === '') {
      this.#out.pop();
      this.#map.pop();
    }
    const text = this.#out.length ? `${this.#out.join('\n')}\n` : '';
    return {
      text,
      lines: this.#map,
      kind,
      ...(title ? { title } : {}),
      ...(this.#links.size ? { links: this.#links } : {}),
      ...(this.#escaped.size ? { escaped: this.#escaped } : {}),
    };
  }
}

/** A line of text that Markdown would read as something else: a heading, a rule, a fence. */
const MARKDOWN_LOOKALIKE = /^(#|=+\s*$|-+\s*$|\*\s*\*\s*\*|_\s*_\s*_|```|~~~|\+\+\+\s*$)/;

/**
 * The backtick fence for a code block of these lines: longer than any run of backticks that
 * opens one of them, since CommonMark ends a fence at a line opening with a run at least as long.
 */
export function fenceFor(lines: readonly string[]): string {
  const longest = Math.max(2, ...lines.map((l) => /^\s*(`{3,})/.exec(l)?.[1]?.length ?? 0));
  return '`'.repeat(longest + 1);
}

/** A file offset's 0-based line. */
export function lineFinder(text: string): (index: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
}
