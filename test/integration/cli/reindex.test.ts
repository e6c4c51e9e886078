import { utimes, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';

describe('ragctl reindex <path>', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
    await ws.write('projects/a.md', '# a\n\nnote a\n');
    // The daemon runs in the workspace's root; the user's shell below is elsewhere.
    daemon = await DaemonProcess.start(ws);
  });
  afterAll(() => endDaemonTest(daemon, ws));

  it('takes a path relative to the directory it is run in, not the daemon’s', async () => {
    const result = await runCli(['reindex', 'projects/a.md', '--config', ws.configFile], { cwd: ws.notes });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `Queued 1 path; \`ragctl status --config ${ws.configFile}\` shows progress.\n`,
    );
    const folder = await runCli(['reindex', '.', '--json', '--config', ws.configFile], {
      cwd: ws.path('projects'),
    });
    expect(folder.code, folder.stderr).toBe(0);
    expect(oneJsonLine(folder)).toEqual({ queued: 1 });
  });

  it('a file named is read again even when its edit kept its size and time', async () => {
    const when = new Date(Date.UTC(2026, 0, 5, 12));
    const path = await ws.write('projects/b.md', '# b\n\nthe pears are ripe\n');
    await utimes(path, when, when);
    await daemon.until('b.md indexed', (s) => s.state === 'idle' && s.files === 2);
    await daemon.idle();
    expect(
      (await daemon.search('ripe pears', { mode: 'vector', k: 5 })).some((h) => h.text.includes('pears')),
    ).toBe(true);
    // `sed -i` then `touch -r`: same length, same time, other words. The watcher's event, if
    // any, goes by the stat and finds nothing to do.
    await writeFile(path, '# b\n\nthe plums are ripe\n');
    await utimes(path, when, when);
    await daemon.idle();
    const result = await runCli(['reindex', path, '--config', ws.configFile], { cwd: ws.root });
    expect(result.code, result.stderr).toBe(0);
    // The file's chunk now holds the new words (polled: the reindex is queued, not done).
    const holds = async () =>
      (await daemon.search('ripe plums', { mode: 'vector', k: 5 })).some(
        (h) => h.path === path && h.text.includes('plums'),
      );
    const deadline = Date.now() + 30_000;
    while (!(await holds()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await holds()).toBe(true);
  });

  it('a path outside every source is refused with exit code 2, naming the path', async () => {
    const result = await runCli(['reindex', '..', '--config', ws.configFile], { cwd: ws.notes });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${ws.root} is not inside any source`);
  });
});
