import { readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchParams, StatusMemory, WireSearchHit } from '../../../src/ipc/protocol.js';
import { DEFAULT_WATCHER_LIMITS } from '../../../src/watcher/limits.js';
import {
  DaemonProcess,
  DaemonWorkspace,
  hitsAt,
  readRecords,
  stopAll,
  waitFor,
} from '../../helpers/daemon.js';
import { paragraph } from '../../helpers/index-workspace.js';
import { oneJsonLine, runCli } from '../../helpers/run-cli.js';
import { RawPeer } from '../ipc/helpers.js';

/**
 * One real daemon on a temp folder; each file operation is done on disk and `search` over the
 * socket must show its effect within BOUND_MS. The time it took is recorded per operation.
 * BOUND_MS only ends the wait: it is no speed target (bench/daemon/edit-latency.mjs measures
 * that). A change the daemon lost would wait for the 15-minute reconcile and still fail here,
 * while a loaded CI machine, where the full-text rebuild's duty cycle can hold text search back
 * for several seconds after a write, does not.
 */
const BOUND_MS = 30_000;

/** A note whose text holds a made-up word, so a search for that word finds exactly this note. */
const note = (title: string, word: string) => `# ${title}\n\n${word} ${paragraph(title, 3)} ${word}\n`;

let ws: DaemonWorkspace;
let daemon: DaemonProcess;
const latencies: { op: string; ms: number }[] = [];

/** Runs `op`, then waits until `reflected` holds for a search of `query`; records the time. */
async function expectReflected(
  label: string,
  op: () => Promise<unknown>,
  query: string,
  reflected: (hits: WireSearchHit[]) => boolean,
  params: Partial<SearchParams> = {},
): Promise<void> {
  const t0 = performance.now();
  await op();
  await waitFor(
    `search "${query}" to reflect: ${label}`,
    async () => reflected(await daemon.search(query, params)),
    BOUND_MS,
  ).catch(async (err: Error) => {
    const status = await daemon.status(5_000).catch((e: Error) => `status failed: ${e.message}`);
    throw new Error(
      `${err.message}\nstatus: ${JSON.stringify(status)}\nthe daemon's log, last lines:\n${ws.logTail()}`,
    );
  });
  latencies.push({ op: label, ms: Math.round(performance.now() - t0) });
}

const hasWordAt = (path: string, word: string) => (hits: WireSearchHit[]) =>
  hitsAt(hits, path).some((h) => h.text.includes(word));
const absent =
  (...paths: string[]) =>
  (hits: WireSearchHit[]) =>
    paths.every((p) => hitsAt(hits, p).length === 0);

beforeAll(async () => {
  ws = await DaemonWorkspace.create();
  await ws.write('seed.md', note('Seed', 'quokkaseed'));
  daemon = await DaemonProcess.start(ws);
  await waitFor('the seed note indexed', async () => (await daemon.search('quokkaseed')).length > 0);
});

afterAll(async () => {
  try {
    if (latencies.length) {
      const sorted = latencies.map((l) => l.ms).sort((a, b) => a - b);
      console.info(
        `[daemon latency] ${latencies.map((l) => `${l.op}: ${l.ms} ms`).join(', ')} — median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`,
      );
    }
    await daemon?.stop();
  } finally {
    await stopAll();
    await ws?.cleanup();
  }
});

