import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { testEmbedderBlock, Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * A first run: no config file, or one that lists no folder. Indexing then has nothing to do, and
 * "0 files indexed" would leave the user guessing; each command says where the folders go.
 */
describe('ragctl index and status with no sources, without a daemon', () => {
  let ws: Workspace;
  let env: NodeJS.ProcessEnv;
  let defaultConfig: string;

  beforeAll(async () => {
    ws = await Workspace.create('cli-no-sources');
    env = { XDG_CONFIG_HOME: join(ws.root, 'xdg-config'), XDG_DATA_HOME: join(ws.root, 'xdg-data') };
    defaultConfig = join(ws.root, 'xdg-config', 'ragctl', 'config.yaml');
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('index with no config file at all names where it belongs, and exits 2', async () => {
    const text = await runCli(['index'], { cwd: ws.root, env });
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr).toBe(
      `ragctl: no sources: there is no config file at ${defaultConfig} (nor --config or $RAGCTL_CONFIG)\n` +
        '  fix: `ragctl add <folder>` creates it with that folder; or write it, e.g. `sources: [{path: ~/notes}]` (config.yaml in the ragctl repo documents every key)\n',
    );
  });

  it('index with a config that lists no source names the file, in text and --json', async () => {
    await mkdir(join(ws.root, 'xdg-config', 'ragctl'), { recursive: true });
    await writeFile(defaultConfig, 'search:\n  k: 5\n');
    const text = await runCli(['index'], { cwd: ws.root, env });
    expect(text.code, text.stderr).toBe(2);
    expect(text.stderr).toContain(`ragctl: no sources: ${defaultConfig} lists no folder under \`sources:\``);
    const json = await runCli(['index', '--json'], { cwd: ws.root, env });
    expect(json.code).toBe(2);
    expect(oneJsonLine(json).error).toMatchObject({
      code: 'E_CONFIG',
      fix: expect.stringContaining('sources: [{path: ~/notes}]'),
    });
  });

  it('status says the same as its reason and fix; a source makes them go', async () => {
    const config = await ws.writeConfig({ sources: [] });
    const text = await runCli(['status', '--config', config], { cwd: ws.root });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`reason:   no sources: ${config} lists no folder under \`sources:\``);
    expect(text.stdout).toContain('fix:      `ragctl add <folder>` adds one to it');
    const json = oneJsonLine(await runCli(['status', '--json', '--config', config], { cwd: ws.root }));
    expect(json).toMatchObject({ state: 'stopped', reason: expect.stringContaining('no sources') });

    await ws.write('a.md', '# A\n\nsome text\n');
    const withSource = await ws.writeConfig();
    const indexed = oneJsonLine(await runCli(['index', '--json', '--config', withSource], { cwd: ws.root }));
    expect(indexed).toMatchObject({ filesAdded: 1 });
    const after = oneJsonLine(await runCli(['status', '--json', '--config', withSource], { cwd: ws.root }));
    expect(after).toMatchObject({ reason: null, fix: null, files: 1 });
  }, 120_000);
});

describe('a daemon with no sources, then one added and removed', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    ws = await DaemonWorkspace.create({ sources: [] });
    daemon = await DaemonProcess.start(ws);
    await daemon.until('the start-up walk done', (s) => s.state === 'idle');
  });
  afterAll(() => endDaemonTest(daemon, ws));

  it('is idle, and its status says why it holds nothing', async () => {
    const status = await daemon.status();
    expect(status).toMatchObject({
      state: 'idle',
      reason: `no sources: ${ws.configFile} lists no folder under \`sources:\``,
      fix: expect.stringContaining('`ragctl add <folder>` adds one to it'),
      files: 0,
    });
    expect(status.fix).toContain(`after an edit by hand, reload the daemon: \`kill -HUP ${daemon.pid}\``);
  }, 60_000);

  it('takes a source added to the config on SIGHUP, as its fix says', async () => {
    await ws.write('a.md', '# A\n\nsome text to find\n');
    await ws.writeConfig();
    process.kill(daemon.pid, 'SIGHUP');
    const status = await daemon.until('the new source indexed', (s) => s.state === 'idle' && s.files === 1);
    expect(status).toMatchObject({ reason: null, fix: null });
  }, 120_000);

  it('ragctl remove tells the daemon to reload, and the folder leaves the index', async () => {
    const r = await runCli(['remove', ws.notes, '--config', ws.configFile], { cwd: ws.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `The daemon (pid ${daemon.pid}) is reloading its config and drops the folder's files`,
    );
    await daemon.until('the removed folder gone from the index', (s) => s.state === 'idle' && s.files === 0);
    expect(parseYaml(await readFile(ws.configFile, 'utf8'))).toMatchObject({ sources: [] });
  }, 120_000);

  it('ragctl add tells the daemon to reload, and the folder is indexed', async () => {
    await ws.write('trip.md', '# Trip\n\nthe train leaves at nine\n');
    const r = await runCli(['add', ws.notes, '--config', ws.configFile], { cwd: ws.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`The daemon (pid ${daemon.pid}) is reloading its config`);
    await daemon.until('the added folder indexed', (s) => s.state === 'idle' && s.files === 2);
    const config = parseYaml(await readFile(ws.configFile, 'utf8')) as Record<string, unknown>;
    expect(config.sources).toEqual([{ path: ws.notes }]);
    // The rest of the file is as the test wrote it.
    expect(config.embedders).toEqual({ default: testEmbedderBlock() });
  }, 120_000);
});
