import type { FtsOptions } from '@lancedb/lancedb';

/** Knobs of the LanceDB store. Each default says why; tests shrink a few to stay fast. */
export interface StoreTuning {
  /**
   * Brute-force vector search is exact and, at 384 dimensions, scans 50k rows (~75 MB of
   * float32) in tens of milliseconds; below that an ANN index only adds build time and
   * recall loss. Default 50,000.
   */
  vectorIndexMinRows: number;
  /**
   * Old versions are kept this long by `optimize()`: a search that started on an older
   * version must still find its files (ours take milliseconds). Longer costs disk: each
   * compaction rewrites the table (see optimize-policy.ts), and every rewrite is kept this
   * long — with 5 minutes the benchmark's 10k-row table used 300–540 MB instead of ~20.
   * The version before the newest survives anyway (cleanup never removes the current one),
   * which is what falling back from a damaged newest manifest needs. Default 1 minute.
   */
  keepVersionsMs: number;
  /**
   * Values per `IN (…)` list in `vectorsByContentHash` and `vectorsForPaths`: long enough
   * that a big file costs one query, short enough that the SQL stays small to parse.
   * Default 500.
   */
  hashLookupBatch: number;
  /** Hybrid candidates per leg: max(k × factor, minimum). Default 4 and 50. */
  candidateFactor: number;
  candidateMinimum: number;
  /**
   * Hybrid search's share of the vector leg in relative score fusion (`fuseRelativeScores`);
   * the text leg gets the rest. Default 0.5: equal shares, so the best chunk of either leg scores
   * at least 0.5 — a word only full-text search finds (the model does not know it) is not buried
   * under the vector leg's near misses. 0.7 (LanceDB's LinearCombinationReranker default) ranks
   * questions in other words better and such words worse (docs/bench-quality.md).
   */
  hybridVectorWeight: number;
  /**
   * Hybrid search: a candidate's fused score gains this × the sum of the fused scores of its
   * file's other candidates (`withFileEvidence`), so that of two near-equal chunks the one in a
   * file that matches the query in several places ranks first. Default 0.01: it settles
   * near-ties without lifting a weak chunk over a clearly better one; chosen on the held-out
   * corpora (docs/BENCHMARKS.md, "Hybrid ranking, held out"), where 0.03 and more began to rank
   * other sections of the right file above the answer. 0 turns it off.
   */
  fileEvidenceWeight: number;
  /**
   * LanceDB's session caches, in bytes. Its defaults (6 GB of index data, 1 GB of metadata) are
   * for servers: every optimize writes a new full-text index and a new manifest, the cache
   * keeps the old ones too, and a daemon that runs for weeks grows without end (a 5,000-file
   * cold index: the daemon's RSS rose 223 → 290 MB, median of the first and last quarter, and
   * kept rising; bench/daemon/idle-and-rss.mjs; test/integration/store/cache.test.ts shows the
   * growth). Defaults 128 MiB and 64 MiB: the full-text index of the ingestion benchmark's
   * 15,670 chunks is 1.9 MB on disk, so a personal corpus's indexes fit many times over.
   */
  indexCacheBytes: number;
  metadataCacheBytes: number;
  /**
   * `LanceStore.renewCachesIfStale` starts fresh caches once they hold more than this and more
   * than 3× what they held in use after the last renewal. Default 32 MiB: 7× what 300 hybrid
   * searches of a 20k-chunk index keep (4.3 MB).
   */
  renewCachesAboveBytes: number;
}

export const DEFAULT_TUNING: Readonly<StoreTuning> = Object.freeze({
  vectorIndexMinRows: 50_000,
  keepVersionsMs: 60_000,
  hashLookupBatch: 500,
  candidateFactor: 4,
  candidateMinimum: 50,
  hybridVectorWeight: 0.5,
  fileEvidenceWeight: 0.01,
  indexCacheBytes: 128 * 2 ** 20,
  metadataCacheBytes: 64 * 2 ** 20,
  renewCachesAboveBytes: 32 * 2 ** 20,
});

/**
 * Tokenizer of the full-text index on `text`, for English notes and docs that mention code:
 * - `simple` splits on anything not a letter or digit, so `snake_case`, `a.b.c` and
 *   `path/to/file` yield their parts; camelCase stays one token (`getUserName` →
 *   `getusername`), and the query is tokenized the same way, so it still matches whole;
 * - lowercase and ASCII folding: `Café` finds `cafe`;
 * - English stemming: `installing` finds `installation` (both stem to `instal`);
 * - stop words are kept: BM25's IDF already discounts them, and removing them makes
 *   queries such as `to be or not to be` or code words (`if`, `in`, `not`) find nothing;
 * - no positions: we never run phrase queries, and positions double the index's size.
 */
export const FTS_OPTIONS: Readonly<Partial<FtsOptions>> = Object.freeze({
  baseTokenizer: 'simple',
  language: 'English',
  lowercase: true,
  asciiFolding: true,
  stem: true,
  removeStopWords: false,
  withPosition: false,
});
