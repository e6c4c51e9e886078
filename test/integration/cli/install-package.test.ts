import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubServer } from '../../helpers/hub-server.js';
import { TEST_MODEL_ID, testModel } from '../../helpers/model.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * The package as a user gets it: `npm pack` (its `prepack` builds dist/ from src/), then
 * `npm install -g` of the tarball into a temporary prefix, dependencies from the npm registry,
 * and the installed `ragctl` run from an unrelated folder with a fresh HOME (the default config
 * and data locations), a fresh Hugging Face cache, and a PATH without this checkout.
 * `ragctl model pull` downloads the real model over HTTP from a server on 127.0.0.1 that
 * answers as the Hub does (HF_ENDPOINT): the real download path, no traffic off the machine.
 *
 * The install passes --ignore-scripts, as the README tells Linux users to: npm runs
 * dependencies' install scripts in a global install whatever our package.json's allowScripts
 * says (that applies to a project root only), and onnxruntime-node's would fetch CUDA libraries
 * from NuGet, @frost-beta/mlx's its binary from GitHub again (the package already holds the
 * Linux build). The test proves the CLI works without either.
 */

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);
/** npm resolving and unpacking every dependency (LanceDB and onnxruntime are large) on a busy machine. */
const INSTALL_TIMEOUT_MS = 540_000;
const ID = TEST_MODEL_ID;
const SHA = 'c'.repeat(40);

let tmp: string;
let cleanup: () => Promise<void>;
let hub: HubServer;
let tarball: string;
let packed: { filename: string; files: Array<{ path: string }> };
let prefix: string;
let home: string;
let elsewhere: string;

/** The files of this checkout that git would carry (tracked, and new ones not ignored). */
async function checkoutFiles(): Promise<string[]> {
  const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: REPO,
    maxBuffer: 64 << 20,
  });
  // Files only: a deleted file git still tracks, or a socket someone left, is not the package's.
  return stdout.split('\0').filter((f) => {
    if (f === '' || !existsSync(join(REPO, f))) return false;
    const stat = lstatSync(join(REPO, f));
    return stat.isFile() || stat.isSymbolicLink();
  });
}

/** The environment of a user who installed the package: nothing of this checkout or the test run. */
function userEnv(): NodeJS.ProcessEnv {
  return {
    HOME: home,
    PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HF_HOME: join(home, '.cache', 'huggingface'),
    HF_ENDPOINT: hub.url,
    LANG: 'C.UTF-8',
  };
}

