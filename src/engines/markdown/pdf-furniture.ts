/**
 * What a PDF's pages print around their text rather than as it: running heads and feet, page
 * numbers. A book's heads change with its chapters (`Chapter 5: Interfaces 169`), alternate
 * between even and odd pages (`150 gnuplot 5.4`, `gnuplot 5.4 151`) and carry the page's number,
 * so no one line recurs on most pages; what they share is where they sit and what they say there.
 */

/** A line of a page as pdf.ts reads it. */
export interface EdgeLine {
  text: string;
  /** Its baseline, in PDF units from the page's bottom. */
  y: number;
  /** Whether a wider gap than a line's height separates it from the line above. */
  gapAbove: boolean;
}

/** Lines from each edge of a page that may be furniture: a head over a subhead, a foot over its page number. */
const EDGE_LINES = 2;

/** A line that is only a page number (`12`, `- 12 -`, `xiv`, `Page 3 of 9`), at a page's top or bottom. */
const PAGE_NUMBER = /^(?:[-–—\s]*\d+[-–—\s]*|[ivxlc]+|page \d+(?: of \d+)?)$/i;

/**
 * Pages that must share a numbering (a printed number at the same distance from the physical
 * page's), or a place where a number or a head is printed, before it is taken as the page's
 * furniture: a line that happens to end in its page's number is not, nor are a few footnotes
 * whose numbers keep pace with the pages early in a book; a book's front matter, numbered apart,
 * is a few pages.
 */
const RECURRING_SHARE = 0.2;
const RECURRING_LEAST = 3;

/**
 * Lines per shape, at least, in the place a chapter's running head is printed: one head
 * recurs on its chapter's pages, where a page's first or last lines of text are each different.
 */
const PLACE_LINES_PER_SHAPE = 3;

/** Points a running head's baseline may move between pages: they are set in one place. */
const SAME_PLACE_PT = 2;

/**
 * Pages either side of a page that a chapter's running head is looked for in, and on how many of
 * them it must recur: a head that changes with each chapter recurs on the chapter's pages, or on
 * every other one where even and odd pages differ.
 */
const NEARBY_PAGES = 4;
const NEARBY_REPEATS = 2;

/** A line's shape for spotting running heads: digits (page numbers) are all alike. */
type Shape = (line: EdgeLine) => string;

/** `Shape`, each line's worked out once: lines are compared with those of nearby pages many times. */
function shapes(): Shape {
  const known = new Map<EdgeLine, string>();
  return (line) => {
    let s = known.get(line);
    if (s === undefined) {
      s = line.text.trim().replace(/\d+/g, '#').toLowerCase();
      known.set(line, s);
    }
    return s;
  };
}

/**
 * The furniture among `pages`' lines: at a page's top or bottom (its first two lines, its last
 * two), a line that is
 *
 * - a lone page number;
 * - the page's printed number (its label, `labels[p]`, or its number in a numbering that many
 *   pages print) and text beside it, where other pages print their numbers (`Chapter 5: Interfaces
 *   169`, `gnuplot 5.4 151`): a body line that ends in the same number sits elsewhere;
 * - of a shape (digits ignored) found there on half the pages or more;
 * - of a shape found at the same edge, in the same place, on nearby pages (a chapter's head
 *   without a number), with words in it and a gap between it and the text: the outermost line,
 *   or the next one when the outermost is furniture too.
 *
 * A line of code or a heading that happens to open a page, even on a few pages, is none of these.
 */
