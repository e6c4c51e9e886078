import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { missingHubModels } from '../../../src/embed/model/missing.js';
import { createRegistry } from '../../../src/registry/builtins.js';
import { TEST_MODEL_ID, testModel } from '../../helpers/model.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * Which models a first `ragctl index` or daemon start fetches: Hub ids of the embedders an engine
 * uses, whose type reads a local model, and that the Hugging Face cache (a temp HF_HOME) lacks.
 */
let root: string;
let cleanup: () => Promise<void>;
const emptyCache = () => ({ HF_HOME: join(root, 'empty-hf') });

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('missing-models'));
});
afterAll(() => cleanup());

function missing(
  embedders: Record<string, unknown>,
  engines: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
) {
  const config = resolveConfig({ dataDir: join(root, 'data'), embedders, engines }, null, {});
  return missingHubModels(config, createRegistry(), env);
}

describe('missingHubModels', () => {
  it('names a Hub model the cache lacks, once, for every local embedder type', () => {
    for (const type of ['auto', 'onnx', 'mlx-bert']) {
      const embedders = { default: { type, model: TEST_MODEL_ID }, other: { type, model: TEST_MODEL_ID } };
      const engines = { md: { chunker: 'markdown' }, code: { chunker: 'code', embedder: 'other' } };
      expect(missing(embedders, engines, emptyCache()), type).toEqual([TEST_MODEL_ID]);
    }
  });

  it('leaves out a remote server model, a folder path, and an embedder no engine uses', () => {
    const remote = {
      default: { type: 'openai', model: 'text-embedding-3-small', url: 'http://127.0.0.1:1/v1' },
    };
    expect(missing(remote, { md: { chunker: 'markdown' } }, emptyCache())).toEqual([]);
    const folder = { default: { type: 'onnx', model: join(root, 'no-such-model-folder/') } };
    expect(missing(folder, { md: { chunker: 'markdown' } }, emptyCache())).toEqual([]);
    const unused = {
      default: { type: 'onnx', model: testModel().dir },
      spare: { type: 'onnx', model: 'org/unused-model' },
    };
    expect(missing(unused, { md: { chunker: 'markdown' } }, emptyCache())).toEqual([]);
  });

  it('a model already in the cache is not fetched again', async () => {
    // The cache layout the Hub's own tools write: refs/main → snapshots/<rev>/ holding the files.
    const hf = join(root, 'hf');
    const repo = join(hf, 'hub', `models--${TEST_MODEL_ID.replace('/', '--')}`);
    await mkdir(join(repo, 'refs'), { recursive: true });
    await mkdir(join(repo, 'snapshots'), { recursive: true });
    await symlink(testModel().dir, join(repo, 'snapshots', 'rev1'));
    await writeFile(join(repo, 'refs', 'main'), 'rev1');
    const embedders = { default: { type: 'auto', model: TEST_MODEL_ID } };
    expect(missing(embedders, { md: { chunker: 'markdown' } }, { HF_HOME: hf })).toEqual([]);
    expect(missing(embedders, { md: { chunker: 'markdown' } }, emptyCache())).toEqual([TEST_MODEL_ID]);
  });
});
