import { relative, sep } from 'node:path';
import type { RankDown, SearchHit } from './types.js';

/**
 * Multiplies the fused score of the hits whose path (relative to their source root) matches
 * `rankDown.paths` by its factor. Returns the hits in their old order (file evidence sorts them
 * next) and the ids it ranked down, for `explain`.
 *
 * A query that asks for what those rows hold (`rankDown.unlessAsked`) leaves every hit as it was.
 *
 * Why a factor, not a filter: the rows stay findable (a question about a test still finds the
 * test, first when nothing else matches as well), they only lose near-ties to the rows that
 * `paths` does not match.
 */
export function withRankDown(
  hits: readonly SearchHit[],
  rankDown: RankDown | undefined,
  query = '',
): { hits: SearchHit[]; rankedDown: Set<string> } {
  const rankedDown = new Set<string>();
  if (!rankDown || rankDown.unlessAsked?.test(query)) return { hits: [...hits], rankedDown };
  const out = hits.map((hit) => {
    if (!rankDown.paths.test(relativePosix(hit.root, hit.path))) return hit;
    rankedDown.add(hit.id);
    return { ...hit, score: hit.score * rankDown.factor };
  });
  return { hits: out, rankedDown };
}

function relativePosix(root: string, path: string): string {
  const rel = relative(root, path);
  return sep === '/' ? rel : rel.split(sep).join('/');
}
