import { readdirSync, statSync, truncateSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DaemonProcess,
  DaemonWorkspace,
  endDaemonTest,
  isAlive,
  readRecords,
  type StoredRecord,
  waitFor,
} from '../../helpers/daemon.js';
import { countByPath, readChunks, type StoredChunk } from '../../helpers/index-workspace.js';

/**
 * Hard stops of a real daemon and of its model worker, changes made while it was down, and a
 * store left with an unreadable newest version. One workspace goes through all of it in order;
 * after each step the index (read directly, daemon stopped) must equal the disk.
 */

/** Small commits, so that a kill lands between two of them while a batch is being indexed. */
const COMMIT_FILES = 10;

/** A one-chunk note with text no other note has: each is embedded on its own, never reused. */
const note = (name: string, word = name) => `# ${name}\n\nnote ${word} ${name}\n`;

let ws: DaemonWorkspace;
let daemon: DaemonProcess;
/** Every note that should be in the index now, relative to `notes/`. */
const onDisk = new Set<string>();

async function write(rel: string, content = note(rel.replace(/\W/g, ''))): Promise<void> {
  await ws.write(rel, content);
  onDisk.add(ws.path(rel));
}

/** Chunks embedded by one daemon process, from its `indexed` log lines. */
function chunksEmbeddedBy(pid: number): number {
  return ws
    .logLines()
    .filter((l) => l.pid === pid && l.msg === 'indexed')
    .reduce((sum, l) => sum + (l.chunksEmbedded as number), 0);
}

