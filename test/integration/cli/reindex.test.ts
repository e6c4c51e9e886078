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
    expect(result.stdout).toBe('Queued 1 path; `ragctl status` shows progress.\n');
    const folder = await runCli(['reindex', '.', '--json', '--config', ws.configFile], {
      cwd: ws.path('projects'),
    });
    expect(folder.code, folder.stderr).toBe(0);
    expect(oneJsonLine(folder)).toEqual({ queued: 1 });
  });

  it('a path outside every source is refused with exit code 2, naming the path', async () => {
    const result = await runCli(['reindex', '..', '--config', ws.configFile], { cwd: ws.notes });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${ws.root} is not inside any source`);
  });
});
