import { existsSync } from 'node:fs';
import { mkdir, readdir, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSuffix } from '../../../src/service/spec.js';
import { linkedModelCopy, paragraph, testEmbedderType, Workspace } from '../../helpers/index-workspace.js';
import { type CliResult, oneJsonLine, runCli } from '../../helpers/run-cli.js';
import { writeCorpus } from '../../helpers/search-corpus.js';
import { snapshotTree } from '../../helpers/tree-snapshot.js';

/**
 * `ragctl search` and `ragctl status` without a daemon are readers: whatever they find in the
 * data dir — a healthy index, one built with another model, a newest version a power cut left
 * unreadable, or none at all — they answer what they can or say what is wrong and which command
 * fixes it, and leave the data dir exactly as it was (names, sizes, mtimes, bytes).
 */
describe('readers never write (search and status without a daemon)', () => {
  let ws: Workspace;
  let config: string;
  let index: string;
  const cli = (configFile: string, ...args: string[]) =>
    runCli([...args, '--config', configFile], { cwd: ws.root });
  const ragctl = (...args: string[]) => cli(config, ...args);
  const paths = (r: CliResult) => (oneJsonLine(r).results as { path: string }[]).map((h) => h.path);

  /** Runs `fn` and asserts that nothing under the data dir changed meanwhile. */
  async function unchanged(fn: () => Promise<void>): Promise<void> {
    const before = await snapshotTree(ws.dataDir);
    await fn();
    expect(await snapshotTree(ws.dataDir)).toEqual(before);
  }

  beforeAll(async () => {
    ws = await Workspace.create('cli-readonly');
    await writeCorpus(ws);
    config = await ws.writeConfig({ engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } } });
    index = join(ws.dataDir, 'index');
    const indexed = await ragctl('index', '--json');
    expect(indexed.code, indexed.stderr).toBe(0);
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('a healthy index: search and status answer and write nothing', async () => {
    await unchanged(async () => {
      const text = await ragctl('search', '--json', '--mode', 'text', 'guanciale');
      expect(text.code, text.stderr).toBe(0);
      expect(paths(text)).toContain(ws.path('cooking/carbonara.md'));
      const hybrid = await ragctl('search', '--json', 'how do I restore a backup');
      expect(hybrid.code, hybrid.stderr).toBe(0);
      expect(paths(hybrid)[0]).toBe(ws.path('ops/backups.md'));
      const status = await ragctl('status', '--json');
      expect(status.code, status.stderr).toBe(0);
      expect(oneJsonLine(status)).toMatchObject({ state: 'stopped', files: 4, reason: null, via: 'index' });
    });
  });

  it('another model in the config: says which model built the index and how to rebuild; text search still answers', async () => {
    const linked = await linkedModelCopy(join(ws.root, 'other-model'));
    const other = join(ws.root, 'other-model.yaml');
    const raw = ws.raw({
      embedders: { default: { type: testEmbedderType(), model: linked } },
      engines: { md: { chunker: 'markdown', chunkMinTokens: 8 } },
    });
    await writeFile(other, JSON.stringify(raw));
    await unchanged(async () => {
      const hybrid = await cli(other, 'search', '--json', 'how do I restore a backup');
      expect(hybrid.code, hybrid.stdout + hybrid.stderr).toBe(1);
      const { error } = oneJsonLine(hybrid) as { error: { code: string; message: string; fix: string } };
      expect(error.code).toBe('E_SCHEMA');
      expect(error.message).toContain(index);
      expect(error.message).toContain('other-model');
      expect(error.fix).toContain('ragctl index');
      expect(error.fix).toContain('--mode text');

      const human = await cli(other, 'search', 'how do I restore a backup');
      expect(human.code).toBe(1);
      expect(human.stderr).toMatch(/fix: .*ragctl index/);

      const text = await cli(other, 'search', '--json', '--mode', 'text', 'guanciale');
      expect(text.code, text.stderr).toBe(0);
      expect(paths(text)).toContain(ws.path('cooking/carbonara.md'));

      const status = await cli(other, 'status', '--json');
      expect(status.code, status.stderr).toBe(0);
      const s = oneJsonLine(status);
      expect(s).toMatchObject({ state: 'stopped', files: 4, via: 'index' });
      expect(String(s.reason)).toContain('other-model');
      expect(String(s.fix)).toContain('ragctl index');
    });
  });

  it('an unreadable newest version (zero-byte manifest): reads the last readable one, moves nothing, says so', async () => {
    await ws.write('travel/zanzibar.md', `# Zanzibar\n\n${paragraph('Zanzibar ferry', 12)}\n`);
    const added = await ragctl('index', '--json', '--no-optimize');
    expect(added.code, added.stderr).toBe(0);
    const zanzibar = ['search', '--json', '--mode', 'vector', '-k', '1', 'Zanzibar ferry'];
    expect(paths(await ragctl(...zanzibar))).toEqual([ws.path('travel/zanzibar.md')]);
    expect(oneJsonLine(await ragctl('status', '--json'))).toMatchObject({ files: 5, reason: null });
    // What a power cut during the commit that added zanzibar.md leaves behind, in both tables.
    for (const table of ['chunks_md', 'files']) {
      const versions = join(index, `${table}.lance`, '_versions');
      const newest = (await readdir(versions)).filter((f) => f.endsWith('.manifest')).sort()[0]!;
      await truncate(join(versions, newest), 0);
    }

    await unchanged(async () => {
      const gone = await ragctl(...zanzibar);
      expect(gone.code, gone.stderr).toBe(0);
      expect(paths(gone)).toHaveLength(1);
      expect(paths(gone)).not.toContain(ws.path('travel/zanzibar.md'));
      expect(gone.stderr).toMatch(/chunks_md.*unreadable/);
      const text = await ragctl('search', '--mode', 'text', 'guanciale');
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain('notes/cooking/carbonara.md');
      const hybrid = await ragctl('search', '--json', 'how do I restore a backup');
      expect(hybrid.code, hybrid.stderr).toBe(0);
      expect(paths(hybrid)[0]).toBe(ws.path('ops/backups.md'));

      const status = await ragctl('status', '--json');
      expect(status.code, status.stderr).toBe(0);
      const s = oneJsonLine(status);
      // The records as they were before the lost commit: four files, not five.
      expect(s).toMatchObject({ state: 'stopped', files: 4, via: 'index' });
      expect(String(s.reason)).toMatch(/unreadable/);
      expect(String(s.fix)).toContain('ragctl index');
      const human = await ragctl('status');
      expect(human.stdout).toMatch(/^reason: .*unreadable/m);
      expect(human.stdout).toMatch(/^fix: .*ragctl index/m);
    });

    // The writer still repairs: it sets the bad manifest aside and indexes zanzibar.md again.
    const repaired = await ragctl('index', '--json');
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(oneJsonLine(repaired).recovered).toHaveLength(2);
    expect(paths(await ragctl(...zanzibar))).toEqual([ws.path('travel/zanzibar.md')]);
  });
});

