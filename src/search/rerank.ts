import type { Embedder } from '../embed/types.js';
import type { SearchHit } from '../store/types.js';

/**
 * Hybrid's first hits re-ranked by late interaction (src/embed/late.ts): the query and each
 * hit's text read together, token by token, with the embedding model's own token vectors.
 * Fusing two legs cannot tell apart the candidates it already found (the answer is among the
 * legs' candidates for nearly every question, first for about half); reading each one against
 * the query can, as a cross-encoder would with weights no registry here ships
 * (docs/BENCHMARKS.md §56).
 *
 * Only the places of the hits that get a score move: those of tables whose engine re-ranks
 * (its mapper's `rerank`) and whose embedder has token vectors. Hits of one model are compared
 * with each other only. A hit its mapper ranked down (an index page, a changelog) keeps its place:
 * its entries name the query's words as closely as the answer does, so reading it against the
 * query would undo the rank-down. Each place keeps the score it had, so scores still fall down the list
 * and stay on hybrid's scale; `explain.rerank` tells the late score and the place before.
 */
export async function rerankLate(
  hits: readonly SearchHit[],
  query: string,
  depth: number,
  scorerOf: (hit: SearchHit) => Embedder | undefined,
  options: { explain: boolean; signal?: AbortSignal | undefined },
): Promise<SearchHit[]> {
  const out = [...hits];
  const groups = new Map<Embedder, number[]>();
  for (let place = 0; place < Math.min(depth, hits.length); place++) {
    const hit = hits[place]!;
    if (hit.rankedDown !== undefined) continue;
    const scorer = scorerOf(hit);
    if (!scorer?.lateScores) continue;
    const places = groups.get(scorer) ?? [];
    places.push(place);
    groups.set(scorer, places);
  }
  await Promise.all(
    [...groups].map(async ([scorer, places]) => {
      if (places.length < 2) return;
      const late = await scorer.lateScores!(
        query,
        places.map((p) => hits[p]!.text),
        { priority: 'query', signal: options.signal },
      );
      // Ties keep hybrid's order.
      const order = places.map((_, i) => i).sort((a, b) => late[b]! - late[a]! || a - b);
      order.forEach((from, to) => {
        const hit = hits[places[from]!]!;
        const place = places[to]!;
        const moved: SearchHit = { ...hit, score: hits[place]!.score };
        if (options.explain && hit.explain)
          moved.explain = {
            ...hit.explain,
            rerank: { method: 'late-interaction', late: late[from]!, before: places[from]! + 1, depth },
          };
        out[place] = moved;
      });
    }),
  );
  return out;
}
