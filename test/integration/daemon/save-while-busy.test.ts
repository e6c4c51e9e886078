import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_LIMITS_ENV } from '../../../src/daemon/test-limits.js';
import { FIRST_EMBED_SLICE } from '../../../src/pipeline/indexer.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest } from '../../helpers/daemon.js';
import { countByPath, paragraph, readChunks } from '../../helpers/index-workspace.js';

/**
 * A note saved while a real daemon embeds a big file is found before that file is done: the
 * big file's batch yields to it (src/queue/index-queue.ts `#yieldTo`) and then finishes, with
 * the vectors it had embedded kept (src/pipeline/vector-reuse.ts `carry`).
 */

let ws: DaemonWorkspace;
let daemon: DaemonProcess;

const SECTIONS = 700;
/** Common words over and over, and one rare one: LanceDB's flat search of rows its full-text index lacks misses the common ones. */
const WORDS = 'ferry harbour timetable morning boat crossing island port ticket captain deck cabin'.split(
  ' ',
);
const BODY = Array.from({ length: 160 }, (_, i) => WORDS[(i * 7 + Math.floor(i / 3)) % WORDS.length]).join(
  ' ',
);
const FERRY = `# Trip\n\n${BODY} quokkaferry ${BODY}\n`;
const big = () =>
  `# Handbook\n\n${Array.from({ length: SECTIONS }, (_, i) => `## Chapter ${i}\n\n${paragraph(`subject${i}`, 5)}\n`).join('\n')}`;

beforeAll(async () => {
  ws = await DaemonWorkspace.create();
  await ws.write('base/a.md', `# Base\n\n${paragraph('base', 3)}\n`);
  // Yield after 1 s of long work (the default, 2 s, would make this test slower only).
  daemon = await DaemonProcess.start(ws, {
    env: { [TEST_LIMITS_ENV]: JSON.stringify({ queue: { yieldAfterMs: 1_000 } }) },
  });
  await daemon.until('the base note indexed', (s) => s.files === 1 && s.state === 'idle', 60_000);
});

afterAll(() => endDaemonTest(daemon, ws));

describe('a save while the daemon embeds a big file', () => {
  it('is found before the big file is done; the big file then finishes, whole, its embedded slices reused', async () => {
    await ws.write('big/handbook.md', big());
    // Past its first slice: only a slice that finished is kept for the resumed run, and on a
    // loaded machine a save can stop the first one before it ends (then nothing is reused).
    const busy = await daemon.until(
      'the big file to be embedding past its first slice',
      (s) =>
        (s.embedding?.chunks_done ?? 0) > FIRST_EMBED_SLICE &&
        (s.embedding?.path ?? '').endsWith('handbook.md'),
      120_000,
    );
    const total = busy.embedding!.chunks;
    expect(total).toBeGreaterThan(400);
    await new Promise((r) => setTimeout(r, 1_200));
    await ws.write('base/ferry.md', FERRY);

    const foundBy = async (query: string, mode: 'hybrid' | 'text') => {
      for (let i = 0; i < 150; i++) {
        const hits = await daemon.search(query, { k: 10, mode });
        if (hits.some((h) => h.path.endsWith('ferry.md'))) return true;
        await new Promise((r) => setTimeout(r, 200));
      }
      return false;
    };
    expect(await foundBy('quokkaferry', 'hybrid')).toBe(true);
    // By its common words too: the full-text index takes in a save's rows while the work goes on.
    expect(await foundBy('ferry timetable', 'text')).toBe(true);
    // The big file is not in the index yet: the note did not wait for it.
    expect((await daemon.status()).files).toBe(2);
    // Resumed, it embeds only what it had not: status says how many it reused, so the smaller
    // count does not read as a restart.
    const resumed = await daemon.until(
      'the big file to resume',
      (s) => (s.embedding?.path ?? '').endsWith('handbook.md') && (s.embedding?.chunks_reused ?? 0) > 0,
      120_000,
    );
    expect(resumed.embedding!.chunks + resumed.embedding!.chunks_reused!).toBe(total);

    await daemon.until('the big file indexed', (s) => s.files === 3 && s.state === 'idle', 300_000);
    await daemon.stop();
    const counts = countByPath(await readChunks(ws.config()));
    expect(counts.get(ws.path('big/handbook.md'))).toBe(total);
    expect(counts.get(ws.path('base/ferry.md'))).toBeGreaterThan(0);
    const lines = ws.logLines();
    expect(lines.some((l) => l.msg === 'stopping the batch in flight; its paths are queued again')).toBe(
      true,
    );
    // Run again after the note, it reused what it had embedded before it stopped.
    const indexed = lines.filter((l) => l.msg === 'indexed');
    const rerun = indexed.findIndex(
      (l) => (l.chunksEmbedded as number) + (l.chunksReused as number) === total,
    );
    const note = indexed.findIndex((l) => l.filesAdded === 1 && (l.chunksEmbedded as number) < 5);
    expect(note).toBeGreaterThan(-1);
    expect(rerun).toBeGreaterThan(note);
    expect(indexed[rerun]!.chunksReused).toBeGreaterThan(0);
    // Its waits allow a loaded machine minutes (the big file alone takes seconds on an idle one).
  }, 480_000);
});
