import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * `ragctl status` lists each source folder with its engines and its files indexed and skipped,
 * read from the index without a daemon and from a daemon alike.
 */
describe('ragctl status: each source and its share of the index', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess | undefined;
  let project: string;
  let empty: string;

  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
    await ws.write('backup.md', '# Backups\n\nRestore a file with `restic restore latest`.\n');
    await ws.write('trip.md', '# Trip\n\nThe ferry leaves at nine.\n');
    // A binary file under a Markdown name: recorded as skipped, with its reason.
    await ws.write('photo.md', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0, 1, 2, 3]));
    project = join(ws.root, 'project');
    await mkdir(project);
    await writeFile(join(project, 'cart.py'), 'def total(items):\n    return sum(i.price for i in items)\n');
    await writeFile(join(project, 'README.md'), '# Cart\n\nSums the prices of the items in a cart.\n');
    empty = join(ws.root, 'empty');
    await mkdir(empty);
    await ws.writeConfig({
      engines: { md: { chunker: 'markdown' }, code: { chunker: 'code', mapper: 'code' } },
      sources: [
        { path: ws.notes, engine: 'md' },
        { path: project, engine: ['code', 'md'] },
        { path: empty, engine: 'md' },
      ],
    });
    const indexed = await runCli(['index', '--config', ws.configFile], { cwd: ws.root });
    expect(indexed.code, indexed.stderr).toBe(0);
  }, 120_000);
  afterAll(() => endDaemonTest(daemon, ws));

  const expected = () => [
    { path: ws.notes, engines: ['md'], files: 2, skipped: 1 },
    { path: project, engines: ['code', 'md'], files: 2, skipped: 0 },
    { path: empty, engines: ['md'], files: 0, skipped: 0 },
  ];

  it('reads them from the index without a daemon, in text and --json', async () => {
    const text = await runCli(['status', '--config', ws.configFile], { cwd: ws.root });
    expect(text.code, text.stderr).toBe(0);
    // Paths under the current folder (the workspace) print relative to it.
    expect(text.stdout).toContain('\nsources:  notes (md): 2 files, 1 skipped\n');
    expect(text.stdout).toContain('\n          project (code, md): 2 files\n');
    expect(text.stdout).toContain('\n          empty (md): 0 files\n');
    const json = oneJsonLine(await runCli(['status', '--json', '--config', ws.configFile], { cwd: ws.root }));
    expect(json).toMatchObject({ via: 'index', files: 4 });
    expect(json.sources).toEqual(expected());
  }, 60_000);

  it('gets the same from a daemon, which counts them only when asked', async () => {
    daemon = await DaemonProcess.start(ws);
    await daemon.idle();
    const json = oneJsonLine(await runCli(['status', '--json', '--config', ws.configFile], { cwd: ws.root }));
    expect(json).toMatchObject({ via: 'daemon', files: 4 });
    // The daemon's walks also counted the files each source does not read: none here.
    expect(json.sources).toEqual(expected().map((s) => ({ ...s, not_read: 0, not_read_kinds: [] })));
    // A poller's plain status (no `sources` param) is not made to scan the records.
    expect(await daemon.status()).not.toHaveProperty('sources');
  }, 120_000);
});
