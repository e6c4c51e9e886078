import { toWireHit, type WireSearchHit } from '../ipc/protocol.js';
import type { SearchHit, SearchMode } from '../store/types.js';

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