export function pageFurniture<L extends EdgeLine>(
  pages: readonly (readonly L[])[],
  labels: readonly string[] | null = null,
): Set<L> {
  const tops = pages.map((lines) => lines.slice(0, EDGE_LINES));
  // Outermost first, as `tops`.
  const bottoms = pages.map((lines) => lines.slice(-EDGE_LINES).reverse());
  const edges = pages.map((_, p) => [...new Set([...tops[p]!, ...bottoms[p]!])]);
  const least = Math.min(pages.length, Math.max(RECURRING_LEAST, pages.length * RECURRING_SHARE));
  const printed = printedNumbers(edges, labels, least);
  const furniture = new Set<L>();
  const shape = shapes();

  // The lines that print their page's number, and where: a book prints its numbers in one place
  // (or two: even and odd pages), a page its number once.
  const numbered = new Set<L>();
  edges.forEach((lines, p) => {
    for (const line of lines) {
      if (PAGE_NUMBER.test(line.text.trim())) furniture.add(line);
      if (printed(p, line.text)) numbered.add(line);
    }
  });
  const places = [...numbered].map((l) => l.y).sort((a, b) => a - b);
  for (const line of numbered) {
    if (countWithin(places, line.y - SAME_PLACE_PT, line.y + SAME_PLACE_PT) >= least) furniture.add(line);
  }

  const counts = new Map<string, number>();
  for (const lines of edges) {
    for (const s of new Set(lines.map(shape))) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const half = Math.max(RECURRING_LEAST, pages.length / 2);
  for (const lines of edges) {
    for (const line of lines) if ((counts.get(shape(line)) ?? 0) >= half) furniture.add(line);
  }

  for (const [side, isTop] of [
    [tops, true],
    [bottoms, false],
  ] as const) {
    side.forEach((edge, p) => {
      for (const line of edge) {
        const isHead = () =>
          isHeadNearby(line, p, side, shape) &&
          isSetApart(line, pages[p]!, isTop) &&
          isHeadsPlace(line, side, shape);
        if (!furniture.has(line) && !isHead()) break;
        furniture.add(line);
      }
    });
  }
  return furniture;
}

/** How many of the ascending `values` lie within `from..to`. */
function countWithin(values: readonly number[], from: number, to: number): number {
  // The first index whose value is over `bound`, or at it too when `orAt`.
  const index = (bound: number, orAt: boolean) => {
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[mid]! < bound || (!orAt && values[mid] === bound)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return index(to, false) - index(from, true);
}

/**
 * Whether `text` holds page `p`'s printed number: its first or last word is the page's label, or
 * its number in a numbering that `least` pages print at their edges.
 */
function printedNumbers(
  edges: readonly (readonly EdgeLine[])[],
  labels: readonly string[] | null,
  least: number,
): (p: number, text: string) => boolean {
  const ends = (text: string) => {
    const words = text.trim().toLowerCase().split(/\s+/);
    return [words[0]!, words.at(-1)!];
  };
  const votes = new Map<number, number>();
  edges.forEach((lines, p) => {
    const offsets = new Set<number>();
    for (const line of lines) {
      for (const word of ends(line.text)) if (/^\d+$/.test(word)) offsets.add(Number(word) - p);
    }
    for (const offset of offsets) votes.set(offset, (votes.get(offset) ?? 0) + 1);
  });
  const offsets = [...votes].filter(([, n]) => n >= least).map(([offset]) => offset);
  return (p, text) =>
    ends(text).some(
      (word) =>
        word === labels?.[p]?.trim().toLowerCase() || offsets.some((offset) => word === String(p + offset)),
    );
}

/** Whether a line of the same shape sits in the same place at the same edge of nearby pages. */
function isHeadNearby(
  line: EdgeLine,
  p: number,
  side: readonly (readonly EdgeLine[])[],
  shape: Shape,
): boolean {
  if (!/\p{L}/u.test(line.text)) return false;
  const s = shape(line);
  let repeats = 0;
  for (let q = Math.max(0, p - NEARBY_PAGES); q <= Math.min(side.length - 1, p + NEARBY_PAGES); q++) {
    if (q !== p && side[q]!.some((l) => shape(l) === s && Math.abs(l.y - line.y) <= SAME_PLACE_PT)) repeats++;
  }
  return repeats >= NEARBY_REPEATS;
}

/**
 * Whether `line`'s place at its edge (lines there on any page, within a point or two) holds few
 * texts, each on several pages: running heads, not the text that opens or closes each page.
 */
function isHeadsPlace(line: EdgeLine, side: readonly (readonly EdgeLine[])[], shape: Shape): boolean {
  const texts = new Set<string>();
  let lines = 0;
  for (const edge of side) {
    for (const l of edge) {
      if (Math.abs(l.y - line.y) > SAME_PLACE_PT) continue;
      lines++;
      texts.add(shape(l));
    }
  }
  return texts.size * PLACE_LINES_PER_SHAPE <= lines;
}

/** Whether a gap wider than a line separates `line` from the page's text below it (a head) or above it (a foot). */
function isSetApart(line: EdgeLine, lines: readonly EdgeLine[], isTop: boolean): boolean {
  if (!isTop) return line.gapAbove;
  const next = lines[lines.indexOf(line) + 1];
  return !next || next.gapAbove;
}