describe('ragd follows the disk: each change shows in search over the socket', () => {
  it('a new file', async () => {
    const path = ws.path('create.md');
    await expectReflected(
      'create',
      () => ws.write('create.md', note('Create', 'wombatnew')),
      'wombatnew',
      hasWordAt(path, 'wombatnew'),
    );
  });

  it('a new note is found by text search for its common words too, not only a rare one', async () => {
    // LanceDB scores rows its FTS index has not folded in unreliably: such a note was found by
    // 'zanzibar' but not by 'ferry timetable' until the table was optimized.
    const words = 'ferry harbour timetable morning boat crossing island port ticket captain deck cabin'.split(
      ' ',
    );
    const body = Array.from({ length: 160 }, (_, i) => words[(i * 7 + Math.floor(i / 3)) % words.length]);
    const path = ws.path('trip.md');
    await expectReflected(
      'create (text search)',
      () => ws.write('trip.md', `# Trip\n\n${body.join(' ')} zanzibar ${body.join(' ')}\n`),
      'ferry timetable',
      (hits) => hitsAt(hits, path).length > 0,
      { mode: 'text' },
    );
    expect(hitsAt(await daemon.search('captain', { mode: 'text' }), path).length).toBeGreaterThan(0);
    // By rebuilding the full-text index, not by rewriting the whole table (an optimize).
    expect(ws.logLines().some((l) => l.msg === 'full-text index rebuilt')).toBe(true);
  });

  it('an edit in place: the new text is found, the old text is gone', async () => {
    const path = await ws.write('edit.md', note('Edit', 'platypusold'));
    await waitFor('edit.md indexed', async () =>
      hasWordAt(path, 'platypusold')(await daemon.search('platypusold')),
    );
    await expectReflected(
      'edit',
      () => ws.write('edit.md', note('Edit', 'platypusnew')),
      'platypusnew',
      hasWordAt(path, 'platypusnew'),
    );
    expect(
      hitsAt(await daemon.search('platypusold'), path).filter((h) => h.text.includes('platypusold')),
    ).toEqual([]);
  });

  it("an editor's atomic save (temp file renamed over the note)", async () => {
    const path = await ws.write('atomic.md', note('Atomic', 'echidnaold'));
    await waitFor('atomic.md indexed', async () =>
      hasWordAt(path, 'echidnaold')(await daemon.search('echidnaold')),
    );
    await expectReflected(
      'atomic save',
      () => ws.atomicSave('atomic.md', note('Atomic', 'echidnanew')),
      'echidnanew',
      (hits) =>
        hasWordAt(path, 'echidnanew')(hits) && !hitsAt(hits, path).some((h) => h.text.includes('echidnaold')),
    );
    // The temp file never became a document of its own.
    expect(
      (await daemon.search('echidnanew')).filter((h) => h.path !== path && h.text.includes('echidnanew')),
    ).toEqual([]);
  });

  it('a rename: the note is found under its new name only', async () => {
    const before = await ws.write('old-name.md', note('Rename', 'numbatrename'));
    await waitFor('old-name.md indexed', async () =>
      hasWordAt(before, 'numbatrename')(await daemon.search('numbatrename')),
    );
    const after = ws.path('new-name.md');
    await expectReflected(
      'rename',
      () => rename(before, after),
      'numbatrename',
      (hits) => hasWordAt(after, 'numbatrename')(hits) && absent(before)(hits),
    );
  });

  it('a folder moved elsewhere in the source: every note follows it', async () => {
    const names = ['one', 'two', 'three'];
    for (const n of names) await ws.write(`trip/${n}.md`, note(`Trip ${n}`, `bilbytrip${n}`));
    await waitFor('trip/ indexed', async () => {
      for (const n of names)
        if (!hasWordAt(ws.path(`trip/${n}.md`), `bilbytrip${n}`)(await daemon.search(`bilbytrip${n}`)))
          return false;
      return true;
    });
    await mkdir(ws.path('archive'), { recursive: true });
    const t0 = performance.now();
    await rename(ws.path('trip'), ws.path('archive/2024-trip'));
    for (const n of names) {
      await waitFor(
        `trip/${n}.md found under archive/2024-trip/ only`,
        async () => {
          const hits = await daemon.search(`bilbytrip${n}`);
          return (
            hasWordAt(ws.path(`archive/2024-trip/${n}.md`), `bilbytrip${n}`)(hits) &&
            absent(ws.path(`trip/${n}.md`))(hits)
          );
        },
        BOUND_MS - (performance.now() - t0),
      );
    }
    latencies.push({ op: 'move folder', ms: Math.round(performance.now() - t0) });
  });

  it('deleted files leave the index', async () => {
    const a = await ws.write('gone/a.md', note('Gone A', 'dingogone'));
    const b = await ws.write('gone/b.md', note('Gone B', 'dingogone'));
    await waitFor('gone/ indexed', async () => {
      const hits = await daemon.search('dingogone');
      return hitsAt(hits, a).length > 0 && hitsAt(hits, b).length > 0;
    });
    await expectReflected(
      'delete',
      async () => {
        await rm(a);
        await rm(b);
      },
      'dingogone',
      absent(a, b),
    );
    // A folder that appeared is walked once more when it has settled (folderRecheckMs, armed
    // when gone/ appeared): idle means idle after that walk.
    await new Promise((r) => setTimeout(r, DEFAULT_WATCHER_LIMITS.folderRecheckMs + 500));
    const status = await daemon.idle();
    expect(status.state).toBe('idle');
    expect(status.last_errors).toEqual([]);
  });
});

