import { statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MlxEmbedder } from '../../../src/embed/mlx-embedder.js';
import { resolveModel } from '../../../src/embed/model/resolve.js';
import { readSafetensorsHeader } from '../../../src/embed/model/safetensors.js';
import { ModelError } from '../../../src/errors.js';
import { TEST_MODEL_ID, testModel } from '../../helpers/model.js';
import {
  copyModelFolder,
  editJson,
  readHeader,
  WEIGHTS,
  writeRawSafetensors,
  writeSparseSafetensors,
} from '../../helpers/model-folder.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * A broken model folder fails with ONE ModelError whose message starts with the broken file's
 * path, says what is wrong, and carries a stable code — never a crash deep inside MLX.
 */
const real = testModel();
const realWeights = statSync(real.weights);

/** What opening the folder as the embedder does at start, then on first use. */
function open(dir: string): MlxEmbedder {
  return new MlxEmbedder({ model: dir, batchTokens: 4096 });
}

function caught(f: () => unknown): ModelError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return err as ModelError;
  }
  throw new Error('expected a ModelError, got none');
}

/** The contract of every model error: one line, starting with the file it names. */
function expectNames(
  err: ModelError,
  file: string,
  code: 'E_MODEL' | 'E_MODEL_MISSING',
  reason: RegExp,
): void {
  expect(err.code).toBe(code);
  expect(err.file).toBe(file);
  expect(err.message.startsWith(`${file}: `), err.message).toBe(true);
  expect(err.message).not.toContain('\n');
  expect(err.message.slice(file.length + 2)).toMatch(reason);
}

describe('model folder errors', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    let tmp: string;
    ({ dir: tmp, cleanup } = await makeTempDir('model-errors'));
    dir = await copyModelFolder(join(tmp, 'model'));
  });
  afterEach(async () => {
    await cleanup();
  });
  afterAll(() => {
    // The copies link to the cache's weights: nothing here may have written through the link.
    const after = statSync(real.weights);
    expect([after.size, after.mtimeMs]).toEqual([realWeights.size, realWeights.mtimeMs]);
  });

  it('opens the unbroken copy (so every failure below is the breakage, not the copy)', async () => {
    const embedder = open(dir);
    expect(embedder.dimension).toBe(384);
    expect(embedder.tokenizer.maxTokens).toBe(256);
    expect(embedder.modelId).toMatch(/@[0-9a-f]{12}$/);
    await embedder.close();
  });

  it('missing config.json: E_MODEL_MISSING naming it, with a fix', async () => {
    await rm(join(dir, 'config.json'));
    const err = caught(() => open(dir));
    expectNames(err, join(dir, 'config.json'), 'E_MODEL_MISSING', /^missing from the model folder$/);
    expect(err.fix).toMatch(/config\.json, tokenizer\.json and model\.safetensors/);
  });

  it('missing model.safetensors: E_MODEL_MISSING naming it', async () => {
    await rm(join(dir, WEIGHTS));
    expectNames(
      caught(() => open(dir)),
      join(dir, WEIGHTS),
      'E_MODEL_MISSING',
      /missing from the model folder/,
    );
  });

  it('header length larger than the file: E_MODEL, truncated or not safetensors', async () => {
    await writeRawSafetensors(join(dir, WEIGHTS), Buffer.from('{"a":'), 0, 1_000_000);
    const err = caught(() => open(dir));
    expectNames(err, join(dir, WEIGHTS), 'E_MODEL', /header length 1000000 does not fit a file of 13 bytes/);
    expect(err.message).toMatch(/truncated or not a safetensors file/);
  });

  it('a file cut short inside the tensor data: E_MODEL naming the tensor past the end', async () => {
    const tensors = readHeader(real.weights);
    await writeSparseSafetensors(join(dir, WEIGHTS), tensors, 45_000_000);
    expectNames(
      caught(() => open(dir)),
      join(dir, WEIGHTS),
      'E_MODEL',
      /^bad safetensors header: tensor \S+ ends at byte \d+, past the end of the data \(45000000 bytes\): the file is truncated$/,
    );
  });

  it('a header that is not JSON: E_MODEL naming the weights', async () => {
    await writeRawSafetensors(join(dir, WEIGHTS), Buffer.from('{"embeddings": garbage ]]'), 1024);
    expectNames(
      caught(() => open(dir)),
      join(dir, WEIGHTS),
      'E_MODEL',
      /^bad safetensors header: the header is not valid JSON$/,
    );
  });

  it('a tensor missing from the header: E_MODEL naming the tensor', async () => {
    const tensors = readHeader(real.weights);
    const dropped = 'encoder.layer.3.attention.self.query.weight';
    expect(tensors.delete(dropped)).toBe(true);
    await writeSparseSafetensors(join(dir, WEIGHTS), tensors);
    // The rewritten file is itself well-formed: only the missing tensor is wrong.
    expect(readSafetensorsHeader(join(dir, WEIGHTS)).size).toBe(tensors.size);
    expectNames(
      caught(() => open(dir)),
      join(dir, WEIGHTS),
      'E_MODEL',
      new RegExp(
        `^missing tensor ${dropped.replaceAll('.', '\\.')} \\(does config\\.json match these weights\\?\\)$`,
      ),
    );
  });

  it('config.json saying hidden_size 768 for 384-wide weights: E_MODEL giving both shapes', async () => {
    editJson(join(dir, 'config.json'), (c) => {
      c.hidden_size = 768;
    });
    expectNames(
      caught(() => open(dir)),
      join(dir, WEIGHTS),
      'E_MODEL',
      /^tensor embeddings\.word_embeddings\.weight has shape \[30522, 384\], expected \[30522, 768\] from config\.json$/,
    );
  });

  it('config.json that is not JSON: E_MODEL naming it', async () => {
    await writeFile(join(dir, 'config.json'), '{ "hidden_size": 384,');
    expectNames(
      caught(() => open(dir)),
      join(dir, 'config.json'),
      'E_MODEL',
      /^is not valid JSON: /,
    );
  });

  it('tokenizer.json that is not JSON: E_MODEL naming it, on first use (start stays cheap)', async () => {
    await writeFile(join(dir, 'tokenizer.json'), '{"version": "1.0", "model": {');
    const embedder = open(dir);
    const file = join(dir, 'tokenizer.json');
    expectNames(
      caught(() => embedder.tokenizer),
      file,
      'E_MODEL',
      /^is not valid JSON: /,
    );
    await expect(embedder.embed(['hello'])).rejects.toMatchObject({ code: 'E_MODEL', file });
    await embedder.close();
  });

  it('a tokenizer with more ids than the model has embeddings: the mismatch error', async () => {
    // A consistent model with a 30000-row embedding table, under the real 30522-entry tokenizer.
    const tensors = readHeader(real.weights);
    const embeddings = tensors.get('embeddings.word_embeddings.weight')!;
    tensors.set('embeddings.word_embeddings.weight', { ...embeddings, shape: [30000, 384] });
    await writeSparseSafetensors(join(dir, WEIGHTS), tensors);
    editJson(join(dir, 'config.json'), (c) => {
      c.vocab_size = 30000;
    });
    const embedder = open(dir);
    expect(embedder.spec.vocabSize).toBe(30000);
    expectNames(
      caught(() => embedder.tokenizer),
      join(dir, 'tokenizer.json'),
      'E_MODEL',
      /^produces ids up to 30521, but the model's vocabulary has 30000 entries \(tokenizer and weights do not match\)$/,
    );
    await embedder.close();
  });

  it('a folder that does not exist: E_MODEL_MISSING naming it', async () => {
    const missing = join(dir, 'nope');
    const err = caught(() => open(missing));
    expectNames(err, missing, 'E_MODEL_MISSING', /^model folder does not exist$/);
    expect(err.fix).toMatch(/embedders\.<name>\.model/);
  });
});

