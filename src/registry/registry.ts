import { closest, type FieldSpec, Validator } from '../config/schema.js';
import type { EmbedderConfig, EngineConfig } from '../config/types.js';
import type { Embedder } from '../embed/types.js';
import type { Chunker, FilterField, StoreMapper } from '../engines/types.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { uniqueFilters } from '../search/param-specs.js';

/**
 * Builds an embedder from its config block. Cheap: it checks the model without loading it
 * (see `Embedder`); its settings are checked first, against the type's own keys.
 */
export type EmbedderFactory = (
  config: EmbedderConfig,
  context: EmbedderContext,
) => Embedder | Promise<Embedder>;

/**
 * One embedder type: the config keys it owns beside the common ones (type, model, maxTokens,
 * batchTokens) and how to build it from them. A new backend registers one of these; neither
 * the config loader nor the embed worker changes.
 */
export interface EmbedderType<S extends Record<string, unknown> = Record<string, unknown>> {
  /** Its own keys in the embedder block, with defaults (config/schema.ts). */
  readonly settings: Record<string, FieldSpec>;
  /**
   * True when `model` names files on this machine: a folder, or a Hub id looked up in the
   * Hugging Face cache. `ragctl index` and the daemon fetch such a Hub model when the cache lacks
   * it, so a first run needs no separate `ragctl model pull`. A remote server's name is not one.
   */
  readonly localModel?: boolean;
  create(config: EmbedderConfig, settings: S, context: EmbedderContext): Embedder | Promise<Embedder>;
}

export interface EmbedderContext {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** The config block (`embedders.default`), for messages that name a key; set by `embedderFactory`. */
  keyPath?: string;
}

/** An engine as the pipeline sees it: how to chunk, how to map, which embedder, and limits. */
export interface Engine {
  readonly name: string;
  readonly chunker: Chunker;
  readonly mapper: StoreMapper;
  /** Key into `config.embedders`. */
  readonly embedder: string;
  readonly config: EngineConfig;
  /** The block's own keys, checked against the mapper's `options`, with its defaults. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** The keys every engine block has (config/load.ts); the rest belong to its mapper. */
const COMMON_ENGINE_KEYS = ['chunker', 'mapper', 'embedder', 'chunkMaxTokens', 'chunkMinTokens', 'include'];

/** An engine block's own keys, checked against its mapper's declaration, with defaults. */
function engineOptions(
  mapper: StoreMapper,
  config: EngineConfig,
  blockPath: string,
  file: string | undefined,
): Readonly<Record<string, unknown>> {
  const specs = mapper.options ?? {};
  const v = new Validator(file);
  for (const key of Object.keys(config.options ?? {})) {
    if (key in specs) continue;
    const near = closest(key, [...COMMON_ENGINE_KEYS, ...Object.keys(specs)]);
    v.fail(
      `${blockPath}.${key}`,
      `unknown key for an engine with mapper '${mapper.name}'${near ? ` (did you mean '${near}'?)` : ''}`,
    );
  }
  return Object.freeze(v.object({ ...specs }, { ...config.options }, blockPath));
}

/** The keys every embedder block has (config/load.ts); the rest belong to its type. */
const COMMON_EMBEDDER_KEYS = ['type', 'model', 'maxTokens', 'batchTokens'];

/**
 * Components looked up by name from the config (open/closed: a new engine registers its
 * chunker and mapper here and adds YAML; orchestration code does not change). Built once in
 * one place (`createRegistry` in builtins.ts) and passed down — never a global.
 */
export class ComponentRegistry {
  readonly #chunkers = new Map<string, Chunker>();
  readonly #mappers = new Map<string, StoreMapper>();
  readonly #embedders = new Map<string, EmbedderType>();

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

  registerEmbedder<S extends Record<string, unknown>>(name: string, type: EmbedderType<S>): this {
    this.#add(this.#embedders, name, type as unknown as EmbedderType, 'embedder type');
    return this;
  }

  chunker(name: string, keyPath: string): Chunker {
    return this.#get(this.#chunkers, name, keyPath, 'chunker');
  }

  /** The files a chunker reads when its engine and source list none (`Chunker.include`). */
  chunkerInclude(name: string): readonly string[] | undefined {
    return this.#chunkers.get(name)?.include;
  }

  mapper(name: string, keyPath: string): StoreMapper {
    return this.#get(this.#mappers, name, keyPath, 'mapper');
  }

  /** Whether the embedder type reads its model from this machine (`EmbedderType.localModel`). */
  usesLocalModel(type: string): boolean {
    return this.#embedders.get(type)?.localModel === true;
  }

  /** `keyPath` is the block's `type` key (`embedders.default.type`); settings errors name their own keys. */
  embedderFactory(type: string, keyPath: string): EmbedderFactory {
    const embedderType = this.#get(this.#embedders, type, keyPath, 'embedder type');
    const blockPath = keyPath.replace(/\.type$/, '');
    return (config, context) =>
      embedderType.create(config, this.#settings(embedderType, config, blockPath), {
        ...context,
        keyPath: blockPath,
      });
  }

  /** The block's settings with the type's defaults, or a ConfigError naming the key. */
  embedderSettings(config: EmbedderConfig, blockPath: string, file?: string): Record<string, unknown> {
    const embedderType = this.#get(this.#embedders, config.type, `${blockPath}.type`, 'embedder type');
    return this.#settings(embedderType, config, blockPath, file);
  }

  #settings(
    type: EmbedderType,
    config: EmbedderConfig,
    blockPath: string,
    file?: string,
  ): Record<string, unknown> {
    const v = new Validator(file);
    for (const key of Object.keys(config.settings)) {
      if (key in type.settings) continue;
      const near = closest(key, [...COMMON_EMBEDDER_KEYS, ...Object.keys(type.settings)]);
      v.fail(
        `${blockPath}.${key}`,
        `unknown key for embedder type '${config.type}'${near ? ` (did you mean '${near}'?)` : ''}`,
      );
    }
    return v.object(type.settings, { ...config.settings }, blockPath);
  }

  /**
   * Checks every name the config uses, and each embedder block's own keys, so a typo fails at
   * start with the key path (`file` is the config file, for the message).
   */
  engines(
    engines: Readonly<Record<string, EngineConfig>>,
    embedders: Readonly<Record<string, EmbedderConfig>>,
    file?: string | null,
  ): Map<string, Engine> {
    const out = new Map<string, Engine>();
    for (const [name, e] of Object.entries(engines)) {
      const mapper = this.mapper(e.mapper, `engines.${name}.mapper`);
      out.set(name, {
        name,
        chunker: this.chunker(e.chunker, `engines.${name}.chunker`),
        mapper,
        embedder: e.embedder,
        config: e,
        options: engineOptions(mapper, e, `engines.${name}`, file ?? undefined),
      });
    }
    for (const [name, e] of Object.entries(embedders))
      this.embedderSettings(e, `embedders.${name}`, file ?? undefined);
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