describe('the CLI over the socket of the running daemon', () => {
  const ragctl = (...args: string[]) => runCli([...args, '--config', ws.configFile], { cwd: ws.root });

  it('ragctl status (human and --json) is answered by the daemon', async () => {
    const human = await ragctl('status');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^state: +idle \\(pid ${daemon.pid}\\)$`, 'm'));
    expect(human.stdout).toMatch(/^files: +\d+ indexed, \d+ chunks$/m);
    expect(human.stdout).toMatch(/^queue: +0 waiting$/m);
    const json = oneJsonLine(await ragctl('status', '--json'));
    // Idle means a rate of 0 too (PROTOCOL.md), not the last minute's average.
    expect(json).toMatchObject({
      state: 'idle',
      pid: daemon.pid,
      via: 'daemon',
      queue_depth: 0,
      rate: 0,
      reason: null,
    });
    // Where the memory is: the daemon's own resident set (as /proc sees it, give or take what
    // moved between the two reads), V8's share, LanceDB's caches, the worker's last report.
    const memory = json.memory as StatusMemory;
    const procRss =
      Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${daemon.pid}/status`, 'utf8'))![1]) * 1024;
    expect(memory.rss_bytes / procRss).toBeGreaterThan(0.7);
    expect(memory.rss_bytes / procRss).toBeLessThan(1.3);
    expect(memory.heap_used_bytes).toBeGreaterThan(0);
    expect(memory.heap_used_bytes).toBeLessThan(memory.rss_bytes);
    expect(memory.store_cache_bytes).toBeGreaterThan(0);
    expect(memory.worker_rss_bytes).toHaveLength(1);
    expect(memory.worker_rss_bytes[0]).toBeGreaterThan(50 * 2 ** 20);
    expect(human.stdout).toMatch(
      /^memory: +daemon \d+ MB \(JS heap \d+ MB, LanceDB caches \d+ MB\), embed worker \d+ MB$/m,
    );
  });

  it('ragctl search --json is answered by the daemon ("via":"daemon")', async () => {
    const result = await ragctl('search', '--json', 'quokkaseed', '-k', '3');
    expect(result.code, result.stderr).toBe(0);
    const json = oneJsonLine(result);
    expect(json).toMatchObject({ via: 'daemon', query: 'quokkaseed', k: 3 });
    expect((json.results as WireSearchHit[])[0]).toMatchObject({ path: ws.path('seed.md') });
    // The human form says nothing about reading the index directly.
    const human = await ragctl('search', 'quokkaseed');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).not.toContain('no daemon running');
    expect(human.stdout).toContain('notes/seed.md');
  });

  it('explain: true over the socket (and ragctl search --explain through the daemon) says how each hit ranked', async () => {
    // The text leg may lag behind the vector leg right after a write (the full-text rebuild runs
    // after a burst of writes): wait until both see the seed note.
    await waitFor(
      'the seed note in the full-text index',
      async () => (await daemon.search('quokkaseed', { mode: 'text' })).length > 0,
      BOUND_MS,
    );
    const [hit] = await daemon.search('quokkaseed', { explain: true, k: 3 });
    expect(hit).toMatchObject({
      path: ws.path('seed.md'),
      explain: { text: { rank: 1 }, fusion: { method: 'relative-score', pool: 50 }, where: null },
    });
    expect(hit!.explain!.vector).toMatchObject({ rank: expect.any(Number), distance: expect.any(Number) });
    const json = oneJsonLine(await ragctl('search', '--json', '--explain', 'quokkaseed', '-k', '3'));
    expect(json).toMatchObject({ via: 'daemon' });
    expect((json.results as WireSearchHit[])[0]?.explain).toEqual(hit!.explain);
  });

  it('ragctl pause holds a change (noticed, queued, not indexed) until ragctl resume; reindex of it merges', async () => {
    const paused = await ragctl('pause');
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toBe('Daemon paused.\n');
    const path = await ws.write('while-paused.md', note('Paused', 'bandicootpause'));
    // The watcher saw it and the queue holds it: the change is waiting, not lost.
    const held = await daemon.until('the change to be queued while paused', (s) => s.queue_depth === 1);
    expect(held.state).toBe('paused');
    expect(hitsAt(await daemon.search('bandicootpause'), path)).toEqual([]);
    // Asking for the same path again does not queue it twice.
    const reindex = await ragctl('reindex', path);
    expect(reindex.code, reindex.stderr).toBe(0);
    // The command it names is this config's, as given.
    expect(reindex.stdout).toBe(
      `Queued 1 path; \`ragctl status --config ${ws.configFile}\` shows progress.\n`,
    );
    expect((await daemon.status()).queue_depth).toBe(1);
    // Still not indexed: search the whole index once more, and the record is absent.
    expect(hitsAt(await daemon.search('bandicootpause'), path)).toEqual([]);
    expect((await readRecords(ws.config())).has(path)).toBe(false);

    const human = await ragctl('resume');
    expect(human.stdout).toMatch(/^Daemon resumed \((idle|indexing)\)\.\n$/);
    const resumed = await ragctl('resume', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(oneJsonLine(resumed).state).toMatch(/^(idle|indexing)$/);
    await waitFor(
      'the held change indexed after resume',
      async () => hasWordAt(path, 'bandicootpause')(await daemon.search('bandicootpause')),
      BOUND_MS,
    );
  });

  it('ragctl reindex <file> of an unchanged file re-embeds nothing; a path outside the sources is refused', async () => {
    const seed = ws.path('seed.md');
    const before = (await readRecords(ws.config())).get(seed);
    expect(before?.status).toBe('indexed');
    const result = await ragctl('reindex', seed, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(oneJsonLine(result)).toEqual({ queued: 1 });
    await daemon.idle();
    // Same bytes, same size and mtime: the record was not even rewritten.
    expect((await readRecords(ws.config())).get(seed)).toEqual(before);

    const folder = await ragctl('reindex', ws.notes, '--json');
    expect(folder.code, folder.stderr).toBe(0);
    expect(oneJsonLine(folder)).toEqual({ queued: 1 });

    const outside = await ragctl('reindex', '/etc/hostname');
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('/etc/hostname is not inside any source');
    await daemon.idle();
  });

  it('ragctl index hands the work to the daemon ("via":"daemon") instead of taking the lock', async () => {
    const path = await ws.write('handed/over.md', note('Handed', 'cassowaryhand'));
    const all = await ragctl('index', '--json');
    expect(all.code, all.stderr).toBe(0);
    expect(oneJsonLine(all)).toEqual({ via: 'daemon', queued: 1 });
    const one = await ragctl('index', ws.path('handed'), '--json');
    expect(one.code, one.stderr).toBe(0);
    expect(oneJsonLine(one)).toEqual({ via: 'daemon', queued: 1 });
    const human = await ragctl('index');
    expect(human.stdout).toBe(
      `The daemon is indexing (1 path queued); \`ragctl status --config ${ws.configFile}\` shows progress.\n`,
    );
    await waitFor('the note indexed by the daemon', async () =>
      hasWordAt(path, 'cassowaryhand')(await daemon.search('cassowaryhand')),
    );
    // The daemon still holds the lock: the CLI never wrote beside it.
    expect(JSON.parse(readFileSync(join(ws.dataDir, 'ragd.lock'), 'utf8'))).toMatchObject({
      pid: daemon.pid,
      role: 'daemon',
    });
    // The other two requests queued walks of their own, and handed/ is a new folder, walked once
    // more when it has settled (folderRecheckMs): the next tests start from a settled daemon.
    await new Promise((r) => setTimeout(r, DEFAULT_WATCHER_LIMITS.folderRecheckMs + 500));
    await daemon.idle();
  });
});

