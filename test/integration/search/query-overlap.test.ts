import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { Embedder, EmbedOptions } from '../../../src/embed/types.js';
import { RagError } from '../../../src/errors.js';
import { SearchService, type SearchTable } from '../../../src/search/service.js';
import type { ChunkTableReader, SearchHit, SearchRequest } from '../../../src/store/types.js';
import { DelegatingEmbedder } from '../../helpers/delegating-embedder.js';
import type { Workspace } from '../../helpers/index-workspace.js';
import { usePipeline } from '../../helpers/pipeline.js';
import { writeCorpus } from '../../helpers/search-corpus.js';

/**
 * A hybrid search starts its tables' full-text legs while the query is still being embedded
 * (in the daemon, a round trip to the embed worker), and gives the same hits as before.
 */

/** A real embedder whose query calls wait until `open()` (or fail with `failWith`); index calls pass. */
class GatedEmbedder extends DelegatingEmbedder {
  #release!: () => void;
  #gate: Promise<void>;
  failWith: RagError | undefined;

  constructor(inner: Embedder) {
    super(inner);
    this.#gate = new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  open(): void {
    this.#release();
  }

  override async embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array> {
    if (options?.priority === 'query') {
      await this.#gate;
      if (this.failWith) throw this.failWith;
    }
    return this.inner.embed(texts, options);
  }

  override async close(): Promise<void> {
    this.open();
  }
}

/** Records the requests a table is asked (the same object the store fills `timings` of). */
class RecordingTable implements Pick<ChunkTableReader, 'search'> {
  readonly requests: SearchRequest[] = [];
  readonly #inner: ChunkTableReader;

  constructor(inner: ChunkTableReader) {
    this.#inner = inner;
  }

  search(request: SearchRequest): Promise<SearchHit[]> {
    this.requests.push(request);
    return this.#inner.search(request);
  }
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = performance.now();
  while (!ok()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const QUERY = 'how can I recover my files from a backup snapshot';

describe('hybrid search overlaps the query embedding with the full-text leg', () => {
  const pipeline = usePipeline('file');
  let model: Embedder;
  let ws: Workspace;
  let app: App;

  beforeAll(async () => {
    model = pipeline.model;
    ws = await pipeline.workspace('query-overlap');
    await writeCorpus(ws);
    app = await pipeline.open(
      ws.config({ engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } } }),
      pipeline.counter(),
    );
    await app.indexer.reconcile();
    await app.store.optimize();
  });

  const serviceWith = (embedder: Embedder, table: RecordingTable) => {
    const tables: SearchTable[] = [{ engine: 'md', table: table as unknown as ChunkTableReader, embedder }];
    return new SearchService(tables, { k: 5, rrfK: 60 });
  };

  it('runs the full-text leg before the embedding lands, with the same hits and explanations', async () => {
    const gated = new GatedEmbedder(model);
    const table = new RecordingTable(app.indexer.table('md')!);
    const pending = serviceWith(gated, table).search({ query: QUERY, mode: 'hybrid', explain: true });
    // The text leg ends while the query embedding is still held back.
    await waitFor('the full-text leg to finish', () => (table.requests[0]?.timings?.textMs ?? 0) > 0);
    expect(table.requests[0]?.timings?.vectorMs).toBe(0);
    gated.open();
    const overlapped = await pending;

    const plain = await serviceWith(model, new RecordingTable(app.indexer.table('md')!)).search({
      query: QUERY,
      mode: 'hybrid',
      explain: true,
    });
    expect(overlapped.mode).toBe('hybrid');
    expect(overlapped.results.length).toBeGreaterThan(0);
    expect(overlapped.results).toEqual(plain.results);
    expect(overlapped.results[0]?.path).toContain('backups.md');
  });

  it('falls back to full-text results with a note when the embedding server is away', async () => {
    const gated = new GatedEmbedder(model);
    gated.failWith = new RagError(
      'E_EMBED_UNAVAILABLE',
      'the embedding server at http://127.0.0.1:9 refused',
    );
    const table = new RecordingTable(app.indexer.table('md')!);
    const pending = serviceWith(gated, table).search({ query: 'guanciale pecorino', mode: 'hybrid' });
    await waitFor('the full-text leg to finish', () => (table.requests[0]?.timings?.textMs ?? 0) > 0);
    gated.open();
    const fallback = await pending;
    const text = await serviceWith(model, new RecordingTable(app.indexer.table('md')!)).search({
      query: 'guanciale pecorino',
      mode: 'text',
    });
    expect(fallback.mode).toBe('text');
    expect(fallback.note).toContain('refused');
    expect(fallback.results).toEqual(text.results);
    expect(fallback.results[0]?.path).toContain('carbonara.md');
  });
});
