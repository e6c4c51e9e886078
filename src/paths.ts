import { relative, sep } from 'node:path';

/** Whether `child` lies strictly below `parent` (both absolute). Light on purpose: the CLI imports it. */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !isOutside(rel) && !rel.startsWith(sep);
}

/** Whether a relative path climbs out (`..`, `../x`); a name that merely starts with `..` does not. */
export function isOutside(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith('../');
}
