import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResult } from '../../../src/ipc/protocol.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { paragraph } from '../../helpers/index-workspace.js';
import { runCli } from '../../helpers/run-cli.js';

/**
 * A first index is one walk that indexes its files as it finds them, group by group: until it
 * has found them all, `status` must not offer the files found so far as what is left, nor a time
 * computed from them (a new user saw "3 min left" for 37 minutes).
 */

const NOTES = 60;
let ws: DaemonWorkspace;
let daemon: DaemonProcess;

beforeAll(async () => {
  // Groups of 5 files: the walk stops to index each group before it finds more.
  ws = await DaemonWorkspace.create({ indexing: { commitFiles: 5 } });
  for (let i = 0; i < NOTES; i++)
    await ws.write(`n${String(i).padStart(2, '0')}.md`, `# N${i}\n\n${paragraph(`topic${i}`, 4)}\n`);
  // Files no engine reads: counted by kind in status, a dot-file not.
  for (const name of ['photos/a.png', 'photos/b.png', 'old/notes.gz', 'bin/frob', '.hidden.txt'])
    await ws.write(name, 'x\n');
});

afterAll(() => endDaemonTest(daemon, ws));

describe('status during a first index', () => {
  it('says the walk is still finding files, with no time left, until it has found them all', async () => {
    daemon = DaemonProcess.spawn(ws);
    await daemon.ready();
    const seen: StatusResult[] = [];
    for (;;) {
      const s = await daemon.status();
      seen.push(s);
      if (s.state === 'idle' && s.files === NOTES && s.queue_depth === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const finding = seen.filter((s) => s.finding_files);
    expect(finding.length).toBeGreaterThan(0);
    expect(finding.every((s) => s.eta_seconds === null && s.state === 'indexing')).toBe(true);
    // Found so far, not the total: fewer than all the notes while it was still finding them.
    expect(Math.min(...finding.map((s) => s.files + s.queue_depth))).toBeLessThan(NOTES);
    expect(seen.at(-1)!.finding_files).toBe(false);

    const [source] = (await daemon.request('status', { sources: true })).sources!;
    expect(source).toMatchObject({
      files: NOTES,
      not_read: 4,
      not_read_kinds: [
        { kind: '.png', files: 2 },
        { kind: '.gz', files: 1 },
        { kind: 'no extension', files: 1 },
      ],
    });
    const cli = await runCli(['status', '--config', ws.configFile], { cwd: ws.root });
    expect(cli.stdout).toContain('not read: 4 files (2 .png, 1 .gz, 1 no extension)');
  });
});
