import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, RagError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { createRegistry } from '../../registry/builtins.js';
import type { Embedder, TokenEncoder } from '../types.js';
import type { EmbedWorkerOptions } from './types.js';

/** An embedder the worker can host: it plans requests with the ids the model will read. */
export type HostedEmbedder = Embedder & { readonly tokenizer: TokenEncoder };

/**
 * The model as the daemon sees it: built as the child builds it, through the registry, so both
 * agree on its id; only its cheap constructor runs here (never `load()` or `embed()`). Any
 * registered type works whose factory returns synchronously and whose tokenizer encodes.
 */
export function parentModel(
  config: EmbedWorkerOptions['config'],
  name: string,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): HostedEmbedder {
  const keyPath = `embedders.${name}.type`;
  const model = createRegistry().embedderFactory(config.type, keyPath)(config, { logger, env });
  if (model instanceof Promise)
    throw new ConfigError(
      keyPath,
      `embedder type '${config.type}' builds asynchronously; the embed worker cannot host it`,
    );
  if (typeof (model.tokenizer as Partial<TokenEncoder>).encode !== 'function')
    throw new ConfigError(
      keyPath,
      `embedder type '${config.type}' has no token encoder; the embed worker cannot plan its requests`,
    );
  return model as HostedEmbedder;
}

/** `child.js` beside this file in dist/; run from source (tests), still the compiled one. */
export function defaultEntry(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'child.js');
  return join(dirname(here), '..', '..', '..', 'dist', 'embed', 'worker', 'child.js');
}
/** The embedder's `maxInFlight`, checked: a whole number from 1, else the config type is at fault. */
export function slotsOf(model: HostedEmbedder, type: string): number {
  const slots = model.maxInFlight ?? 1;
  if (!Number.isSafeInteger(slots) || slots < 1)
    throw new RagError('E_EMBED', `embedder type '${type}' asks for ${String(slots)} requests in flight`, {
      fix: 'report this: an embedder must allow at least 1 request in flight',
    });
  return slots;
}
