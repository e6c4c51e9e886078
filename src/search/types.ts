import { toWireHit, type WireSearchHit } from '../ipc/protocol.js';
import type { LegTimings, SearchHit, SearchMode } from '../store/types.js';

/** A search as the CLI, the socket and the service take it: see params.ts. */
export type { SearchParams } from './params.js';

export interface SearchResult {
  query: string;
  mode: SearchMode;
  k: number;
  results: SearchHit[];
  tookMs: number;
  /** Why the results were ranked otherwise than asked (the query could not be embedded: text only). */
  note?: string;
  /** Where the time went; never on the wire (the daemon logs it at debug level). */
  timings?: SearchTimings;
}

/**
 * Milliseconds per stage of one search, for the daemon's debug log and bench/daemon: parameter
 * checks, the query's embedding (a round trip to the embed worker in the daemon), each leg in
 * the store (summed over tables) and all tables together, and the merge across tables.
 */
export interface SearchTimings extends LegTimings {
  checkMs: number;
  embedMs: number;
  tablesMs: number;
  mergeMs: number;
  /** Late-interaction re-ranking of hybrid's first hits (0 when it did not run). */
  rerankMs: number;
}

/** The JSON of `ragctl search --json` and of the socket's `search` reply (docs/PROTOCOL.md). */
export interface SearchResultJson {
  query: string;
  mode: SearchMode;
  k: number;
  took_ms: number;
  results: WireSearchHit[];
  /** Present when the results were ranked otherwise than asked, and why. */
  note?: string;
}

export function toJson(result: SearchResult): SearchResultJson {
  return {
    query: result.query,
    mode: result.mode,
    k: result.k,
    took_ms: Math.round(result.tookMs * 10) / 10,
    results: result.results.map(toWireHit),
    ...(result.note ? { note: result.note } : {}),
  };
}
