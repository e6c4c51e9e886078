// How a question's answer is labelled and judged, shared by eval.mjs and dump-legs.mjs.
import { readFileSync } from 'node:fs';

/**
 * A section labelled by its heading alone (the held-out corpora's questions): the lines from the
 * first Markdown heading whose text starts with `heading` to the line before the next heading of
 * the same or a higher level. A label that names no heading stops the run: it would count as a
 * miss in every mode and hide a broken label.
 */
export function sectionLines(file, heading, id) {
  const lines = readFileSync(file, 'utf8').split('\n');
  // A `# comment` inside a code fence is no heading.
  let fenced = false;
  const levels = lines.map((l) => {
    if (/^\s*(```|~~~)/.test(l)) fenced = !fenced;
    return fenced ? 0 : (/^(#{1,6}) /.exec(l)?.[1].length ?? 0);
  });
  const text = (i) => lines[i].replace(/^#+ /, '').trim();
  let start = lines.findIndex((_, i) => levels[i] > 0 && text(i) === heading);
  if (start < 0) start = lines.findIndex((_, i) => levels[i] > 0 && text(i).startsWith(heading));
  if (start < 0) throw new Error(`${id}: no heading starting with ${JSON.stringify(heading)} in ${file}`);
  const own = levels[start];
  let end = start + 1;
  while (end < lines.length && !(levels[end] > 0 && levels[end] <= own)) end++;
  return [start + 1, end];
}

/**
 * Whether a hit (`rel`, `startLine`, `endLine`) is in a labelled file, and overlaps a labelled
 * section; a hit that stands for copies of its passage in other files (`copies`, each with `rel`,
 * `startLine`, `endLine`) answers where any of its places does, as the user is shown them all.
 */
export function judge(q) {
  const byPath = new Map(q.relevant.map((r) => [r.path, r.sections ?? []]));
  const file = (h) => byPath.has(h.rel);
  const section = (h) =>
    byPath.has(h.rel) && byPath.get(h.rel).some((s) => h.startLine <= s.lines[1] && h.endLine >= s.lines[0]);
  // A hit answers where any of the places it shows does: its copies, its passage's other rows.
  const anyPlace = (is) => (h) => is(h) || (h.copies ?? []).some(is) || (h.parts ?? []).some(is);
  return { file: anyPlace(file), section: anyPlace(section) };
}