describe('readers never write: no index yet', () => {
  let ws: Workspace;
  let config: string;
  const ragctl = (...args: string[]) => runCli([...args, '--config', config], { cwd: ws.root });

  beforeAll(async () => {
    ws = await Workspace.create('cli-noindex');
    await ws.write('a.md', `# A\n\n${paragraph('alpha')}\n`);
    config = await ws.writeConfig();
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('search says there is no index and how to make one; status answers; no data dir appears', async () => {
    const search = await ragctl('search', '--json', 'alpha');
    expect(search.code, search.stderr).toBe(1);
    const { error } = oneJsonLine(search) as { error: { code: string; message: string; fix: string } };
    expect(error.code).toBe('E_NO_INDEX');
    expect(error.message).toContain(join(ws.dataDir, 'index'));
    expect(error.fix).toContain('ragctl index');

    const status = await ragctl('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    const s = oneJsonLine(status);
    expect(s).toMatchObject({ state: 'stopped', files: 0, chunks: 0, via: 'index' });
    expect(String(s.reason)).toContain('no index');
    expect(String(s.fix)).toContain('ragctl index');
    // With the config it was given: the default one would not find this index.
    expect(error.fix).toContain(`ragctl index --config ${config}`);
    // No service is installed for it: `daemon start` would fail, `daemon run` works.
    expect(error.fix).toContain(`\`ragctl daemon run --config ${config}\` in a terminal`);
    expect(error.fix).not.toContain('daemon start');

    expect(existsSync(ws.dataDir)).toBe(false);
  });

  it('with --config forgotten (no config file where it looks): says so, not "run ragctl index"', async () => {
    const home = join(ws.root, 'home');
    const env = {
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local/share'),
    };
    const search = await runCli(['search', '--json', 'alpha'], { cwd: ws.root, env });
    expect(search.code, search.stderr).toBe(1);
    const { error } = oneJsonLine(search) as { error: { code: string; message: string; fix: string } };
    expect(error.message).toContain(`no config file at ${join(home, '.config', 'ragctl', 'config.yaml')}`);
    expect(error.fix).toContain('ragctl add <folder>');
  });

  it('pause with no daemon: the fix starts one the way this config can be started', async () => {
    // Linux only: what is checked is systemd's files (written here; no service manager runs).
    if (process.platform !== 'linux') return;
    const home = join(ws.root, 'home2');
    const runtime = join(home, 'run');
    await mkdir(runtime, { recursive: true });
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_RUNTIME_DIR: runtime };
    const pause = () => runCli(['pause', '--config', config], { cwd: ws.root, env });
    // No systemd user session (no bus: a container, a shell without a login): a terminal only.
    const noBus = await pause();
    expect(noBus.code).not.toBe(0);
    expect(noBus.stderr).toContain(`\`ragctl daemon run --config ${config}\` in a terminal`);
    expect(noBus.stderr).not.toMatch(/daemon (install|start)/);
    // A user session, the service not installed: run it, or install it.
    await writeFile(join(runtime, 'bus'), '');
    const session = await pause();
    expect(session.stderr).toContain(`\`ragctl daemon run --config ${config}\` in a terminal`);
    expect(session.stderr).toContain(`\`ragctl daemon install --config ${config}\``);
    // Installed (its unit file where systemd looks): then `daemon start` is the fix.
    const unit = join(home, '.config', 'systemd', 'user', `ragd-${configSuffix(config)}.service`);
    await mkdir(dirname(unit), { recursive: true });
    await writeFile(unit, '[Unit]\n');
    const installed = await pause();
    expect(installed.stderr).toContain(`\`ragctl daemon start --config ${config}\``);
    expect(installed.stderr).not.toContain('daemon run');
  });
});
