import { exactExplanation, withExactFirst } from '../store/exact-first.js';
import { withFileEvidence } from '../store/file-evidence.js';
import { fuseRelativeScores, fuseRrf, normalizedScores } from '../store/search.js';
import type { ExactTerm, MergeExplanation, SearchHit, SearchMode } from '../store/types.js';

export interface MergeOptions {
  mode: SearchMode;
  k: number;
  /** The constant of the rank merge, used when the tables' similarities are not comparable. */
  rrfK: number;
  /** Every table was embedded with one model (same id and dimension): its similarities share one scale. */
  oneModel: boolean;
  /** Keep each hit's `explain` and add `merge`; otherwise hits go back without `explain`. */
  explain: boolean;
  /** Hits to return past the first k, for a caller that folds copies away; ranks stay k's. Default 0. */
  spare?: number;
  /** The query is one name: the hits defining it rank first (`withExactFirst`); not in vector mode. */
  exact?: ExactTerm | undefined;
}

/**
 * Several engines' answers as one list of k. Each list is one table's: in hybrid mode every
 * candidate of both its legs with `explain` (`SearchRequest.candidates`), otherwise its top k.
 *
 * Why not by rank: each table's first hit is first whatever its evidence, so a merge by rank put
 * a Markdown note that matched a question in both legs level with the nearest, barely similar
 * line of a SQL log, and the tie fell to the id. A table's own fused scores are no better: they
 * are min-max normalised over that table's candidates, so every table's best is near 1. What is
 * comparable is the evidence itself: one model's cosine similarities, and (less strictly, as each
 * table has its own term statistics) BM25 scores. So hybrid fuses all tables' candidates again as
 * one pool, as the store fuses one table's (same weights, rank-down factors and file evidence);
 * a table that only matched weakly then ranks low. Tables of different models fall back to ranks.
 */
export function mergeEngines(lists: readonly (readonly SearchHit[])[], options: MergeOptions): SearchHit[] {
  const { mode, explain } = options;
  const wanted = options.k + (options.spare ?? 0);
  // Every hybrid candidate is here, so holders of the query's identifier are put first before the cut.
  if (options.oneModel && mode === 'hybrid')
    return exactFirst(fusedAgain(lists.flat(), explain), options.exact, explain).slice(0, wanted);
  const merged =
    !options.oneModel && mode !== 'text'
      ? byRank(lists, options, wanted)
      : lists
          .flat()
          .sort(byScore)
          .slice(0, wanted)
          .map((hit) =>
            withMerge(
              hit,
              explain ? { method: mode === 'vector' ? 'similarity' : 'bm25', score: hit.score } : undefined,
            ),
          );
  return mode === 'vector' ? merged : exactFirst(merged, options.exact, explain);
}

/** `withExactFirst` over the merged list; each hit's `explain` says whether it holds (or defines) the term. */
function exactFirst(hits: readonly SearchHit[], exact: ExactTerm | undefined, explain: boolean): SearchHit[] {
  const order = withExactFirst(hits, exact);
  const ordered = order.hits;
  if (!explain || !exact) return ordered;
  return ordered.map((hit) => {
    if (!hit.explain) return hit;
    const merge = hit.explain.merge;
    const held = merge && hit.score < merge.score ? { merge: { ...merge, heldAt: hit.score } } : {};
    return {
      ...hit,
      explain: { ...hit.explain, ...held, exact: exactExplanation(exact, hit.id, order) },
    };
  });
}

/**
 * Whether each table's full-text leg returned fewer candidates than set its scale
 * (`FusionExplanation.scale`): all its matches. Every candidate is here, so a leg's deepest rank
 * is how many it returned.
 */
function textLegsComplete(candidates: readonly SearchHit[]): boolean {
  const byEngine = new Map<string, { deepest: number; scale: number }>();
  for (const hit of candidates) {
    const fusion = hit.explain?.fusion;
    if (!fusion) continue;
    const leg = byEngine.get(hit.engine) ?? { deepest: 0, scale: fusion.scale };
    leg.deepest = Math.max(leg.deepest, hit.explain?.text?.rank ?? 0);
    byEngine.set(hit.engine, leg);
  }
  return [...byEngine.values()].every((leg) => leg.deepest < leg.scale);
}

