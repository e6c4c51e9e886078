import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResult } from '../../../src/ipc/protocol.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { paragraph } from '../../helpers/index-workspace.js';

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
  });
});
