import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { runCli } from '../../helpers/run-cli.js';

describe('ragctl status of a paused daemon with work queued', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess;
  const ragctl = (...args: string[]) => runCli([...args, '--config', ws.configFile], { cwd: ws.root });

  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
    daemon = await DaemonProcess.start(ws);
    // Saved while it runs, so its queue has a recent rate to estimate from.
    for (let i = 0; i < 4; i++) await ws.write(`n${i}.md`, `# Note ${i}\n\nnote number ${i}\n`);
    await daemon.until('the notes indexed', (s) => s.files === 4 && s.state === 'idle');
  });
  afterAll(() => endDaemonTest(daemon, ws));

  it('shows the queue as held until resume, with no rate or ETA that cannot come true', async () => {
    const paused = await ragctl('pause');
    expect(paused.code, paused.stderr).toBe(0);
    await ws.write('late.md', '# Late\n\nwritten while paused\n');
    // The daemon still reports the rate and ETA of the indexing before the pause.
    await daemon.until('the change queued', (s) => s.queue_depth >= 1 && s.eta_seconds !== null);
    const status = await ragctl('status');
    expect(status.code, status.stderr).toBe(0);
    const queue = status.stdout.split('\n').find((l) => l.startsWith('queue:'));
    expect(queue).toMatch(/^queue: +\d+ waiting \(held until `ragctl resume`\)$/);
    expect(await ragctl('resume')).toMatchObject({ code: 0 });
  });
});