/** With the daemon stopped: rows and records equal the notes on disk, one row per note, ids unique. */
async function expectIndexEqualsDisk(): Promise<{ rows: StoredChunk[]; records: Map<string, StoredRecord> }> {
  const config = ws.config();
  const rows = await readChunks(config);
  expect(new Set(rows.map((r) => r.id)).size, 'chunk ids are unique').toBe(rows.length);
  const byPath = countByPath(rows);
  expect([...byPath.keys()].sort()).toEqual([...onDisk].sort());
  expect([...byPath.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  const records = await readRecords(config);
  expect([...records.keys()].sort()).toEqual([...onDisk].sort());
  expect([...records.values()].filter((r) => r.status !== 'indexed' || r.chunkCount !== 1)).toEqual([]);
  return { rows, records };
}

beforeAll(async () => {
  ws = await DaemonWorkspace.create({ indexing: { commitFiles: COMMIT_FILES } });
  for (let i = 0; i < 10; i++) await write(`base/b${i}.md`);
  daemon = await DaemonProcess.start(ws);
  await daemon.until('the base notes indexed', (s) => s.files === onDisk.size && s.state === 'idle');
});

afterAll(() => endDaemonTest(daemon, ws));

describe('hard stops', () => {
  it('kill -9 of the embed worker mid-batch: the socket keeps answering and the batch completes', async () => {
    const first = daemon.workerPid();
    expect(first).toBeDefined();
    const before = onDisk.size;
    for (let i = 0; i < 150; i++) await write(`worker/w${i}.md`);
    // Mid-batch: some of the new notes committed, not all.
    await daemon.until(
      'the batch to be part-way',
      (s) => s.files > before && s.files < onDisk.size - COMMIT_FILES,
      30_000,
    );
    process.kill(first!, 'SIGKILL');
    await waitFor('the killed worker to be gone', () => !isAlive(first!));
    // The daemon answers while its worker is down: the socket does not wait for the restart
    // and the rest of the batch, which are still pending when the answer comes.
    const during = await daemon.status();
    expect(during.pid).toBe(daemon.pid);
    expect(during.state).toBe('indexing');
    expect(during.files).toBeLessThan(onDisk.size);
    const done = await daemon.until(
      'the batch to complete after the worker restarted',
      (s) => s.files === onDisk.size && s.state === 'idle',
      60_000,
    );
    expect(done.last_errors).toEqual([]);
    const second = daemon.workerPid();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(ws.logLines().some((l) => l.msg === 'embed worker restarted' && l.pid === daemon.pid)).toBe(true);
    // Search needs the model (the query is embedded): the new worker answers it.
    const hits = await daemon.search('workerw149md', { k: 5 });
    expect(hits.map((h) => h.path)).toContain(ws.path('worker/w149.md'));
  });

  it('kill -9 of the daemon mid-batch, then a restart: nothing twice, nothing missing, committed files not embedded again', async () => {
    const before = onDisk.size;
    for (let i = 0; i < 300; i++) await write(`crash/c${i}.md`);
    await daemon.until(
      'the batch to be part-way',
      (s) => s.files >= before + COMMIT_FILES && s.files < onDisk.size - 2 * COMMIT_FILES,
      30_000,
    );
    await daemon.kill9();

    // What the kill left: every row is whole; rows and records may differ by the commit in flight.
    const config = ws.config();
    const rowsAtKill = await readChunks(config);
    expect(new Set(rowsAtKill.map((r) => r.id)).size).toBe(rowsAtKill.length);
    const pathsAtKill = countByPath(rowsAtKill);
    expect([...pathsAtKill.values()].every((n) => n === 1)).toBe(true);
    const recordsAtKill = await readRecords(config);
    expect(recordsAtKill.size).toBeGreaterThan(before);
    expect(recordsAtKill.size).toBeLessThan(onDisk.size);
    // The socket file and the lock of the dead daemon are still there: the restart must cope.
    expect(statSync(ws.socketPath).isSocket()).toBe(true);
    expect(statSync(join(ws.dataDir, 'ragd.lock')).isFile()).toBe(true);

    daemon = await DaemonProcess.start(ws);
    await daemon.until('the rest indexed', (s) => s.files === onDisk.size && s.state === 'idle', 60_000);
    // Only the notes whose chunks had not been committed were embedded.
    expect(chunksEmbeddedBy(daemon.pid)).toBe(onDisk.size - pathsAtKill.size);
    await daemon.stop();

    const { records } = await expectIndexEqualsDisk();
    // Files recorded before the kill were not even rewritten.
    for (const [path, r] of recordsAtKill) expect(records.get(path), path).toEqual(r);
  });
});

describe('changes while the daemon was down', () => {
  it('are picked up at start: added, edited and deleted notes', async () => {
    // The daemon was stopped by the test before.
    expect(daemon.hasExited).toBe(true);
    await write('down/added.md', note('added', 'koalaadded'));
    await write('base/b1.md', note('b1', 'koalaedited'));
    await rm(ws.path('base/b2.md'));
    onDisk.delete(ws.path('base/b2.md'));
    await rm(ws.path('crash'), { recursive: true });
    for (const p of [...onDisk]) if (p.startsWith(ws.path('crash/'))) onDisk.delete(p);

    daemon = await DaemonProcess.start(ws);
    await daemon.until('the changes indexed', (s) => s.files === onDisk.size && s.state === 'idle', 30_000);
    // Two notes embedded: the added one and the edited one; nothing else.
    expect(chunksEmbeddedBy(daemon.pid)).toBe(2);
    expect((await daemon.search('koalaadded', { k: 3 }))[0]!.path).toBe(ws.path('down/added.md'));
    const edited = (await daemon.search('koalaedited', { k: 3 }))[0]!;
    expect(edited.path).toBe(ws.path('base/b1.md'));
    expect(edited.text).toContain('koalaedited');
    await daemon.stop();
    await expectIndexEqualsDisk();
  });
});

describe('a store whose newest version is unreadable', () => {
  it('a zero-byte newest manifest: the daemon starts, says so in status, and the index ends equal to disk', async () => {
    expect(daemon.hasExited).toBe(true);
    const versions = join(ws.dataDir, 'index', 'chunks_md.lance', '_versions');
    const manifests = readdirSync(versions).filter((f) => f.endsWith('.manifest'));
    expect(manifests.length).toBeGreaterThan(1);
    // LanceDB names manifests u64::MAX − version: the smallest number is the newest version.
    const newest = manifests.sort((a, b) => a.length - b.length || (a < b ? -1 : 1))[0]!;
    truncateSync(join(versions, newest), 0);
    // A change too, so the reconcile after the recovery has real work besides re-checking.
    await write('after-recovery.md', note('afterrecovery', 'wallabyrecovered'));

    daemon = await DaemonProcess.start(ws);
    const status = await daemon.until(
      'the reconcile after the recovery to finish',
      (s) => s.files === onDisk.size && s.state === 'idle',
      60_000,
    );
    expect(status.last_errors).toContainEqual(
      expect.objectContaining({
        path: 'chunks_md',
        code: 'E_STORE',
        message: expect.stringContaining(`newest version was unreadable`),
      }),
    );
    expect(status.last_errors.find((e) => e.code === 'E_STORE')!.message).toContain(newest);
    expect((await daemon.search('wallabyrecovered', { k: 3 }))[0]!.path).toBe(ws.path('after-recovery.md'));
    // The recovery forgot the records and re-checked every file; vectors still in the older
    // version were reused, so only what that version lacked was embedded.
    expect(chunksEmbeddedBy(daemon.pid)).toBeLessThan(onDisk.size / 2);
    await daemon.stop();
    await expectIndexEqualsDisk();
  });
});
