import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_MODEL_ID, testModel } from '../../helpers/model.js';
import { copyModelFolder, WEIGHTS, writeRawSafetensors } from '../../helpers/model-folder.js';
import { type CliResult, oneJsonLine, runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp.js';

/** `ragctl model info` on broken models, as a real process: exit 4 and one line naming the file. */
const EXIT_MODEL = 4;

/** stderr must be `ragctl: <file>: <reason>`, optionally followed by one `  fix: …` line. */
function expectOneErrorLine(result: CliResult, file: string, reason: RegExp, fix?: RegExp): void {
  expect(result.code, result.stderr).toBe(EXIT_MODEL);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n');
  expect(lines.pop(), 'stderr ends with a newline').toBe('');
  expect(lines.length, result.stderr).toBe(fix ? 2 : 1);
  expect(lines[0]!.startsWith(`ragctl: ${file}: `), lines[0]).toBe(true);
  expect(lines[0]!.slice(`ragctl: ${file}: `.length)).toMatch(reason);
  if (fix) expect(lines[1]).toMatch(fix);
}

describe('ragctl model info', () => {
  let tmp: string;
  let cleanup: () => Promise<void>;
  const ragctl = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli(['model', 'info', ...args], { cwd: tmp, env: { HF_HOME: join(tmp, 'hf'), ...env } });

  beforeAll(async () => {
    ({ dir: tmp, cleanup } = await makeTempDir('cli-model'));
  });
  afterAll(async () => {
    await cleanup();
  });

  it('describes a good folder and exits 0', async () => {
    const good = testModel().dir;
    const text = await ragctl([good]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`folder:   ${good}`);
    const json = oneJsonLine(await ragctl([good, '--json']));
    expect(json).toMatchObject({ id: good, dir: good, revision: null, tensors: expect.any(Number) });
  });

  it("says what runs the config's embedder type: onnx's providers, and why CUDA is not used", async () => {
    const good = testModel().dir;
    const config = join(tmp, 'onnx.yaml');
    await writeFile(config, `embedders:\n  default:\n    type: onnx\n    model: ${good}\n`);
    const json = oneJsonLine(await ragctl(['--config', config, '--json']));
    expect(json).toMatchObject({
      id: good,
      runtime: { type: 'onnx', backend: 'onnx-cpu', providers: ['cpu'] },
    });
    // npm's onnxruntime-node has no CUDA provider libraries: model info names them and where they go.
    expect((json.runtime as { cudaUnavailable: string }).cudaUnavailable).toMatch(
      /libonnxruntime_providers_cuda\.so/,
    );
    const text = await ragctl(['--config', config]);
    expect(text.stdout).toContain('backend:  onnx-cpu (embedder type onnx)');
  });

  it("reports MLX's OpenBLAS kernels on x86-64 Linux: as measured, or as the user set them", async () => {
    const cache = join(tmp, 'xdg-cache');
    // MLX named: the default type (auto) would report its own choice instead.
    const mlx = join(tmp, 'mlx.yaml');
    await writeFile(mlx, `embedders:\n  default:\n    type: mlx-bert\n    model: ${testModel().dir}\n`);
    // Some machines set OPENBLAS_CORETYPE for every process: the unmeasured case is without it.
    const json = oneJsonLine(
      await ragctl(['--config', mlx, '--json'], { XDG_CACHE_HOME: cache, OPENBLAS_CORETYPE: undefined }),
    );
    const runtime = json.runtime as { backend: string; openblas?: Record<string, unknown> };
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      expect(runtime.backend).toMatch(/^mlx-/);
      return;
    }
    expect(runtime).toMatchObject({
      backend: 'mlx-cpu',
      openblas: { source: expect.stringMatching(/^not measured yet/) },
    });
    const set = oneJsonLine(
      await ragctl(['--config', mlx, '--json'], { XDG_CACHE_HOME: cache, OPENBLAS_CORETYPE: 'Haswell' }),
    );
    expect(set.runtime).toMatchObject({ openblas: { coreType: 'Haswell', source: 'environment' } });
  });

  it('missing config.json: exit 4, one line naming it, and a fix line', async () => {
    const dir = await copyModelFolder(join(tmp, 'no-config'));
    await rm(join(dir, 'config.json'));
    expectOneErrorLine(
      await ragctl([dir]),
      join(dir, 'config.json'),
      /^missing from the model folder$/,
      /^ {2}fix: a model folder needs config\.json, tokenizer\.json and model\.safetensors$/,
    );
  });

  it('truncated weights: exit 4, one line naming model.safetensors', async () => {
    const dir = await copyModelFolder(join(tmp, 'truncated'));
    await writeRawSafetensors(join(dir, WEIGHTS), Buffer.from('{"a":'), 0, 1 << 30);
    expectOneErrorLine(
      await ragctl([dir]),
      join(dir, WEIGHTS),
      /^bad safetensors header: header length \d+ does not fit/,
    );
  });

  it('a weights header that is not JSON: exit 4, one line naming model.safetensors', async () => {
    const dir = await copyModelFolder(join(tmp, 'garbage'));
    await writeRawSafetensors(join(dir, WEIGHTS), Buffer.from('not json at all'), 64);
    expectOneErrorLine(
      await ragctl([dir]),
      join(dir, WEIGHTS),
      /^bad safetensors header: the header is not valid JSON$/,
    );
  });

  it('a model id not in the cache: exit 4, the fix says `ragctl model pull <id>`', async () => {
    const hub = join(tmp, 'hf', 'hub');
    const result = await ragctl([TEST_MODEL_ID]);
    expectOneErrorLine(
      result,
      join(hub, `models--${TEST_MODEL_ID.replace('/', '--')}`),
      /is not in the Hugging Face cache$/,
      new RegExp(
        `^ {2}fix: run \`ragctl model pull ${TEST_MODEL_ID}\` \\(it downloads into ${escapeRegExp(hub)}\\)$`,
      ),
    );
  });

  it('--json puts the error on stdout as one object with its code and fix', async () => {
    const result = await ragctl([TEST_MODEL_ID, '--json']);
    expect(result.code).toBe(EXIT_MODEL);
    expect(oneJsonLine(result)).toEqual({
      error: {
        code: 'E_MODEL_MISSING',
        message: expect.stringContaining('is not in the Hugging Face cache'),
        fix: expect.stringContaining(`ragctl model pull ${TEST_MODEL_ID}`),
      },
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
