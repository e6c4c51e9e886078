import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

/**
 * A source folder that is not there (an unplugged disk, a share that is down, a renamed folder)
 * leaves every other source searchable: the CLI and the daemon start, the index keeps that
 * folder's files, and `index` and `status` say which folder is missing and what to do.
 */
describe('a source folder that is gone', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess | undefined;
  let usb: string;
  let unplugged: string;

  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
    await ws.write('trip.md', '# Trip\n\nThe ferry to Naxos leaves at nine.\n');
    usb = join(ws.root, 'usb');
    unplugged = join(ws.root, 'usb.unplugged');
    await mkdir(usb);
    await writeFile(join(usb, 'photos.md'), '# Photos\n\nThe lighthouse at dusk, shot on film.\n');
    await ws.writeConfig({ sources: [{ path: ws.notes }, { path: usb }] });
    const indexed = await runCli(['index', '--config', ws.configFile], { cwd: ws.root });
    expect(indexed.code, indexed.stderr).toBe(0);
    await rename(usb, unplugged);
  }, 120_000);
  afterAll(() => endDaemonTest(daemon, ws));

  it('search, status and index go on without it, and name it', async () => {
    const search = await runCli(['search', 'ferry to Naxos', '--json', '--config', ws.configFile], {
      cwd: ws.root,
    });
    expect(search.code, search.stderr).toBe(0);
    expect((oneJsonLine(search) as { results: { path: string }[] }).results[0]?.path).toBe(
      join(ws.notes, 'trip.md'),
    );
    // Its files are kept: they come back as they were when the folder does.
    const kept = await runCli(['search', 'lighthouse at dusk', '--json', '--config', ws.configFile], {
      cwd: ws.root,
    });
    expect((oneJsonLine(kept) as { results: { path: string }[] }).results[0]?.path).toBe(
      join(usb, 'photos.md'),
    );

    const status = oneJsonLine(
      await runCli(['status', '--json', '--config', ws.configFile], { cwd: ws.root }),
    );
    expect(status.sources).toEqual([
      { path: ws.notes, engines: ['md'], files: 1, skipped: 0 },
      { path: usb, engines: ['md'], files: 1, skipped: 0, missing: true },
    ]);
    const text = await runCli(['status', '--config', ws.configFile], { cwd: ws.root });
    expect(text.stdout).toContain('usb (md): 1 file; folder missing (');

    const index = await runCli(['index', '--config', ws.configFile], { cwd: ws.root });
    expect(index.code, index.stderr).toBe(0);
    expect(index.stdout).toContain(`usb: folder missing (`);
    expect(index.stdout).toContain(`\`ragctl remove ${usb}\` drops them`);
  }, 120_000);

  it('the daemon starts, says so, and picks the folder up when it is back', async () => {
    daemon = await DaemonProcess.start(ws);
    const degraded = await daemon.until('the missing folder reported', (s) => s.state === 'degraded');
    expect(degraded.reason).toContain(`the source folder ${usb} is gone`);
    await rename(unplugged, usb);
    await writeFile(join(usb, 'film.md'), '# Film\n\nDevelop the roll in cold chemistry.\n');
    await daemon.until('the folder back and indexed', (s) => s.state === 'idle' && s.files === 3, 60_000);
    const hits = await daemon.search('develop the roll', { mode: 'text' });
    expect(hits[0]?.path).toBe(join(usb, 'film.md'));
  }, 120_000);
});
