import type { SearchHit } from './types.js';

/**
 * File evidence for hybrid search: each fused candidate gains `weight` × the sum of the fused
 * scores of the *other* candidates from its file, and the candidates are re-sorted.
 *
 * Why: an answer usually sits in a file that matches the question in several places (the page
 * about the topic), while a chunk that matches alone in an unrelated file is more often a
 * near miss of one leg. The sum, not the best, so that a file the question touches many times
 * counts more. The weight is small: it moves near-ties (two chunks a few hundredths apart after
 * fusion, such as one leg's lone best against the other's), it does not lift a weak chunk over a
 * clearly better one (measurements: docs/BENCHMARKS.md, "Hybrid ranking, held out").
 *
 * A ranked-down hit (`SearchHit.rankedDown`: a changelog entry, a listing, a test) neither
 * gains nor gives evidence: its rule says it names every topic, so many of its file's chunks
 * matching say nothing about the file being about this one; a changelog of hundreds of entries
 * otherwise gained more from its own size than its rank-down took away.
 *
 * `candidates` carry their fused score; returns the same hits with `score` raised, best first
 * (ties by id, as the fusion does), and each hit's evidence (the sum before weighting) by id.
 */
export function withFileEvidence(
  candidates: readonly SearchHit[],
  weight: number,
): { hits: SearchHit[]; evidence: Map<string, number> } {
  const perFile = new Map<string, { sum: number; count: number }>();
  for (const hit of candidates) {
    if (hit.rankedDown !== undefined) continue;
    const file = perFile.get(hit.path) ?? { sum: 0, count: 0 };
    file.sum += hit.score;
    file.count++;
    perFile.set(hit.path, file);
  }
  const evidence = new Map<string, number>();
  const hits = candidates.map((hit) => {
    const file = hit.rankedDown === undefined ? perFile.get(hit.path)! : undefined;
    // A file's only candidate has no other evidence (and no rounding residue of sum − score).
    const others = file && file.count > 1 ? file.sum - hit.score : 0;
    evidence.set(hit.id, others);
    return { ...hit, score: hit.score + weight * others };
  });
  hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return { hits, evidence };
}