describe('Hugging Face cache resolution', () => {
  let home: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir: home, cleanup } = await makeTempDir('hf-home'));
  });
  afterEach(async () => {
    await cleanup();
  });

  it('a model id not in the cache: E_MODEL_MISSING naming the cache folder, fix `ragctl model pull <id>`', () => {
    const env = { HF_HOME: home };
    const repo = join(home, 'hub', `models--${TEST_MODEL_ID.replace('/', '--')}`);
    for (const attempt of [
      () => resolveModel(TEST_MODEL_ID, env),
      () => new MlxEmbedder({ model: TEST_MODEL_ID, batchTokens: 4096, env }),
    ]) {
      const err = caught(attempt);
      expectNames(
        err,
        repo,
        'E_MODEL_MISSING',
        new RegExp(`^model ${TEST_MODEL_ID} is not in the Hugging Face cache$`),
      );
      expect(err.fix).toBe(
        `run \`ragctl model pull ${TEST_MODEL_ID}\` (it downloads into ${join(home, 'hub')})`,
      );
    }
  });

  it('a ref naming a snapshot that is gone: the same E_MODEL_MISSING', async () => {
    const repo = join(home, 'hub', 'models--org--model');
    await writeFileDeep(join(repo, 'refs', 'main'), 'abc123');
    const err = caught(() => resolveModel('org/model', { HF_HOME: home }));
    expectNames(err, repo, 'E_MODEL_MISSING', /is not in the Hugging Face cache/);
  });

  it('a snapshot missing a file: E_MODEL_MISSING naming the file, fix `ragctl model pull`', async () => {
    const snapshot = join(home, 'hub', 'models--org--model', 'snapshots', 'abc123');
    await copyModelFolder(snapshot);
    await rm(join(snapshot, 'tokenizer.json'));
    await writeFileDeep(join(home, 'hub', 'models--org--model', 'refs', 'main'), 'abc123\n');
    const err = caught(() => resolveModel('org/model', { HF_HOME: home }));
    expectNames(err, join(snapshot, 'tokenizer.json'), 'E_MODEL_MISSING', /^missing from the model folder$/);
    expect(err.fix).toMatch(/^run `ragctl model pull org\/model`/);
  });
});

async function writeFileDeep(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}
