import { type IndexContents, makeEmbedders, readContents, storeDir, usedEngines } from './app.js';
import { enginesInUse, noSources } from './config/load.js';
import type { Config } from './config/types.js';
import { type ContextService, contextFor } from './context/service.js';
import type { Embedder } from './embed/types.js';
import { SqlClusterService, sqlClusterSources } from './engines/sql/cluster-service.js';
import { RagError } from './errors.js';
import type { Logger } from './log.js';
import { createRegistry } from './registry/builtins.js';
import type { ComponentRegistry } from './registry/registry.js';
import { searchParamsSchema } from './search/params.js';
import { SearchService, type SearchTable, searchTable } from './search/service.js';
import { writerFix } from './service/start-hint.js';
import { LanceReader } from './store/lance-reader.js';
import { EmptyChunkTable } from './store/read-only-table.js';
import type { ChunkTableReader } from './store/types.js';

export interface ReadOnlyAppOptions {
  logger: Logger;
  registry?: ComponentRegistry;
}

/** Something a reader found wrong with the index, and the command that makes it right. */
export interface IndexProblem {
  reason: string;
  fix: string;
}

/** What the CLI needs to search the index: `SearchService.search`. */
export type Searcher = Pick<SearchService, 'search'>;
/** What the CLI needs to assemble a context from the index: `ContextService.assemble`. */
export type ContextAssembler = Pick<ContextService, 'assemble'>;

/** What the CLI needs for `ragctl sql clusters`: `SqlClusterService.clusters`. */
export type SqlClusterer = Pick<SqlClusterService, 'clusters'>;

/**
 * The index opened for reading, for `ragctl search` and `ragctl status` when no daemon runs: the
 * engines the sources read, and their embedders, over a `LanceReader`. It has no indexer and
 * nothing in it writes; what it cannot read as the config wants it lists in `problems` (see
 * LanceReader).
 * With no index at all it still opens: `contents()` is empty and `search` throws `E_NO_INDEX`.
 */
export class ReadOnlyApp {
  readonly config: Config;
  readonly search: Searcher;
  readonly context: ContextAssembler;
  readonly sqlClusters: SqlClusterer;
  readonly embedders: ReadonlyMap<string, Embedder>;
  readonly problems: readonly IndexProblem[];
  readonly #reader: LanceReader | undefined;
  readonly #tables: ReadonlyMap<string, ChunkTableReader>;
  #closed: Promise<void> | undefined;

  private constructor(
    config: Config,
    parts: {
      search: Searcher;
      context: ContextAssembler;
      sqlClusters: SqlClusterer;
      embedders: ReadonlyMap<string, Embedder>;
      problems: readonly IndexProblem[];
      reader?: LanceReader;
      tables?: ReadonlyMap<string, ChunkTableReader>;
    },
  ) {
    this.config = config;
    this.search = parts.search;
    this.context = parts.context;
    this.sqlClusters = parts.sqlClusters;
    this.embedders = parts.embedders;
    this.problems = parts.problems;
    this.#reader = parts.reader;
    this.#tables = parts.tables ?? new Map();
  }

  static async open(config: Config, options: ReadOnlyAppOptions): Promise<ReadOnlyApp> {
    const dir = storeDir(config);
    const reader = await LanceReader.open({ dir, logger: options.logger });
    if (!reader) {
      // Nothing to index (most often: no config file where it was looked for, --config forgotten).
      const empty = noSources(config);
      const missing = empty
        ? { reason: `no index at ${dir} yet, and ${empty.reason}`, fix: empty.fix }
        : { reason: `no index at ${dir} yet`, fix: `${writerFix(config.configFile)} to build it` };
      const refuse = async (): Promise<never> => {
        throw new RagError('E_NO_INDEX', missing.reason, { fix: missing.fix });
      };
      const context: ContextAssembler = { assemble: refuse };
      return new ReadOnlyApp(config, {
        search: { search: refuse },
        context,
        sqlClusters: { clusters: refuse },
        embedders: new Map(),
        problems: [missing],
      });
    }
    let embedders: Map<string, Embedder> | undefined;
    try {
      const registry = options.registry ?? createRegistry();
      const engines = usedEngines(config, registry);
      embedders = await makeEmbedders(config, engines, registry, options);
      const problems: IndexProblem[] = [];
      const tables = new Map<string, ChunkTableReader>();
      const searchTables: SearchTable[] = [];
      for (const [name, engine] of engines) {
        const embedder = embedders.get(engine.embedder)!;
        const spec = {
          engine: name,
          mapper: engine.mapper,
          modelId: embedder.modelId,
          dimension: embedder.dimension,
        };
        const read = await reader.openChunkTable(spec);
        if (read?.mismatch)
          problems.push({
            reason: `table ${read.table.name} in ${dir}: ${read.mismatch.reason}`,
            fix: read.mismatch.fix,
          });
        if (!read)
          problems.push({
            reason: `engine ${name} has no table in ${dir} yet`,
            fix: `${writerFix(config.configFile)} to index its files`,
          });
        const table =
          read?.table ?? new EmptyChunkTable(`chunks_${name}`, embedder.modelId, embedder.dimension);
        tables.set(name, table);
        searchTables.push(searchTable(name, table, embedder, engine.mapper));
      }
      for (const older of reader.olderVersions) {
        problems.push({
          reason: `table ${older.table} in ${dir}: its newest version is unreadable (a hard stop can leave an empty manifest: ${older.skipped.join(', ')}); read version ${older.version}, the last readable one`,
          fix: `${writerFix(config.configFile)}: it sets the unreadable version aside and re-checks the files`,
        });
      }
      const params = searchParamsSchema(registry.searchFilters());
      const search = new SearchService(searchTables, config.search, params);
      const context = contextFor({
        search,
        params,
        engines,
        table: (e) => tables.get(e)!,
        embedders,
        tokenizer: config.context.tokenizer,
      });
      const sqlClusters = new SqlClusterService(sqlClusterSources(engines.values(), (e) => tables.get(e)!));
      return new ReadOnlyApp(config, { search, context, sqlClusters, embedders, problems, reader, tables });
    } catch (err) {
      await reader.close();
      for (const e of embedders?.values() ?? []) await e.close();
      throw err;
    }
  }

  /** What the index holds (see `readContents`); nothing when there is no index. */
  async contents(): Promise<IndexContents> {
    if (!this.#reader) return { files: 0, chunks: 0, version: 0, skipped: [], chunksByEngine: {} };
    return readContents(enginesInUse(this.config), this.#reader.files, (e) => this.#tables.get(e));
  }

  /** Files indexed under each source folder; none when there is no index. */
  async indexedByRoot(): Promise<Map<string, number>> {
    return this.#reader ? this.#reader.files.indexedByRoot() : new Map();
  }

  /** Closes the reader and the embedders. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#reader?.close();
      for (const e of this.embedders.values()) await e.close();
    })();
    return this.#closed;
  }
}
