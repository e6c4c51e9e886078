import type { Embedder, TokenCounter } from '../embed/types.js';
import { RagError } from '../errors.js';
import type { Engine } from '../registry/registry.js';
import type { SearchParamsSchema } from '../search/param-specs.js';
import type { SearchService } from '../search/service.js';
import type { ChunkTableReader } from '../store/types.js';
import { fitToBudget } from './fit.js';
import { gatherCandidates } from './gather.js';
import { checkContextParams, DEFAULT_BUDGET_TOKENS } from './params.js';
import { TableContextStore } from './store.js';
import {
  type ContextTokenizer,
  DEFAULT_CONTEXT_TOKENIZER,
  type LlmTokenizer,
  loadLlmTokenizer,
} from './tokenizers.js';
import type { ContextParams, ContextResultJson, ContextStore } from './types.js';

export interface ContextServiceOptions {
  search: Pick<SearchService, 'search'>;
  store: ContextStore;
  /** The search schema of the registered engines: a context request is a search plus a budget. */
  params: SearchParamsSchema;
  /** The tokenizer of the embedder of `engine` (of the first engine when none is named). */
  tokenizer: (engine: string | undefined) => TokenCounter;
  defaultBudget?: number;
  /** What counts the budget when a request names nothing (`context.tokenizer`; default `embedder`). */
  defaultTokenizer?: ContextTokenizer;
}

/**
 * `context`: a search, then each hit with the blocks it needs to be read alone, fitted to a
 * token budget (README.md next to this file). Reads only: the same over the socket and from a
 * read-only index.
 */
export class ContextService {
  readonly #options: ContextServiceOptions;
  /** LLM encodings loaded so far: building one parses its ranks (seconds), so it is done once. */
  readonly #llm = new Map<LlmTokenizer, Promise<TokenCounter>>();

  constructor(options: ContextServiceOptions) {
    this.#options = options;
  }

  async assemble(input: ContextParams, signal?: AbortSignal): Promise<ContextResultJson> {
    const started = performance.now();
    const checked = checkContextParams(this.#options.params, input);
    if (!checked.ok) throw new RagError('E_USAGE', checked.message(checked.param));
    const {
      budget = this.#options.defaultBudget ?? DEFAULT_BUDGET_TOKENS,
      tokenizer = this.#options.defaultTokenizer ?? DEFAULT_CONTEXT_TOKENIZER,
      ...search
    } = checked.params;
    // Loading starts beside the search: an encoding's first use costs seconds.
    const counting = this.#counter(tokenizer, search.engine);
    // Each row of a passage stays a hit: the gathering shows a hit's section and parts itself,
    // and a part ranked among the hits keeps a hit's claim on the budget.
    const found = await this.#options.search.search(search, signal, { passages: false });
    const candidates = await gatherCandidates(found.results, this.#options.store, signal);
    const fitted = fitToBudget(candidates, await counting, budget);
    return {
      query: found.query,
      budget,
      tokens: fitted.tokens,
      tokenizer,
      blocks: fitted.blocks,
      dropped: fitted.dropped,
      took_ms: Math.round((performance.now() - started) * 10) / 10,
      ...(found.note ? { note: found.note } : {}),
    };
  }

  #counter(tokenizer: ContextTokenizer, engine: string | undefined): Promise<TokenCounter> {
    if (tokenizer === 'embedder') return Promise.resolve(this.#options.tokenizer(engine));
    let loading = this.#llm.get(tokenizer);
    if (!loading) {
      loading = loadLlmTokenizer(tokenizer);
      // A failed load is not kept: the next request tries again.
      loading.catch(() => this.#llm.delete(tokenizer));
      this.#llm.set(tokenizer, loading);
    }
    return loading;
  }
}

/** What `contextFor` wires a `ContextService` from: the app's engines, tables and embedders. */
export interface ContextParts {
  search: Pick<SearchService, 'search'>;
  params: SearchParamsSchema;
  engines: ReadonlyMap<string, Pick<Engine, 'name' | 'mapper' | 'embedder'>>;
  table: (engine: string) => ChunkTableReader;
  embedders: ReadonlyMap<string, Embedder>;
  /** `context.tokenizer` from the config. */
  tokenizer?: ContextTokenizer;
}

/** The context service of an app (the daemon's, or a reader's): one table store over its engines. */
export function contextFor(parts: ContextParts): ContextService {
  const engines = [...parts.engines.values()];
  const embedderOf = (engine: Pick<Engine, 'embedder'>) => parts.embedders.get(engine.embedder)!;
  const store = new TableContextStore(
    engines.map((e) => ({
      engine: e.name,
      table: parts.table(e.name),
      columns: e.mapper.schema(embedderOf(e).dimension).fields.map((f) => f.name),
    })),
  );
  return new ContextService({
    search: parts.search,
    store,
    params: parts.params,
    ...(parts.tokenizer ? { defaultTokenizer: parts.tokenizer } : {}),
    tokenizer: (name) => {
      const engine = (name !== undefined ? parts.engines.get(name) : undefined) ?? engines[0];
      if (!engine) throw new RagError('E_CONFIG', 'no engine is configured, so there is nothing to search');
      return embedderOf(engine).tokenizer;
    },
  });
}
