import { appendAll } from '../../arrays.js';
import type { Meter } from './meter.js';
import type { Section } from './sections.js';
import { splitNode } from './split.js';
import type { Draft, Span } from './types.js';

/**
 * A heading up to this share of the budget is kept with the text under it (the rest of the
 * section's blocks get a budget that leaves room for it), so that a heading never ends up as a
 * chunk of its own. A longer one (a setext heading over a whole paragraph) is just text.
 */
const MAX_GLUED_HEADING_SHARE = 0.5;

/**
 * Packs one section into drafts: its pieces, in order, as many to a draft as fit the budget
 * left after the section's breadcrumb. Packing restarts at every section, so an edit moves
 * chunk boundaries inside its own section at most. `showsNothing` tells a piece the rendered
 * page hides (hidden.ts): a draft of its heading and such pieces is a heading only, and one of
 * such pieces alone is `isHidden`.
 */
export function packSection(
  section: Section,
  meter: Meter,
  showsNothing: (span: Span) => boolean = () => false,
): Draft[] {
  const path = section.path;
  // Text before the first heading is no section: a headingless note's pieces stand alone.
  const sectionLine = section.heading?.start;
  const budget = meter.maxContent - meter.breadcrumb(path).tokens;
  const pieces: Span[] = [];
  let glued: Span | undefined;
  let bodyBudget = budget;
  if (section.heading) {
    const heading = splitNode(section.heading, budget, meter);
    if (heading.length === 1 && heading[0]!.tokens <= budget * MAX_GLUED_HEADING_SHARE) {
      glued = heading[0]!;
      bodyBudget = budget - glued.tokens;
    }
    appendAll(pieces, heading);
  }
  for (const node of section.body) appendAll(pieces, splitNode(node, bodyBudget, meter));

  const drafts: Draft[] = [];
  if (glued && pieces.length === 1)
    return [{ span: glued, parts: [glued], path, isHeadingOnly: true, sectionLine }];
  let current: Draft | undefined;
  for (const piece of pieces) {
    if (piece.isOversize) {
      // A code block over the limit stands alone; only its own heading may lead it.
      if (current?.parts.length === 1 && current.parts[0] === glued) {
        drafts.push({
          span: meter.join(current.span, piece),
          parts: [...current.parts, piece],
          path,
          isHeadingOnly: false,
          sectionLine,
        });
      } else {
        if (current) drafts.push(current);
        drafts.push({ span: piece, parts: [piece], path, isHeadingOnly: false, sectionLine });
      }
      current = undefined;
      continue;
    }
    if (current) {
      const joined = meter.join(current.span, piece);
      if (joined.tokens <= budget) {
        current.span = joined;
        current.parts.push(piece);
        continue;
      }
      drafts.push(current);
    }
    current = { span: piece, parts: [piece], path, isHeadingOnly: false, sectionLine };
  }
  if (current) drafts.push(current);
  for (const draft of drafts) {
    if (draft.span.isOversize || !draft.parts.every((p) => p === glued || showsNothing(p))) continue;
    if (draft.parts[0] === glued) draft.isHeadingOnly = true;
    else draft.isHidden = true;
  }
  return drafts;
}

/** Drafts that show a reader something: a hidden one that could join no neighbour goes. */
export function withoutHidden(drafts: readonly Draft[]): Draft[] {
  return drafts.filter((draft) => !draft.isHidden);
}

/**
 * Merges drafts under `minTokens` into a neighbour, when the result fits. A small draft goes
 * to the neighbour it shares more headings with, the next one on a tie (a heading with one
 * line under it joins the section that follows); a merged draft's path is the headings both
 * parts share, so no part is labelled with a heading it is not under — except that headings
 * with nothing under them take the path of the subsection they lead into.
 */