describe('bad input on the real socket: structured errors, and the daemon goes on', () => {
  const peers: RawPeer[] = [];
  const raw = async () => {
    const peer = await RawPeer.connect(ws.socketPath);
    peers.push(peer);
    return peer;
  };
  afterAll(async () => {
    for (const p of peers) p.socket.destroy();
    await Promise.all(peers.map((p) => p.closed));
  });

  it('malformed JSON, an unknown method and wrong types each get an error; the connection stays usable', async () => {
    const peer = await raw();
    peer.write('{"type":"request","data":{"v":1,\f');
    expect(await peer.next()).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'E_PROTOCOL', message: expect.stringContaining('not valid JSON') },
    });
    peer.send({ v: 1, id: 2, method: 'explode', params: {} });
    expect(await peer.next()).toMatchObject({
      id: 2,
      ok: false,
      error: { code: 'E_UNKNOWN_METHOD', message: expect.stringContaining('explode') },
    });
    peer.send({ v: 1, id: 3, method: 'search', params: { query: 42 } });
    expect(await peer.next()).toMatchObject({
      id: 3,
      ok: false,
      error: { code: 'E_PROTOCOL', message: expect.stringContaining('params.query') },
    });
    peer.send({ v: 1, id: 4, method: 'search', params: { query: 'quokkaseed', k: 'ten' } });
    expect(await peer.next()).toMatchObject({
      id: 4,
      ok: false,
      error: { code: 'E_PROTOCOL', message: expect.stringContaining('params.k') },
    });
    peer.send({ v: 1, id: 5, method: 'reindex', params: { path: ['a'] } });
    expect(await peer.next()).toMatchObject({ id: 5, ok: false, error: { code: 'E_PROTOCOL' } });
    peer.send({ v: 2, id: 6, method: 'status' });
    expect(await peer.next()).toMatchObject({ id: 6, ok: false, error: { code: 'E_VERSION' } });
    // The same connection still serves a good request, with real results.
    peer.send({ v: 1, id: 7, method: 'search', params: { query: 'quokkaseed', k: 1 } });
    const good = await peer.next();
    expect(good).toMatchObject({ id: 7, ok: true });
    expect((good!.result as { results: WireSearchHit[] }).results[0]!.path).toBe(ws.path('seed.md'));
  });

  it('an oversized message gets E_TOO_LARGE and its connection closes; others are served', async () => {
    const peer = await raw();
    peer.write(
      `{"type":"request","data":{"v":1,"id":1,"method":"search","params":{"query":"${'x'.repeat(2 * 1024 * 1024)}`,
    );
    expect(await peer.next()).toMatchObject({ id: null, ok: false, error: { code: 'E_TOO_LARGE' } });
    await peer.closed;
    const status = await daemon.status();
    expect(status).toMatchObject({ pid: daemon.pid, state: 'idle' });
    expect(daemon.hasExited).toBe(false);
  });
});
