import { AutoEmbedder } from '../embed/auto/auto-embedder.js';
import { MlxEmbedder } from '../embed/mlx-embedder.js';
import { OnnxEmbedder, type OnnxPrecision } from '../embed/onnx/onnx-embedder.js';
import { OPENAI_SETTINGS, OpenAIEmbedder, type OpenAISettings } from '../embed/openai/openai-embedder.js';
import { CodeChunker } from '../engines/code/chunker.js';
import { Grammars } from '../engines/code/grammars.js';
import { codeMapper } from '../engines/code-mapper.js';
import { documentMapper } from '../engines/document-mapper.js';
import { markdownChunker } from '../engines/markdown/chunker.js';
// SQL engine: log entries and .sql statements.
import { sqlChunker } from '../engines/sql/chunker.js';
import { sqlMapper } from '../engines/sql-mapper.js';
import { ComponentRegistry } from './registry.js';

/** The registry with every built-in component. The one place that knows them all. */
export function createRegistry(): ComponentRegistry {
  return (
    new ComponentRegistry()
      .registerChunker(markdownChunker)
      .registerMapper(documentMapper)
      // SQL engine.
      .registerChunker(sqlChunker)
      .registerMapper(sqlMapper)
      // Code engine. Grammars load on first use and stay for the process: their wasm memory goes with it.
      .registerChunker(new CodeChunker(new Grammars()))
      .registerMapper(codeMapper)
      .registerEmbedder<{ hiddenSize: number | null; layers: number | null; heads: number | null }>(
        'mlx-bert',
        {
          localModel: true,
          // Architecture overrides; default: read from the model's config.json.
          settings: {
            hiddenSize: { kind: 'int', default: null, min: 1 },
            layers: { kind: 'int', default: null, min: 1 },
            heads: { kind: 'int', default: null, min: 1 },
          },
          create: (config, settings, context) =>
            new MlxEmbedder({
              model: config.model,
              batchTokens: config.batchTokens,
              maxTokens: config.maxTokens,
              ...settings,
              env: context.env,
              logger: context.logger,
            }),
        },
      )
      .registerEmbedder<{ precision: OnnxPrecision; threads: number | null }>('onnx', {
        localModel: true,
        settings: {
          // fp32: the vectors match the MLX backend's and the parity reference (the index is shared).
          // int8: faster, vectors only close to fp32's, so it keeps an index of its own.
          precision: { kind: 'enum', values: ['fp32', 'int8'], default: 'fp32' },
          // onnxruntime's compute threads; default: every core the process may use.
          threads: { kind: 'int', default: null, min: 1, max: 1024 },
        },
        create: (config, settings, context) =>
          new OnnxEmbedder({
            model: config.model,
            batchTokens: config.batchTokens,
            maxTokens: config.maxTokens,
            precision: settings.precision,
            threads: settings.threads,
            env: context.env,
            logger: context.logger,
          }),
      })
      // A remote OpenAI-compatible /embeddings server; `model` is the server's name for it.
      .registerEmbedder<OpenAISettings>('openai', {
        settings: OPENAI_SETTINGS,
        create: (config, settings, context) =>
          new OpenAIEmbedder({
            ...settings,
            model: config.model,
            batchTokens: config.batchTokens,
            maxTokens: config.maxTokens,
            keyPath: context.keyPath ?? 'embedders.<name>',
            env: context.env,
            logger: context.logger,
          }),
      })
      // The shipped default: MLX on Apple Silicon, elsewhere the faster fp32 backend, measured.
      .registerEmbedder<Record<string, never>>('auto', {
        localModel: true,
        settings: {},
        create: (config, _settings, context) =>
          new AutoEmbedder({
            model: config.model,
            batchTokens: config.batchTokens,
            maxTokens: config.maxTokens,
            env: context.env,
            logger: context.logger,
          }),
      })
  );
}
