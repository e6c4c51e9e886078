import { toWireHit, type WireSearchHit } from '../ipc/protocol.js';
import type { SearchHit, SearchMode } from '../store/types.js';

/** A search as the CLI and the socket take it. */
export interface SearchQuery {
  query: string;
  k?: number | undefined;
  mode?: SearchMode | undefined;
  /** Only this engine's table; default: all. */
  engine?: string | undefined;
  /** Glob over paths (see SearchFilter.pathGlob). */
  path?: string | undefined;
  /** Only files modified at or after this (ISO date or epoch ms). */
  after?: string | number | undefined;
}

export interface SearchResult {
  query: string;
  mode: SearchMode;
  k: number;
  results: SearchHit[];
  tookMs: number;
}

/** The JSON of `ragctl search --json` and of the socket's `search` reply (docs/PROTOCOL.md). */
export interface SearchResultJson {
  query: string;
  mode: SearchMode;
  k: number;
  took_ms: number;
  results: WireSearchHit[];
}

export function toJson(result: SearchResult): SearchResultJson {
  return {
    query: result.query,
    mode: result.mode,
    k: result.k,
    took_ms: Math.round(result.tookMs * 10) / 10,
    results: result.results.map(toWireHit),
  };
}
