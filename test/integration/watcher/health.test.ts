import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WatcherTest } from './helpers.js';

let t: WatcherTest;
beforeEach(() => {
  t = new WatcherTest();
});
afterEach(async () => {
  await t.teardown();
});

/** An error as Node's fs.watch raises it when inotify's watch limit is reached. */
function enospc(path: string): NodeJS.ErrnoException {
  return Object.assign(
    new Error(`ENOSPC: System limit for number of file watchers reached, watch '${path}'`),
    {
      code: 'ENOSPC',
      errno: -28,
      syscall: 'watch',
      path,
    },
  );
}

describe('Watcher: a source folder that vanishes', () => {
  it('is suspended, polled for, and resumed with a walk when it comes back', async () => {
    const h = await t.make({ before: { 'a.md': 'a', 'sub/b.md': 'b' } });
    await rm(h.root, { recursive: true });
    await h.events.until(() => h.events.degraded.some((d) => d.code === 'root-missing'), 'degraded');
    const [degraded] = h.events.degraded;
    expect(degraded).toMatchObject({ source: h.root, code: 'root-missing' });
    expect(degraded!.fix).toMatch(/restore the folder|reconnect/);
    expect(h.watcher.status()[0]).toMatchObject({ state: 'suspended', degradation: degraded });
    // The unlink events of the vanished files are dropped: an unmounted disk is not an empty one.
    expect(h.events.paths).toEqual([]);
    // The chokidar instance of the vanished folder is closed, not left holding watches.
    expect(h.chokidars[0]!.closed).toBe(true);

    await mkdir(h.root);
    await h.events.until(
      () => h.events.rescans.some((r) => r.within === h.root && r.reason === 'root-returned'),
      'a rescan when the folder is back',
    );
    expect(h.events.recovered).toEqual([{ source: h.root, code: 'root-missing', reason: degraded!.reason }]);
    expect(h.watcher.status()[0]).toMatchObject({ state: 'watching', degradation: null });
    // And it is watched again.
    const fresh = await h.write('fresh.md');
    await h.events.arrived([fresh]);
  });

  it('a folder missing at start does not hold start up and is watched once it appears', async () => {
    const h = await t.make({ start: false });
    await rm(h.root, { recursive: true });
    await h.watcher.start();
    expect(h.watcher.status()[0]!.state).toBe('suspended');
    expect(h.events.degraded.map((d) => d.code)).toEqual(['root-missing']);
    await mkdir(h.root);
    await h.events.until(() => h.events.rescans.some((r) => r.reason === 'root-returned'), 'root-returned');
    const fresh = await h.write('fresh.md');
    await h.events.arrived([fresh]);
  });

  it('a folder replaced by another of the same name is watched anew and walked', async () => {
    const h = await t.make({ before: { 'a.md': 'a' } });
    await rename(h.root, join(h.outside, 'old-notes'));
    await mkdir(h.root);
    await h.events.until(
      () => h.events.rescans.some((r) => r.within === h.root && /root-(replaced|returned)/.test(r.reason)),
      'a rescan of the new folder',
    );
    const fresh = await h.write('fresh.md');
    await h.events.arrived([fresh]);
  });
});

describe('Watcher: errors from chokidar', () => {
  it('ENOSPC (watch limit) degrades the source with the sysctl fix, asks for a walk, and recovers after a clean restart', async () => {
    const h = await t.make({ limits: { restartDelaysMs: [200] }, before: { 'a.md': 'a' } });
    // chokidar's own error path: its handler emits exactly this when fs.watch() throws ENOSPC.
    h.chokidars[0]!.emit('error', enospc(h.abs('sub')));
    h.chokidars[0]!.emit('error', enospc(h.abs('sub2')));
    expect(h.events.degraded).toHaveLength(1);
    expect(h.events.degraded[0]).toMatchObject({ source: h.root, code: 'watch-limit' });
    expect(h.events.degraded[0]!.fix).toContain('fs.inotify.max_user_watches');
    expect(h.events.rescans).toEqual([{ within: h.root, reason: 'watcher-error' }]);
    expect(h.watcher.status()[0]!.state).toBe('degraded');

    await h.events.until(() => h.events.recovered.length === 1, 'recovery after the restart');
    expect(h.events.recovered[0]).toMatchObject({ source: h.root, code: 'watch-limit' });
    expect(h.events.rescans.at(-1)).toEqual({ within: h.root, reason: 'watcher-restarted' });
    expect(h.chokidars).toHaveLength(2);
    expect(h.chokidars[0]!.closed).toBe(true);
    expect(h.watcher.status()[0]!.state).toBe('watching');
    const fresh = await h.write('fresh.md');
    await h.events.arrived([fresh]);
  });

  it('a restart that still reports errors stays degraded and tries again later', async () => {
    const h = await t.make({
      limits: { restartDelaysMs: [100, 200] },
      // The first rebuilt instance hits the limit again during its initial scan; the next is clean.
      onChokidar: (fsw, index) => {
        if (index === 1) queueMicrotask(() => fsw.emit('error', enospc(join(h.root, 'sub'))));
      },
    });
    h.chokidars[0]!.emit('error', enospc(h.abs('sub')));
    await h.events.until(() => h.events.recovered.length === 1, 'recovery after the second restart');
    expect(h.chokidars).toHaveLength(3);
    expect(h.chokidars.slice(0, 2).every((fsw) => fsw.closed)).toBe(true);
    // One episode: one degraded, one recovered, however many errors and restarts it took.
    expect(h.events.degraded.map((d) => d.code)).toEqual(['watch-limit']);
    expect(h.events.rescans).toEqual([
      { within: h.root, reason: 'watcher-error' },
      { within: h.root, reason: 'watcher-restarted' },
    ]);
    expect(h.watcher.status()[0]!.state).toBe('watching');
  });

  it('EMFILE degrades with the ulimit fix', async () => {
    const h = await t.make({ limits: { restartDelaysMs: [60_000] } });
    h.chokidars[0]!.emit(
      'error',
      Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }),
    );
    expect(h.events.degraded[0]).toMatchObject({ code: 'open-file-limit' });
    expect(h.events.degraded[0]!.fix).toContain('ulimit -n');
    expect(h.events.rescans).toEqual([{ within: h.root, reason: 'watcher-error' }]);
  });

  it('a vanished path (ENOENT) or an unreadable folder (EACCES) is noise, not a degradation', async () => {
    const h = await t.make();
    for (const code of ['ENOENT', 'EACCES'])
      h.chokidars[0]!.emit('error', Object.assign(new Error(code), { code }));
    expect(h.events.degraded).toEqual([]);
    expect(h.events.rescans).toEqual([]);
    expect(h.watcher.status()[0]!.state).toBe('watching');
  });
});
