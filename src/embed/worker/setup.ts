import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { createRegistry } from '../../registry/builtins.js';
import { MlxEmbedder } from '../mlx-embedder.js';
import type { EmbedWorkerOptions } from './types.js';

/** The embedder type the worker runs: its constructor checks the model without loading it. */
const MLX_BERT_TYPE = 'mlx-bert';

/**
 * The model as the daemon sees it: built as the child builds it, through the registry, so both
 * agree on its id; only its cheap constructor runs here (never `load()` or `embed()`).
 */
export function parentModel(
  config: EmbedWorkerOptions['config'],
  name: string,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): MlxEmbedder {
  const keyPath = `embedders.${name}.type`;
  const factory = createRegistry().embedderFactory(config.type, keyPath);
  if (config.type !== MLX_BERT_TYPE)
    throw new ConfigError(keyPath, `the embed worker runs '${MLX_BERT_TYPE}' models, not '${config.type}'`);
  const model = factory(config, { logger, env });
  if (!(model instanceof MlxEmbedder))
    throw new ConfigError(keyPath, `'${MLX_BERT_TYPE}' is not registered as the MLX embedder`);
  return model;
}

/** `child.js` beside this file in dist/; run from source (tests), still the compiled one. */
export function defaultEntry(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'child.js');
  return join(dirname(here), '..', '..', '..', 'dist', 'embed', 'worker', 'child.js');
}
