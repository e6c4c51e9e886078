import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKDOWN_INCLUDE } from '../../../src/engines/default-includes.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { Workspace } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/** md (the engine of a source that names none) and code, declared as the shipped config.yaml does. */
const ENGINES = { md: { chunker: 'markdown' }, code: { chunker: 'code', mapper: 'code' } };

async function writeCode(write: (rel: string, text: string) => Promise<string>): Promise<void> {
  await write('app/cart.py', 'def total(items):\n    return sum(i.price for i in items)\n');
  await write('app/queue.ts', 'export function push(q: number[], x: number): void {\n  q.push(x);\n}\n');
  await write('cmd/main.go', 'package main\n\nfunc main() {}\n');
}

describe('a source whose files all miss its engine, and an empty one, without a daemon', () => {
  let ws: Workspace;
  let config: string;
  let empty: string;

  beforeAll(async () => {
    ws = await Workspace.create('cli-unmatched');
    await writeCode((rel, text) => ws.write(rel, text));
    empty = join(ws.root, 'empty');
    await mkdir(empty);
    // A folder of code given as a plain source: read as Markdown, it matches nothing. No
    // `engines:` names code: the fix offers the built-in one, which the source may name as is.
    config = await ws.writeConfig({ sources: [{ path: ws.notes }, { path: empty }] });
  });
  afterAll(async () => {
    await ws.cleanup();
  });

  it('ragctl index names the source, its engine and globs, the files skipped and the fix', async () => {
    const text = await runCli(['index', '--config', config], { cwd: ws.root });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      `Nothing to index: source ${ws.notes} (engine md) matched 0 files: its include globs (${MARKDOWN_INCLUDE.join(', ')}) match none of its 3 files`,
    );
    expect(text.stdout).toContain(`  fix: add \`engine: code\` to this source in ${config}`);
    expect(text.stdout).toContain(`Nothing to index: source ${empty} (engine md) holds no files to index`);

    const json = oneJsonLine(await runCli(['index', '--json', '--config', config], { cwd: ws.root }));
    expect(json.unmatched).toEqual([
      expect.objectContaining({
        source: ws.notes,
        engine: 'md',
        include: [...MARKDOWN_INCLUDE],
        filesSkipped: 3,
        complete: true,
        suggestedEngine: 'code',
        fix: expect.stringContaining('add `engine: code`'),
      }),
      expect.objectContaining({ source: empty, engine: 'md', filesSkipped: 0, suggestedEngine: null }),
    ]);
  }, 120_000);

  it('ragctl status says the same, in text and --json', async () => {
    const text = await runCli(['status', '--config', config], { cwd: ws.root });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`nothing to index: source ${ws.notes} (engine md) matched 0 files`);
    expect(text.stdout).toContain('  fix: add `engine: code` to this source');
    const json = oneJsonLine(await runCli(['status', '--json', '--config', config], { cwd: ws.root }));
    expect(json.unmatched_sources).toEqual([
      expect.objectContaining({ source: ws.notes, engine: 'md', files_skipped: 3, suggested_engine: 'code' }),
      expect.objectContaining({ source: empty, files_skipped: 0 }),
    ]);
  }, 120_000);

  it('tells files the globs match but an ignore file keeps out from files they do not match', async () => {
    const ignored = join(ws.root, 'ignored');
    await mkdir(ignored);
    await writeFile(join(ignored, '.gitignore'), '*.md\n');
    await writeFile(join(ignored, 'a.md'), '# A\n\nkept out\n');
    const own = await ws.writeConfig({ engines: ENGINES, sources: [{ path: ignored }] });
    const json = oneJsonLine(await runCli(['index', '--json', '--config', own], { cwd: ws.root }));
    expect(json.unmatched).toEqual([
      expect.objectContaining({
        source: ignored,
        filesSkipped: 1,
        suggestedEngine: null,
        message: expect.stringContaining(
          'match 1 file, all kept out by its `exclude:` or a .gitignore/.ragignore',
        ),
      }),
    ]);
  }, 120_000);

  it('says nothing once the source names the engine that reads its files', async () => {
    const fixed = await ws.writeConfig({ sources: [{ path: ws.notes, engine: 'code' }] });
    const json = oneJsonLine(await runCli(['index', '--json', '--config', fixed], { cwd: ws.root }));
    expect(json).toMatchObject({ filesAdded: 3, unmatched: [] });
    const status = oneJsonLine(await runCli(['status', '--json', '--config', fixed], { cwd: ws.root }));
    expect(status.unmatched_sources).toEqual([]);
  }, 120_000);

  it("names an engine's own include that leaves out files its chunker reads, in add and in index", async () => {
    // A copied config whose code engine lists a few languages: a folder of C reads as nothing.
    const cProject = join(ws.root, 'cproj');
    await mkdir(cProject);
    await writeFile(join(cProject, 'sum.c'), 'int sum(int a, int b) {\n  return a + b;\n}\n');
    await writeFile(join(cProject, 'sum.h'), 'int sum(int a, int b);\n');
    const narrow = await ws.writeConfig({
      engines: { ...ENGINES, code: { ...ENGINES.code, include: ['**/*.py', '**/*.ts'] } },
      sources: [],
    });
    const added = await runCli(['add', cProject, '--config', narrow], { cwd: ws.root });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('Nothing in it would be read');
    expect(added.stdout).toContain(`fix: remove the \`include:\` under engines.code in ${narrow}`);
    const json = oneJsonLine(await runCli(['index', '--json', '--config', narrow], { cwd: ws.root }));
    expect(json.unmatched).toEqual([
      expect.objectContaining({
        source: cProject,
        suggestedEngine: 'code',
        fix: expect.stringMatching(
          /^remove the `include:` under engines\.code .*, or add "\*\*\/\*\.[ch]" to it, and add `engine: code` to this source$/,
        ),
      }),
    ]);
  }, 120_000);

  it('a folder read by several engines is named only when none reads a file of it, once', async () => {
    // Code and md, with no Markdown in the folder: md finding nothing is no mistake.
    const both = await ws.writeConfig({ sources: [{ path: ws.notes, engine: ['code', 'md'] }] });
    const json = oneJsonLine(await runCli(['index', '--json', '--config', both], { cwd: ws.root }));
    expect(json).toMatchObject({ unmatched: [] });
    const status = oneJsonLine(await runCli(['status', '--json', '--config', both], { cwd: ws.root }));
    expect(status.unmatched_sources).toEqual([]);

    const neither = await ws.writeConfig({ sources: [{ path: empty, engine: ['code', 'md'] }] });
    const none = oneJsonLine(await runCli(['index', '--json', '--config', neither], { cwd: ws.root }));
    expect(none.unmatched).toEqual([
      expect.objectContaining({ source: empty, engine: 'code', filesSkipped: 0 }),
    ]);
    const noneStatus = oneJsonLine(await runCli(['status', '--json', '--config', neither], { cwd: ws.root }));
    expect(noneStatus.unmatched_sources).toEqual([
      expect.objectContaining({ source: empty, engine: 'code' }),
    ]);
  }, 120_000);
});

describe('ragctl status of a daemon with a source whose files all miss its engine', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
    await writeCode((rel, text) => ws.write(rel, text));
    await ws.writeConfig({ engines: ENGINES, sources: [{ path: ws.notes }] });
    daemon = await DaemonProcess.start(ws);
    await daemon.until('the start-up walk done', (s) => s.state === 'idle');
  });
  afterAll(() => endDaemonTest(daemon, ws));

  it('names the source and the fix', async () => {
    const text = await runCli(['status', '--config', ws.configFile], { cwd: ws.root });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('(pid ');
    expect(text.stdout).toContain(`nothing to index: source ${ws.notes} (engine md) matched 0 files`);
    const json = oneJsonLine(await runCli(['status', '--json', '--config', ws.configFile], { cwd: ws.root }));
    expect(json).toMatchObject({ via: 'daemon' });
    expect(json.unmatched_sources).toEqual([
      expect.objectContaining({ source: ws.notes, engine: 'md', files_skipped: 3, suggested_engine: 'code' }),
    ]);
  }, 120_000);
});
