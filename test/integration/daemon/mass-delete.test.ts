import { readFileSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { documentMapper } from '../../../src/engines/document-mapper.js';
import type { MappedFile } from '../../../src/engines/types.js';
import type { FileRecord } from '../../../src/store/types.js';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, readRecords } from '../../helpers/daemon.js';
import { countByPath, openApp, readChunks, realEmbedder } from '../../helpers/index-workspace.js';
import { sha, unitVectors } from '../store/fixtures.js';

/**
 * Issue 8, point 5: deleting a folder of 50,000 indexed files at once, the way a daemon meets
 * it after `rm -rf` while it was down (its start-up walk finds them gone), runs within the
 * daemon's documented memory bound and leaves the index exact: no row and no record of them,
 * the other files untouched. bench/daemon/mass-delete.mjs measures the same run precisely.
 */

/** docs/BENCHMARKS.md section 5: the daemon's peak RSS stays under 1 GiB, whatever the work. */
const DAEMON_RSS_BOUND_BYTES = 2 ** 30;
const GONE = 50_000;
const KEPT = 100;
/** Fixture rows are written in steps of this many files: the test process's memory stays small. */
const FIXTURE_STEP = 5_000;
/** The glibc settings of the installed unit (docs/SERVICE.md), under which the bound is stated. */
const UNIT_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

let ws: DaemonWorkspace;
let daemon: DaemonProcess | undefined;
let app: App | undefined;
const kept: string[] = [];
const gone: string[] = [];

const goneText = (i: number) => `# Gone ${i}\n\nA note of the folder that goes, number ${i}.\n`;

/** The peak resident set of a live process, from the kernel (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  if (!line) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(line.split(/\s+/)[1]) * 1024;
}

/**
 * Rows and records for the 50,000 files, written as the indexer writes them (chunks through
 * `replaceFiles`, then records with the engine's signature and each file's size and mtime).
 * Indexing them through the pipeline takes ~3 minutes on the 2-core test machine; the delete is
 * what is under test. Each file gets one chunk with a vector of its own, so that a delete that
 * reads every deleted vector would hold 50,000 of them.
 */
async function writeIndexedFixture(a: App, signature: string): Promise<void> {
  const table = a.indexer.table('md')!;
  const dim = table.dimension;
  for (let from = 0; from < GONE; from += FIXTURE_STEP) {
    const rows: MappedFile[] = [];
    const records: FileRecord[] = [];
    for (let i = from; i < Math.min(GONE, from + FIXTURE_STEP); i++) {
      const path = gone[i]!;
      const text = goneText(i);
      const { size, mtimeMs } = await stat(path);
      const fileHash = sha(text);
      rows.push({
        file: {
          path,
          root: ws.notes,
          engine: 'md',
          fileHash,
          size,
          mtimeMs,
          indexedAt: Date.now(),
          modelId: table.modelId,
        },
        chunks: [
          {
            id: sha(`${path}#0`),
            text,
            contentHash: sha(text),
            startLine: 1,
            endLine: 3,
            headingPath: [`Gone ${i}`],
            metadata: {},
          },
        ],
      });
      records.push({
        path,
        root: ws.notes,
        engine: 'md',
        size,
        mtimeMs,
        fileHash,
        chunkCount: 1,
        status: 'indexed',
        reason: '',
        indexedAt: Date.now(),
        modelId: signature,
      });
    }
    const batch = documentMapper.toRecordBatch(rows, unitVectors(rows.length, dim, from + 1), dim);
    await table.replaceFiles(
      rows.map((r) => r.file.path),
      batch,
    );
    await a.store.files.upsert(records);
  }
}

beforeAll(async () => {
  ws = await DaemonWorkspace.create();
  for (let i = 0; i < KEPT; i++) {
    kept.push(await ws.write(`keep/k${i}.md`, `# Kept ${i}\n\nThis note stays in the index, number ${i}.\n`));
  }
  // The kept notes go through the real pipeline: their records carry the real signature.
  const model = realEmbedder();
  try {
    app = await openApp(ws.config(), model);
    expect(await app.indexer.reconcile()).toMatchObject({ filesAdded: KEPT });
    const signature = (await app.store.files.get([kept[0]!])).get(kept[0]!)!.modelId;
    for (let d = 0; d < GONE / 1_000; d++) await mkdir(ws.path(`gone/d${d}`), { recursive: true });
    for (let i = 0; i < GONE; i++) {
      const path = ws.path(`gone/d${Math.floor(i / 1_000)}/g${i}.md`);
      await writeFile(path, goneText(i));
      gone.push(path);
    }
    await writeIndexedFixture(app, signature);
    // The pipeline agrees that all of it is indexed and unchanged.
    expect(await app.indexer.reconcile()).toMatchObject({
      filesSeen: GONE + KEPT,
      filesUnchanged: GONE + KEPT,
      filesAdded: 0,
      filesChanged: 0,
    });
  } finally {
    await app?.close();
    app = undefined;
    await model.close();
  }
}, 240_000);

afterAll(async () => {
  await app?.close();
  await endDaemonTest(daemon, ws);
});

describe('deleting 50,000 indexed files at once', () => {
  it('the daemon removes them within its memory bound, and the index ends exact', async () => {
    await rm(ws.path('gone'), { recursive: true });
    daemon = await DaemonProcess.start(ws, { env: UNIT_ENV });
    const idle = await daemon.until(
      'the start-up walk to remove the deleted folder',
      (s) => s.state === 'idle' && s.queue_depth === 0 && s.files === KEPT,
      120_000,
    );
    expect(idle.last_errors).toEqual([]);
    const peak = peakRss(daemon.pid);
    expect(peak, `daemon peak RSS ${Math.round(peak / 2 ** 20)} MB`).toBeLessThan(DAEMON_RSS_BOUND_BYTES);
    const summary = ws
      .logLines()
      .find((l) => l.pid === daemon!.pid && l.msg === 'indexed' && (l.filesDeleted as number) > 0);
    expect(summary).toMatchObject({ filesDeleted: GONE });
    await daemon.stop();

    // Read straight from the tables, daemon stopped: only the kept notes, each whole, once.
    const config = ws.config();
    const records = await readRecords(config);
    expect([...records.keys()].sort()).toEqual([...kept].sort());
    const rows = await readChunks(config);
    const want = [...records.values()].map((r) => [r.path, r.chunkCount] as const);
    expect([...countByPath(rows).entries()].sort()).toEqual(want.sort());
    expect([...records.values()].every((r) => r.status === 'indexed' && r.chunkCount > 0)).toBe(true);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(rows.every((r) => !r.path.startsWith(join(ws.notes, 'gone')))).toBe(true);
  }, 180_000);
});
