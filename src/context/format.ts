import { placeUnit } from '../engines/markdown/units.js';
import type { ContextResultJson, WireContextBlock } from './types.js';

/**
 * A block as the text output shows it: one header line with the place and why it is there,
 * then the lines. What the budget counts (with absolute paths, the longest form), and what
 * `ragctl context` prints (with `showPath`'s shorter paths), so the printed text never holds
 * more tokens than `tokens` says.
 */
export function renderBlock(block: WireContextBlock, showPath: (path: string) => string = (p) => p): string {
  const name = block.symbol !== null ? nameInFile(block.symbol) : block.heading_path.join(' › ');
  const role = block.role === 'hit' ? `hit ${block.score.toFixed(3)}` : block.role;
  // An outline's range is the class's, its text the signatures: said, so no one edits by it.
  const why = block.outline ? `${role}; outline, bodies elided` : role;
  return `--- ${placeOf(block, showPath)}${name ? ` ${name}` : ''} (${why})\n${block.text}\n`;
}

/**
 * `lines 549-558, 571-580`, in order, or `pages 3, 5-6` for a file whose places are pages
 * (units.ts): where else in one file a hit's passage matched. Places that follow each other are
 * one; past the first six, `and 4 more`.
 */
export function spansIn(path: string, spans: readonly { start_line: number; end_line: number }[]): string {
  const unit = placeUnit(path) ?? 'line';
  const sorted = [...spans].sort((a, b) => a.start_line - b.start_line || a.end_line - b.end_line);
  // A section's pieces follow each other with a blank line between: one place to read, not five.
  // Pages, slides and chapters join only when they follow each other.
  const gap = unit === 'line' ? 2 : 1;
  const places: { start_line: number; end_line: number }[] = [];
  for (const { start_line, end_line } of sorted) {
    const last = places.at(-1);
    if (last && start_line <= last.end_line + gap) last.end_line = Math.max(last.end_line, end_line);
    else places.push({ start_line, end_line });
  }
  const plural =
    places.length > 1 || (places[0] !== undefined && places[0].start_line !== places[0].end_line);
  const shown = places.slice(0, MAX_PLACES_LISTED).map(spanText);
  const more = places.length - shown.length;
  return `${unit}${plural ? 's' : ''} ${shown.join(', ')}${more ? ` and ${more} more` : ''}`;
}

/** Places listed in one line of a hit; the rest are counted (a class outline may have 20). */
const MAX_PLACES_LISTED = 6;

/** `3-4`, or `3` for one line (or page). */
function spanText(place: { start_line: number; end_line: number }): string {
  return place.end_line !== place.start_line
    ? `${place.start_line}-${place.end_line}`
    : `${place.start_line}`;
}

/**
 * `path:start-end`, or `path:line` for one line, the path as `showPath` shows it; a file whose
 * places are pages, slides or chapters (units.ts) as `path (pages 3-4)`, and a PDF's pages that
 * print other numbers (its chunker's `metadata.pageLabels`) as `path (pages 146-147, printed 139-140)`.
 */
export function placeOf(
  place: { path: string; start_line: number; end_line: number; metadata?: Readonly<Record<string, unknown>> },
  showPath: (path: string) => string = (p) => p,
): string {
  const span = spanText(place);
  // A PDF's "lines" are pages: `report.pdf:3-4` would send an editor (or an agent) to lines of a binary.
  const unit = placeUnit(place.path);
  // The page a viewer opens, then the number the page prints, which the book's own references use.
  const labels = place.metadata?.pageLabels;
  const printed = typeof labels === 'string' && labels ? `, printed ${labels}` : '';
  if (unit)
    return `${showPath(place.path)} (${unit}${place.end_line !== place.start_line ? 's' : ''} ${span}${printed})`;
  return `${showPath(place.path)}:${span}`;
}

/** The whole context as text, ready to paste: blocks in order, a blank line between them. */
export function formatContext(result: ContextResultJson, showPath?: (path: string) => string): string {
  if (result.blocks.length === 0) return '';
  return result.blocks.map((b) => renderBlock(b, showPath)).join('\n');
}

/** `shop/cart.py:Cart.total` → `Cart.total`; the path is already in the header. */
export function nameInFile(symbol: string): string {
  const colon = symbol.lastIndexOf(':');
  return colon < 0 ? '' : symbol.slice(colon + 1);
}

/** What an empty context says: nothing found, or found but nothing fits the budget. */
export function emptyContext(result: { query: string; budget: number; dropped: number }): string {
  return result.dropped > 0
    ? `No context for “${result.query}”: its first hit alone is over the budget of ${result.budget} tokens (${result.dropped} blocks found); raise the budget.`
    : `No context for “${result.query}”: nothing found.`;
}
