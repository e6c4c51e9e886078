import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { MlxEmbedder } from '../../../src/embed/mlx-embedder.js';
import { OnnxEmbedder } from '../../../src/embed/onnx/onnx-embedder.js';
import { ConfigError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { createRegistry } from '../../../src/registry/builtins.js';
import { testModel } from '../../helpers/model.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * Each embedder type owns the keys of its block beside the common ones: the registry checks
 * them at start (unknown keys with a did-you-mean, wrong values) and builds the embedder
 * the block names, whatever its type.
 */
let root: string;
let cleanup: () => Promise<void>;
const file = '/etc/ragctl/config.yaml';

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('registry'));
});
afterAll(() => cleanup());

/** A block naming no type gets `mlx-bert` here: the default (`auto`) has no settings of its own to check. */
function config(block: string): Config {
  const type = block.includes('type:') ? '' : '    type: mlx-bert\n';
  const yaml = `dataDir: ${root}\nembedders:\n  default:\n    model: ${testModel().dir}\n${type}${block}`;
  return resolveConfig(parseYaml(yaml), file, {});
}

function settingsError(block: string): ConfigError {
  const c = config(block);
  try {
    createRegistry().engines(c.engines, c.embedders, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected a ConfigError for:\n${block}`);
}

describe('embedder settings', () => {
  it('a misspelt common key fails at start with its path and a suggestion', () => {
    const err = settingsError('    modle: x\n');
    expect(err.keyPath).toBe('embedders.default.modle');
    expect(err.message).toBe(
      `${file}: embedders.default.modle: unknown key for embedder type 'mlx-bert' (did you mean 'model'?)`,
    );
  });

  it("one type's keys are unknown to another", () => {
    expect(settingsError('    precision: fp32\n').keyPath).toBe('embedders.default.precision');
    const err = settingsError('    type: onnx\n    hiddenSize: 384\n');
    expect(err.keyPath).toBe('embedders.default.hiddenSize');
    expect(err.message).toContain("unknown key for embedder type 'onnx'");
  });

  it("checks a type's own values", () => {
    const err = settingsError('    type: onnx\n    precision: fp8\n');
    expect(err.keyPath).toBe('embedders.default.precision');
    expect(err.message).toContain('must be one of fp32');
    expect(settingsError('    heads: 0\n').keyPath).toBe('embedders.default.heads');
  });

  it('builds the type the block names, with its settings', async () => {
    for (const [block, type] of [
      ['    type: onnx\n    precision: fp32\n    threads: 1\n', OnnxEmbedder],
      ['    heads: 12\n', MlxEmbedder],
    ] as const) {
      const c = config(block);
      const registry = createRegistry();
      registry.engines(c.engines, c.embedders, file);
      const embedderConfig = c.embedders.default!;
      const embedder = await registry.embedderFactory(embedderConfig.type, 'embedders.default.type')(
        embedderConfig,
        { logger: silentLogger(), env: process.env },
      );
      expect(embedder).toBeInstanceOf(type);
      expect(embedder.dimension).toBe(384);
      if (embedder instanceof MlxEmbedder) expect(embedder.spec.heads).toBe(12);
      await embedder.close();
    }
  });
});
