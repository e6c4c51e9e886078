import type { EmbedderConfig, EngineConfig } from '../config/types.js';
import type { Embedder } from '../embed/types.js';
import type { Chunker, FilterField, StoreMapper } from '../engines/types.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { uniqueFilters } from '../search/param-specs.js';

/** Builds an embedder from its config block. Heavy (loads a model): called only when needed. */
export type EmbedderFactory = (
  config: EmbedderConfig,
  context: EmbedderContext,
) => Embedder | Promise<Embedder>;

export interface EmbedderContext {
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

/** An engine as the pipeline sees it: how to chunk, how to map, which embedder, and limits. */
export interface Engine {
  readonly name: string;
  readonly chunker: Chunker;
  readonly mapper: StoreMapper;
  /** Key into `config.embedders`. */
  readonly embedder: string;
  readonly config: EngineConfig;
}

/**
 * Components looked up by name from the config (open/closed: a new engine registers its
 * chunker and mapper here and adds YAML; orchestration code does not change). Built once in
 * one place (`createRegistry` in builtins.ts) and passed down — never a global.
 */
export class ComponentRegistry {
  readonly #chunkers = new Map<string, Chunker>();
  readonly #mappers = new Map<string, StoreMapper>();
  readonly #embedders = new Map<string, EmbedderFactory>();

  registerChunker(chunker: Chunker): this {
    this.#add(this.#chunkers, chunker.name, chunker, 'chunker');
    return this;
  }

  /** A mapper's filter fields become search parameters; a clash with another's fails here. */
  registerMapper(mapper: StoreMapper): this {
    uniqueFilters([...this.searchFilters(), ...(mapper.filters ?? [])]);
    this.#add(this.#mappers, mapper.name, mapper, 'mapper');
    return this;
  }

  /** Every registered mapper's filter fields: what `searchParamsSchema` builds flags and params from. */
  searchFilters(): FilterField[] {
    return [...this.#mappers.values()].flatMap((m) => m.filters ?? []);
  }

  registerEmbedder(type: string, factory: EmbedderFactory): this {
    this.#add(this.#embedders, type, factory, 'embedder type');
    return this;
  }

  chunker(name: string, keyPath: string): Chunker {
    return this.#get(this.#chunkers, name, keyPath, 'chunker');
  }

  mapper(name: string, keyPath: string): StoreMapper {
    return this.#get(this.#mappers, name, keyPath, 'mapper');
  }

  embedderFactory(type: string, keyPath: string): EmbedderFactory {
    return this.#get(this.#embedders, type, keyPath, 'embedder type');
  }

  /** Checks every name the config uses, so a typo fails at start with the key path. */
  engines(
    engines: Readonly<Record<string, EngineConfig>>,
    embedders: Readonly<Record<string, EmbedderConfig>>,
  ): Map<string, Engine> {
    const out = new Map<string, Engine>();
    for (const [name, e] of Object.entries(engines)) {
      out.set(name, {
        name,
        chunker: this.chunker(e.chunker, `engines.${name}.chunker`),
        mapper: this.mapper(e.mapper, `engines.${name}.mapper`),
        embedder: e.embedder,
        config: e,
      });
    }
    for (const [name, e] of Object.entries(embedders)) this.embedderFactory(e.type, `embedders.${name}.type`);
    return out;
  }

  #add<T>(map: Map<string, T>, name: string, value: T, kind: string): void {
    if (map.has(name)) throw new Error(`${kind} '${name}' is registered twice`);
    map.set(name, value);
  }

  #get<T>(map: Map<string, T>, name: string, keyPath: string, kind: string): T {
    const value = map.get(name);
    if (value === undefined)
      throw new ConfigError(
        keyPath,
        `unknown ${kind} '${name}' (known: ${[...map.keys()].join(', ') || 'none'})`,
      );
    return value;
  }
}