function fusedAgain(candidates: readonly SearchHit[], explain: boolean): SearchHit[] {
  const fusion = candidates.find((h) => h.explain?.fusion)?.explain?.fusion;
  if (!fusion) return [];
  const byVector: SearchHit[] = [];
  const byText: SearchHit[] = [];
  for (const hit of candidates) {
    const e = hit.explain!;
    if (e.vector) byVector.push({ ...hit, score: 1 - e.vector.distance });
    if (e.text) byText.push({ ...hit, score: e.text.bm25 });
  }
  // As in each table: the candidates among their table's leg's first `scale` set the scale, and a
  // text leg shorter than that in every table holds every match (see the store's).
  const depth = fusion.scale;
  const scale = {
    textFloor: textLegsComplete(candidates) ? 0 : undefined,
    vectorScale: byVector.filter((h) => h.explain!.vector!.rank <= depth),
    textScale: byText.filter((h) => h.explain!.text!.rank <= depth),
  };
  // A candidate past its table's first `scale` in a leg adds nothing there, as in its table,
  // though another table's scale reaches lower: a larger k reads deeper, and those candidates
  // would otherwise lift their files' first hits through file evidence. So does one from a later
  // round of a collapsing table, whose ranks are put past its first pool (its scores come from a
  // query that left the earlier rounds' rows out: not comparable).
  const fused = fuseRelativeScores(byVector, byText, fusion.weights.vector, Number.POSITIVE_INFINITY, scale);
  const best = fused[0]?.score ?? 0;
  // A definition read by its name scores at least the best, as in its table (the store's `withNamed`).
  for (const hit of fused) if (hit.named) hit.score = Math.max(hit.score, best);
  // One read by its name and in neither leg: at the best score, as its table had it.
  const inLegs = new Set(fused.map((h) => h.id));
  const named = candidates.filter((h) => !inLegs.has(h.id)).map((h) => ({ ...h, score: best }));
  // A hit its own table ranked down (a test file in the code table) keeps that factor here.
  const lowered = [...named, ...fused].map((hit) => ({
    ...hit,
    score: hit.score * (hit.rankedDown ?? 1),
  }));
  const { hits: top, evidence } = withFileEvidence(lowered, fusion.file.weight);
  if (!explain) return top.map((hit) => withMerge(hit, undefined));
  const normalized = {
    vector: normalizedScores(byVector, undefined, scale.vectorScale),
    text: normalizedScores(byText, scale.textFloor, scale.textScale),
  };
  return top.map((hit) =>
    withMerge(hit, {
      method: 'relative-score',
      candidates: candidates.length,
      normalized: {
        vector: normalized.vector.get(hit.id) ?? null,
        text: normalized.text.get(hit.id) ?? null,
      },
      file: { weight: fusion.file.weight, evidence: evidence.get(hit.id) ?? 0 },
      score: hit.score,
    }),
  );
}

/** Tables of different models: 1/(rrfK + rank) over each table's top k; the first `wanted` of that. */
function byRank(
  lists: readonly (readonly SearchHit[])[],
  options: MergeOptions,
  wanted: number,
): SearchHit[] {
  const { k, rrfK, explain } = options;
  const tops = lists.map((list) => list.slice(0, k));
  const rankOf = new Map(tops.flatMap((list) => list.map((h, i) => [h.id, i + 1] as const)));
  return fuseRrf(tops, rrfK, wanted).map((hit) =>
    withMerge(
      hit,
      explain ? { method: 'rrf', k: rrfK, rank: rankOf.get(hit.id) ?? 0, score: hit.score } : undefined,
    ),
  );
}

/** The hit with `merge` added to its `explain`, or without `explain` when none was asked for. */
function withMerge(hit: SearchHit, merge: MergeExplanation | undefined): SearchHit {
  const { explain, ...rest } = hit;
  return merge && explain ? { ...rest, explain: { ...explain, merge } } : rest;
}

function byScore(a: SearchHit, b: SearchHit): number {
  return b.score - a.score || (a.id < b.id ? -1 : 1);
}
