import { relative, sep } from 'node:path';

/** Whether `child` lies strictly below `parent` (both absolute). Light on purpose: the CLI imports it. */
export function isInside(child: string, parent: string): boolean {
  const rel = relativePath(parent, child);
  return rel !== '' && !isOutside(rel) && !rel.startsWith(sep);
}

/** Whether a relative path climbs out (`..`, `../x`); a name that merely starts with `..` does not. */
export function isOutside(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith('../');
}

/** `.` or `..` segments, or an empty one: a path the fast path of relativePath leaves to node:path. */
const UNNORMALIZED = /(^|\/)\.\.?(\/|$)|\/\/|\/$|^\//;

/**
 * `path.relative(from, to)`, without its two `path.resolve` calls in the common case of `to`
 * written below `from` (a walk's joins, a watcher's events): a walk asks this several times per
 * file, and the resolves were a fifth of its time.
 */
export function relativePath(from: string, to: string): string {
  if (sep === '/' && to.length > from.length + 1 && to.startsWith(from) && from.startsWith('/')) {
    const cut = from.endsWith('/') ? from.length : from.length + 1;
    if (to[cut - 1] === '/') {
      const rest = to.slice(cut);
      if (!UNNORMALIZED.test(rest) && !UNNORMALIZED.test(from === '/' ? '' : from.slice(1))) return rest;
    }
  }
  return relative(from, to);
}

/**
 * Items grouped by their folder, folders in the order first seen: a config's sources (one per
 * folder and engine) by the folder several engines may share, or their filters by root.
 */
export function byFolder<T>(items: readonly T[], folderOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const folder = folderOf(item);
    const group = out.get(folder);
    if (group) group.push(item);
    else out.set(folder, [item]);
  }
  return out;
}

/** The folders of a config's sources, each once (a folder read by several engines is several sources). */
export function sourceFolders(sources: readonly { readonly path: string }[]): string[] {
  return [...byFolder(sources, (s) => s.path).keys()];
}
