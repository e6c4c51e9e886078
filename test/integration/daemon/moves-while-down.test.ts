import { rename, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DaemonProcess,
  DaemonWorkspace,
  endDaemonTest,
  hitsAt,
  readRecords,
  waitFor,
} from '../../helpers/daemon.js';
import { countByPath, readChunks } from '../../helpers/index-workspace.js';

/**
 * A note renamed and another deleted while the daemon was down, beside enough new notes that
 * the start-up walk commits in many groups. The renamed note is walked first (it lies in the
 * source's own folder, the new notes below it), so its new path lands with the first group;
 * searches made while the rest is embedded must show it once, under its new name, and never
 * the deleted note again once the walk's first group is searchable.
 */

/** Small groups: the walk's work is many commits, seconds apart on a busy 2-core box. */
const COMMIT_FILES = 4;
const NEW_NOTES = 60;

const note = (name: string, word: string) => `# ${name}\n\nnote ${word} ${name}\n`;

let ws: DaemonWorkspace;
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  ws = await DaemonWorkspace.create({ indexing: { commitFiles: COMMIT_FILES } });
  await ws.write('before.md', note('before', 'quokkamoved'));
  await ws.write('gone.md', note('gone', 'quokkadeleted'));
  await ws.write('stays.md', note('stays', 'quokkastays'));
  daemon = await DaemonProcess.start(ws);
  await daemon.until('the first index', (s) => s.files === 3 && s.state === 'idle', 30_000);
  await daemon.stop();
});

afterAll(async () => {
  await endDaemonTest(daemon, ws);
});

describe('a rename and a delete while the daemon was down, among many new notes', () => {
  it('search never shows the old and the new path together, nor the deleted note after the first commit', async () => {
    const before = ws.path('before.md');
    const after = ws.path('after.md');
    const gone = ws.path('gone.md');
    await rename(before, after);
    await rm(gone);
    for (let i = 0; i < NEW_NOTES; i++) await ws.write(`new/n${i}.md`, note(`n${i}`, `wombat${i}x`));

    daemon = DaemonProcess.spawn(ws);
    await daemon.ready();
    const seen: { at: number; moved: string[]; deleted: boolean }[] = [];
    const t0 = performance.now();
    await waitFor(
      'the start-up walk to finish',
      async () => {
        const [moved, deleted] = await Promise.all([
          daemon!.search('quokkamoved', { k: 10, every: true, rerank: false }),
          daemon!.search('quokkadeleted', { k: 10, every: true, rerank: false }),
        ]);
        seen.push({
          at: Math.round(performance.now() - t0),
          moved: [before, after].filter((p) => hitsAt(moved, p).some((h) => h.text.includes('quokkamoved'))),
          deleted: hitsAt(deleted, gone).some((h) => h.text.includes('quokkadeleted')),
        });
        const s = await daemon!.status();
        return s.state === 'idle' && s.queue_depth === 0 && s.files === NEW_NOTES + 2;
      },
      60_000,
    );
    const both = seen.filter((o) => o.moved.length === 2);
    expect(both, `searches that showed both paths (ms since start): ${JSON.stringify(both)}`).toEqual([]);
    const firstNew = seen.findIndex((o) => o.moved.includes(after));
    expect(firstNew, JSON.stringify(seen)).toBeGreaterThanOrEqual(0);
    const stale = seen.slice(firstNew).filter((o) => o.moved.includes(before) || o.deleted);
    expect(stale, `searches after the first commit that showed a path gone from disk`).toEqual([]);

    // The rename embedded nothing: only the new notes were embedded.
    const embedded = ws
      .logLines()
      .filter((l) => l.pid === daemon!.pid && l.msg === 'indexed')
      .reduce((sum, l) => sum + (l.chunksEmbedded as number), 0);
    expect(embedded).toBe(NEW_NOTES);
    await daemon.stop();

    const rows = await readChunks(ws.config());
    const byPath = countByPath(rows);
    expect(byPath.has(before)).toBe(false);
    expect(byPath.has(gone)).toBe(false);
    expect(byPath.get(after)).toBe(1);
    expect([...byPath.values()].every((n) => n === 1)).toBe(true);
    expect(byPath.size).toBe(NEW_NOTES + 2);
    const records = await readRecords(ws.config());
    expect([...records.keys()].sort()).toEqual([...byPath.keys()].sort());
  });
});