export function mergeSmall(drafts: readonly Draft[], meter: Meter, minTokens: number): Draft[] {
  const isSmall = (d: Draft): boolean => !d.span.isOversize && d.span.tokens < minTokens;
  // Two small ones make a chunk; a small one joins a large one under a shared heading only.
  const mayJoin = (a: Draft, b: Draft): boolean =>
    (isSmall(a) && isSmall(b)) || ((isSmall(a) || isSmall(b)) && !apart(a, b));
  const out: Draft[] = [];
  for (let i = 0; i < drafts.length; i++) {
    const draft = drafts[i]!;
    const prev = out.at(-1);
    if (prev && mayJoin(prev, draft)) {
      const merged = merge(prev, draft, meter);
      const next = drafts[i + 1];
      const waitForNext =
        !isSmall(prev) &&
        next !== undefined &&
        shared(draft.path, next.path) >= shared(prev.path, draft.path) &&
        merge(draft, next, meter) !== undefined;
      if (merged && !waitForNext) {
        out[out.length - 1] = merged;
        continue;
      }
    }
    out.push(draft);
  }
  return out;
}

/**
 * Whether two neighbours share no heading: the end of one chapter and the start of the next.
 * A small one joins a large one only under a shared heading, else the chunk would have no
 * breadcrumb and the second chapter's title would be a line of its text. Two small ones (a
 * note's `## Log` and `## Tasks`, with no title above them) still make one chunk.
 */
function apart(a: Draft, b: Draft): boolean {
  return a.path.length > 0 && b.path.length > 0 && !a.isHeadingOnly && shared(a.path, b.path) === 0;
}

/**
 * Drops a heading with nothing under it that could not join the text after it (the first
 * chunk of its subsection was full: a release note's title over "UI, Workflows & Features"),
 * when that text's breadcrumb already names it. Alone, it was a chunk of a title only, whose
 * vector is all title: it ranked above the text it introduces and showed an empty snippet.
 */
export function withoutLoneHeadings(drafts: readonly Draft[], meter: Meter): Draft[] {
  return drafts.filter((draft, i) => {
    const next = drafts[i + 1];
    if (!draft.isHeadingOnly || !next || draft.path.length === 0) return true;
    if (shared(draft.path, next.path) < draft.path.length) return true;
    return !meter.breadcrumb(next.path).prefix.includes(draft.path.at(-1)!);
  });
}

function merge(a: Draft, b: Draft, meter: Meter): Draft | undefined {
  if (a.span.isOversize || b.span.isOversize) return undefined;
  const common = shared(a.path, b.path);
  // Headings with nothing under them that lead into their own subsection ("# Guide", "## Install",
  // then text under "### macOS") take the path of the text they introduce.
  // Text before the first heading (a directive, a label, a README's badges) joined to the first
  // section: the chunk is mostly that section's, and under its heading.
  // Hidden markup (hidden.ts) is under no heading of its own: the chunk is its neighbour's.
  const path = b.isHidden
    ? a.path
    : a.isHidden ||
        (a.isHeadingOnly && common === a.path.length) ||
        (a.path.length === 0 && a.span.tokens < b.span.tokens)
      ? b.path
      : a.path.slice(0, common);
  const span = meter.join(a.span, b.span);
  if (span.tokens + meter.breadcrumb(path).tokens > meter.maxContent) return undefined;
  // Hidden markup beside a heading with nothing under it leaves it a heading with nothing under it.
  const headingOrHidden = (d: Draft) => d.isHeadingOnly || d.isHidden === true;
  return {
    span,
    parts: [...a.parts, ...b.parts],
    path,
    isHeadingOnly: headingOrHidden(a) && headingOrHidden(b) && (a.isHeadingOnly || b.isHeadingOnly),
    ...(a.isHidden && b.isHidden ? { isHidden: true } : {}),
    // Two sections' text together is a passage of neither.
    sectionLine: b.isHidden
      ? a.sectionLine
      : a.isHidden
        ? b.sectionLine
        : a.sectionLine === b.sectionLine
          ? a.sectionLine
          : undefined,
  };
}

/** How many leading headings two paths have in common. */
function shared(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
