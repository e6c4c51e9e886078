import type { MdNode } from './types.js';

/** A heading and the blocks under it up to the next heading of any level. */
export interface Section {
  /** Titles of the enclosing headings, outermost first, ending with this section's own. */
  path: string[];
  heading: MdNode | undefined;
  /** Blocks after the heading. */
  body: MdNode[];
}

/**
 * Splits top-level blocks into sections. Only top-level headings open sections (a heading
 * inside a list or quote is part of that block). Skipped levels leave no gap in the path:
 * H1 "A" then H3 "C" gives ["A", "C"]. Headings with no text still bound sections but add
 * nothing to the path.
 *
 * `rootTitle` (the front matter's `title`) becomes the first element of every path, but only
 * when the document has no H1: an H1 is the document's own title and wins over metadata.
 */
export function splitSections(nodes: readonly MdNode[], rootTitle: string | undefined): Section[] {
  const hasH1 = nodes.some((n) => n.kind === 'heading' && n.level === 1);
  const root = rootTitle !== undefined && !hasH1 ? [rootTitle] : [];
  const open: { level: number; title: string }[] = [];
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const node of nodes) {
    if (node.kind === 'heading') {
      const level = node.level ?? 1;
      while (open.length > 0 && open.at(-1)!.level >= level) open.pop();
      open.push({ level, title: node.title ?? '' });
      // A heading under one of the same title says it once: a one-page edition (mdBook's
      // print.html) puts each chapter's name over the chapter's own first heading.
      const titles = open
        .map((h) => h.title)
        .filter((t) => t !== '')
        .filter((t, i, all) => i === 0 || t !== all[i - 1]);
      // A heading that repeats the root (a reference page's name beside its sections) says it once.
      const path = root.length && titles[0] === root[0] ? titles : [...root, ...titles];
      current = { path, heading: node, body: [] };
      sections.push(current);
    } else {
      if (!current) {
        current = { path: [...root], heading: undefined, body: [] };
        sections.push(current);
      }
      current.body.push(node);
    }
  }
  return sections;
}
