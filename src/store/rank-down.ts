import { relative, sep } from 'node:path';
import type { RankDown, SearchHit } from './types.js';

/**
 * Multiplies the fused score of the hits that a rule of `rankDowns` matches (by their path
 * relative to their source root, or by their metadata) by its factor; a hit several rules match
 * takes the product, recorded as the hit's `rankedDown` (for a merge of engines and for
 * re-ranking), with the rules' names as `rankedDownFor` (for `explain`). Returns the hits in their old order: file evidence sorts them next.
 *
 * A query that asks for what a rule's rows hold (`unlessAsked`) leaves them as they were.
 *
 * Why a factor, not a filter: the rows stay findable (a question about a test still finds the
 * test, first when nothing else matches as well), they only lose near-ties to the rows that no
 * rule matches.
 */
export function withRankDown(
  hits: readonly SearchHit[],
  rankDowns: readonly RankDown[] | undefined,
  query = '',
): SearchHit[] {
  const rules = (rankDowns ?? []).filter((rule) => !rule.unlessAsked?.test(query));
  if (rules.length === 0) return [...hits];
  return hits.map((hit) => {
    const applied = rules.filter((rule) => matches(rule, hit));
    if (applied.length === 0) return hit;
    const factor = applied.reduce((product, rule) => product * rule.factor, 1);
    return {
      ...hit,
      score: hit.score * factor,
      rankedDown: factor,
      rankedDownFor: applied.map((r) => r.why),
    };
  });
}

function matches(rule: RankDown, hit: SearchHit): boolean {
  if (rule.paths?.test(relativePosix(hit.root, hit.path))) return true;
  return rule.rows?.(hit.metadata) === true;
}

function relativePosix(root: string, path: string): string {
  const rel = relative(root, path);
  return sep === '/' ? rel : rel.split(sep).join('/');
}
