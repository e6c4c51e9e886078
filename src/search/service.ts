import type { Embedder } from '../embed/types.js';
import { RagError } from '../errors.js';
import { fuseRrf } from '../store/search.js';
import type { ChunkTableReader, SearchHit, SearchMode } from '../store/types.js';
import type { SearchQuery, SearchResult } from './types.js';

const MODES: readonly SearchMode[] = ['hybrid', 'vector', 'text'];
/** A query longer than this is not a question; refuse it rather than tokenise a novel. */
const MAX_QUERY_CHARS = 4096;

export interface SearchTable {
  engine: string;
  /** Only searched: a reader's read-only table will do. */
  table: ChunkTableReader;
  embedder: Embedder;
}

/**
 * Answers searches over one or more engines' tables: embeds the query once per model (as a
 * query, ahead of indexing work), pushes filters down into each table, and fuses the tables'
 * ranked lists by RRF when several engines answer.
 */
export class SearchService {
  readonly #tables: readonly SearchTable[];
  readonly #defaults: { k: number; rrfK: number };

  constructor(tables: readonly SearchTable[], defaults: { k: number; rrfK: number }) {
    this.#tables = tables;
    this.#defaults = defaults;
  }

  async search(q: SearchQuery, signal?: AbortSignal): Promise<SearchResult> {
    const started = performance.now();
    const query = q.query.trim();
    if (!query) throw new RagError('E_USAGE', 'the query is empty');
    if (query.length > MAX_QUERY_CHARS)
      throw new RagError('E_USAGE', `the query is longer than ${MAX_QUERY_CHARS} characters`);
    const mode = q.mode ?? 'hybrid';
    if (!MODES.includes(mode))
      throw new RagError('E_USAGE', `mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);
    const k = q.k ?? this.#defaults.k;
    if (!Number.isInteger(k) || k < 1 || k > 1000)
      throw new RagError('E_USAGE', `k must be an integer from 1 to 1000, got ${k}`);
    const afterMs = parseAfter(q.after);
    const tables = q.engine ? this.#tables.filter((t) => t.engine === q.engine) : this.#tables;
    if (q.engine && !tables.length) {
      throw new RagError(
        'E_USAGE',
        `no engine '${q.engine}' (engines: ${this.#tables.map((t) => t.engine).join(', ')})`,
      );
    }
    const vectors = new Map<Embedder, Float32Array>();
    const lists: SearchHit[][] = [];
    for (const t of tables) {
      let vector: Float32Array | undefined;
      if (mode !== 'text') {
        vector = vectors.get(t.embedder);
        if (!vector) {
          vector = await t.embedder.embed([query], { priority: 'query', signal });
          vectors.set(t.embedder, vector);
        }
      }
      lists.push(
        await t.table.search({
          query,
          vector,
          k,
          mode,
          filter: { pathGlob: q.path, afterMs },
        }),
      );
    }
    const results = lists.length === 1 ? lists[0]! : fuseRrf(lists, this.#defaults.rrfK, k);
    return { query, mode, k, results, tookMs: performance.now() - started };
  }
}

/** `--after` accepts an ISO date (`2024-05-01`, `2024-05-01T10:00`), epoch ms, or `7d`/`12h` ago. */
export function parseAfter(after: string | number | undefined, now = Date.now()): number | undefined {
  if (after === undefined || after === '') return undefined;
  if (typeof after === 'number') return after;
  const rel = /^(\d+)\s*([dhm])$/.exec(after.trim());
  if (rel) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[rel[2] as 'd' | 'h' | 'm'];
    return now - Number(rel[1]) * unit;
  }
  if (/^\d{10,}$/.test(after)) return Number(after);
  const ms = Date.parse(after);
  if (Number.isNaN(ms))
    throw new RagError(
      'E_USAGE',
      `--after: cannot read ${JSON.stringify(after)} as a date (use 2024-05-01, an ISO time, or 7d / 12h)`,
    );
  return ms;
}
