import { MlxEmbedder } from '../embed/mlx-embedder.js';
import { documentMapper } from '../engines/document-mapper.js';
import { markdownChunker } from '../engines/markdown/chunker.js';
import { ComponentRegistry } from './registry.js';

/** The registry with every built-in component. The one place that knows them all. */
export function createRegistry(): ComponentRegistry {
  return new ComponentRegistry()
    .registerChunker(markdownChunker)
    .registerMapper(documentMapper)
    .registerEmbedder(
      'mlx-bert',
      (config, context) =>
        new MlxEmbedder({
          model: config.model,
          batchTokens: config.batchTokens,
          maxTokens: config.maxTokens,
          hiddenSize: config.hiddenSize,
          layers: config.layers,
          heads: config.heads,
          env: context.env,
          logger: context.logger,
        }),
    );
}