async function ragctl(args: string[], timeout = 120_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('ragctl', args, { cwd: elsewhere, env: userEnv(), timeout });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`ragctl ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

beforeAll(async () => {
  ({ dir: tmp, cleanup } = await makeTempDir('install'));
  hub = await HubServer.start();
  const model = testModel().dir;
  const modelFiles = readdirSync(model, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => relative(model, join(e.parentPath, e.name)));
  hub.serveModel(ID, SHA, model, modelFiles);

  // A copy of the checkout, so `prepack` builds a dist/ of its own and never touches the one
  // other tests run from.
  const copy = join(tmp, 'checkout');
  for (const f of await checkoutFiles()) {
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(REPO, f), join(copy, f));
  }
  symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'));
  const packDir = join(tmp, 'pack');
  mkdirSync(packDir);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], {
    cwd: copy,
    timeout: 300_000,
    maxBuffer: 64 << 20,
  });
  packed = (JSON.parse(stdout) as Array<typeof packed>)[0]!;
  tarball = join(packDir, packed.filename);

  prefix = join(tmp, 'prefix');
  home = join(tmp, 'home');
  elsewhere = join(tmp, 'elsewhere');
  for (const d of [prefix, home, elsewhere]) mkdirSync(d);
  await run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--ignore-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
    ],
    {
      cwd: elsewhere,
      timeout: INSTALL_TIMEOUT_MS,
      maxBuffer: 64 << 20,
      env: { ...process.env, HOME: process.env.HOME },
    },
  );
}, INSTALL_TIMEOUT_MS + 300_000);

afterAll(async () => {
  await hub?.close();
  await cleanup?.();
});

describe('npm pack', () => {
  it('packs the built CLI and what it reads at run time, and nothing of the development tree', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'bin/ragctl.js',
        'dist/cli/main.js',
        'dist/mcp/server.js',
        'dist/embed/worker/child.js',
        'libexec/mlx-cxx/g++',
        'launchd/com.ragctl.ragd.plist.template',
      ]),
    );
    const dev = paths.filter((p) =>
      /^(src|test|bench|scripts|examples)\/|\.map$|^tsconfig|^biome|^vitest/.test(p),
    );
    expect(dev).toEqual([]);
  });

  it('is ready to publish: named, licensed, with its repository, engines, bin, and no install scripts', () => {
    const pkg = JSON.parse(
      readFileSync(join(prefix, 'lib', 'node_modules', 'ragctl', 'package.json'), 'utf8'),
    );
    expect(pkg.private).toBeUndefined();
    expect(pkg).toMatchObject({ name: 'ragctl', license: 'MIT', bin: { ragctl: 'bin/ragctl.js' } });
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(pkg.repository.url).toMatch(/^git\+https:\/\//);
    expect(pkg.engines.node).toBe('>=20.19');
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect(pkg.scripts[hook]).toBeUndefined();
  });
});

describe('the installed ragctl, from another folder with a fresh HOME', () => {
  it('prints its help', async () => {
    const { stdout } = await ragctl(['--help']);
    expect(stdout).toContain('Usage: ragctl');
    for (const command of ['search', 'index', 'mcp', 'completion']) expect(stdout).toContain(command);
  });

  it('pulls the model, indexes the notes of the default config, and finds them', async () => {
    const pulled = await ragctl(['model', 'pull'], 300_000);
    const cached = join(
      home,
      '.cache',
      'huggingface',
      'hub',
      `models--${ID.replace('/', '--')}`,
      'snapshots',
      SHA,
    );
    expect(pulled.stdout).toContain(`${ID}: ready in ${cached}`);
    expect(hub.requests.map((r) => r.path)).toContain(`/${ID}/resolve/${SHA}/model.safetensors`);

    mkdirSync(join(home, 'notes'));
    writeFileSync(
      join(home, 'notes', 'backup.md'),
      '# Backups\n\nTo restore a file from backup, run `restic restore latest --include notes.txt`.\n',
    );
    writeFileSync(join(home, 'notes', 'garden.md'), '# Garden\n\nTomatoes need staking in June.\n');
    mkdirSync(join(home, '.config', 'ragctl'), { recursive: true });
    writeFileSync(join(home, '.config', 'ragctl', 'config.yaml'), 'sources:\n  - path: ~/notes\n');

    await ragctl(['index'], 300_000);
    expect(existsSync(join(home, '.local', 'share', 'ragctl', 'index'))).toBe(true);

    const { stdout } = await ragctl(['search', '--json', 'how do I restore a file from backup', '-k', '2']);
    const result = JSON.parse(stdout) as { via: string; results: Array<{ path: string }> };
    expect(result.via).toBe('index');
    expect(result.results[0]?.path).toBe(join(home, 'notes', 'backup.md'));
  }, 600_000);

  it('plans the login service around the installed ragctl', async () => {
    const { stdout } = await ragctl(['daemon', 'install', '--dry-run']);
    expect(stdout).toContain(join(prefix, 'lib', 'node_modules', 'ragctl', 'bin', 'ragctl.js'));
    expect(stdout).not.toContain(REPO);
  });

  it('serves MCP and prints completion scripts', async () => {
    const transport = new StdioClientTransport({
      command: 'ragctl',
      args: ['mcp'],
      cwd: elsewhere,
      env: userEnv() as Record<string, string>,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'install-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      // The config's one source is notes: no SQL logs, so no sql_clusters tool.
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search', 'status', 'context']);
    } finally {
      await client.close();
    }
    const { stdout } = await ragctl(['completion', 'bash']);
    expect(stdout).toContain('complete -F _ragctl ragctl');
  });
});
