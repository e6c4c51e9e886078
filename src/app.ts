import { join } from 'node:path';
import { enginesInUse } from './config/load.js';
import type { Config } from './config/types.js';
import { type ContextService, contextFor } from './context/service.js';
import type { Embedder } from './embed/types.js';
import { SqlClusterService, sqlClusterSources } from './engines/sql/cluster-service.js';
import type { Logger } from './log.js';
import { Indexer } from './pipeline/indexer.js';
import { createRegistry } from './registry/builtins.js';
import type { ComponentRegistry, Engine } from './registry/registry.js';
import { searchParamsSchema } from './search/params.js';
import { SearchService, searchTable } from './search/service.js';
import { LanceStore } from './store/lance-store.js';
import type { ChunkTableReader, FileRecord, FileRecordsReader } from './store/types.js';

/** The LanceDB folder inside the data dir. */
export function storeDir(config: Config): string {
  return join(config.dataDir, 'index');
}

export interface AppOptions {
  logger: Logger;
  registry?: ComponentRegistry;
  /**
   * Builds the embedder for a config entry. Default: the registry's factory, in this process.
   * The daemon passes one that runs the model in its supervised worker process.
   */
  makeEmbedder?: (name: string) => Embedder | Promise<Embedder>;
  /** Seconds between checks for other writers' commits (see LanceStore); the CLI reading a daemon's index sets 0. */
  readConsistencyS?: number;
}

/**
 * Everything an index needs, wired in one place: registry → engines, embedders, store, the
 * indexer and the search service. The CLI's one-shot commands and the daemon both start here.
 */
export class App {
  readonly config: Config;
  readonly store: LanceStore;
  readonly indexer: Indexer;
  readonly search: SearchService;
  /** `ragctl context` and the socket's `context`: hits with their scopes and imports, fitted to a budget. */
  readonly context: ContextService;
  readonly embedders: ReadonlyMap<string, Embedder>;
  /** `ragctl sql clusters` over the tables of the engines that use the sql mapper. */
  readonly sqlClusters: SqlClusterService;
  #closed: Promise<void> | undefined;

  private constructor(
    config: Config,
    store: LanceStore,
    indexer: Indexer,
    search: SearchService,
    context: ContextService,
    embedders: Map<string, Embedder>,
    sqlClusters: SqlClusterService,
  ) {
    this.config = config;
    this.store = store;
    this.indexer = indexer;
    this.search = search;
    this.context = context;
    this.embedders = embedders;
    this.sqlClusters = sqlClusters;
  }

  static async open(config: Config, options: AppOptions): Promise<App> {
    const registry = options.registry ?? createRegistry();
    const engines = usedEngines(config, registry);
    const embedders = await makeEmbedders(config, engines, registry, options);
    let store: LanceStore | undefined;
    try {
      store = await LanceStore.open({
        dir: storeDir(config),
        logger: options.logger,
        readConsistencyS: options.readConsistencyS,
      });
      const indexer = await Indexer.open({ config, engines, store, embedders, logger: options.logger });
      const tables = [...engines.values()].map((e) =>
        searchTable(e.name, indexer.table(e.name)!, embedders.get(e.embedder)!, e.mapper),
      );
      // Every registered mapper's fields, as the socket and the CLI take them: a filter no
      // configured engine has is refused by name, not as an unknown parameter.
      const params = searchParamsSchema(registry.searchFilters());
      const search = new SearchService(tables, config.search, params);
      const context = contextFor({
        search,
        params,
        engines,
        table: (e) => indexer.table(e)!,
        embedders,
        tokenizer: config.context.tokenizer,
      });
      const sqlClusters = new SqlClusterService(
        sqlClusterSources(engines.values(), (e) => indexer.table(e)!),
      );
      return new App(config, store, indexer, search, context, embedders, sqlClusters);
    } catch (err) {
      await store?.close();
      for (const e of embedders.values()) await e.close();
      throw err;
    }
  }

  /** What the index holds, for `status` (see `readContents`). */
  async contents(): Promise<IndexContents> {
    return readContents(enginesInUse(this.config), this.store.files, (e) => this.indexer.table(e));
  }

  /** Files indexed under each source folder. */
  indexedByRoot(): Promise<Map<string, number>> {
    return this.store.files.indexedByRoot();
  }

  /** Closes the store and the embedders. Idempotent; awaits pending writes. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.store.close();
      for (const e of this.embedders.values()) await e.close();
    })();
    return this.#closed;
  }
}

/** What `status` reports of an index. */
export interface IndexContents {
  files: number;
  chunks: number;
  version: number;
  skipped: FileRecord[];
  /** Chunk rows of the table of each engine the sources read (0 when it has none yet). */
  chunksByEngine: Record<string, number>;
}

/**
 * What the index holds, for `status` with or without a daemon, from the writer's store or a
 * reader's: indexed files (a count, not their records: a menu-bar poller asks often), chunks,
 * the newest table version, and the records of the files that could not be indexed.
 */
export async function readContents(
  engines: readonly string[],
  records: FileRecordsReader,
  table: (engine: string) => ChunkTableReader | undefined,
): Promise<IndexContents> {
  const [files, skipped] = await Promise.all([records.countIndexed(), records.all({ status: 'skipped' })]);
  let chunks = 0;
  let version = 0;
  const chunksByEngine: Record<string, number> = {};
  for (const engine of engines) {
    const stats = await table(engine)?.stats();
    chunks += stats?.rows ?? 0;
    chunksByEngine[engine] = stats?.rows ?? 0;
    version = Math.max(version, stats?.version ?? 0);
  }
  return { files, chunks, version, skipped, chunksByEngine };
}

/**
 * The engines the sources read (`enginesInUse`), built by the registry, which checks every
 * block first: a typo in one that no source names yet still fails at start.
 */
export function usedEngines(config: Config, registry: ComponentRegistry): Map<string, Engine> {
  const all = registry.engines(config.engines, config.embedders, config.configFile);
  return new Map(enginesInUse(config).map((name) => [name, all.get(name)!]));
}

/** One embedder per entry of `config.embedders` that an engine uses, by name. */
export async function makeEmbedders(
  config: Config,
  engines: ReadonlyMap<string, Engine>,
  registry: ComponentRegistry,
  options: Pick<AppOptions, 'logger' | 'makeEmbedder'>,
): Promise<Map<string, Embedder>> {
  const embedders = new Map<string, Embedder>();
  const used = new Set([...engines.values()].map((e) => e.embedder));
  try {
    for (const name of used) {
      const embedderConfig = config.embedders[name]!;
      const make =
        options.makeEmbedder ??
        ((n: string) =>
          registry.embedderFactory(embedderConfig.type, `embedders.${n}.type`)(embedderConfig, {
            logger: options.logger,
            env: process.env,
          }));
      embedders.set(name, await make(name));
    }
  } catch (err) {
    for (const e of embedders.values()) await e.close();
    throw err;
  }
  return embedders;
}
