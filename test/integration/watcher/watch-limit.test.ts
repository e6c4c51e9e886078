import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { skipUnless, userNamespaces } from '../../helpers/capabilities.js';

/**
 * A real ENOSPC from the kernel. The machine-wide `fs.inotify.max_user_watches` is shared with
 * everything else running here, so it is not lowered; instead the watcher runs in a child
 * process inside a new user namespace (`unshare -Ur`), where /proc/sys/user/max_inotify_watches
 * limits that namespace alone. Linux only: macOS has no inotify (its limit is descriptors).
 */
const FIXTURES = join(import.meta.dirname, 'fixtures');
const LIMIT = 20;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function treeOverTheLimit(): Promise<{ root: string; dataDir: string }> {
  const base = await realpath(await mkdtemp(join(tmpdir(), 'ragctl-enospc-')));
  cleanups.push(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'notes');
  // 30 folders with a note each: 61 watches wanted (folders, files and the root), 20 allowed.
  for (let i = 0; i < 30; i++) {
    await mkdir(join(root, `d${i}`), { recursive: true });
    await writeFile(join(root, `d${i}`, 'n.md'), `# ${i}\n`);
  }
  return { root, dataDir: join(base, 'data') };
}

async function runChild(args: string[]): Promise<Record<string, unknown>[]> {
  const script = [
    `echo ${LIMIT} > /proc/sys/user/max_inotify_watches`,
    'exec "$0" --import "$1" "$2" "$3" "$4" $5',
  ].join(' && ');
  const { stdout } = await promisify(execFile)(
    'unshare',
    [
      '-Ur',
      'sh',
      '-c',
      script,
      process.execPath,
      join(FIXTURES, 'register-ts.mjs'),
      join(FIXTURES, 'watch-child.ts'),
      ...args,
    ],
    // Starting node and transpiling the sources takes seconds on a loaded machine.
    { timeout: 50_000 },
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// Linux only (inotify). It needs user namespaces (`unshare -Ur`) to lower the watch limit for
// this test alone — never the machine's own limit, which other processes share. Elsewhere it is
// skipped with the reason printed; on the Linux CI a skip fails the run (.ci/run).
const SUITE = 'Watcher: the real inotify watch limit';
describe.skipIf(skipUnless(userNamespaces(), SUITE))(SUITE, () => {
  it('ENOSPC from the kernel degrades the source with the sysctl fix and asks for a walk', async () => {
    const { root, dataDir } = await treeOverTheLimit();
    const lines = await runChild([root, dataDir]);
    const events = lines.map((l) => l.event);
    expect(events).toEqual(['degraded', 'rescan', 'started', 'closed']);
    expect(lines[0]).toMatchObject({ source: root, code: 'watch-limit' });
    expect(String(lines[0]!.fix)).toContain('sysctl fs.inotify.max_user_watches=');
    expect(lines[1]).toEqual({ event: 'rescan', within: root, reason: 'watcher-error' });
    // start() still resolved: a degraded source is watched as far as the limit allows.
    expect(lines[2]!.status).toMatchObject([{ root, state: 'degraded' }]);
  });

  it('once the limit is raised, the scheduled restart recovers and asks for a walk of the gap', async () => {
    const { root, dataDir } = await treeOverTheLimit();
    const lines = await runChild([root, dataDir, '10000']);
    expect(lines.map((l) => l.event)).toEqual([
      'degraded',
      'rescan',
      'started',
      'recovered',
      'rescan',
      'after-recovery',
      'closed',
    ]);
    expect(lines[3]).toMatchObject({ source: root, code: 'watch-limit' });
    expect(lines[4]).toEqual({ event: 'rescan', within: root, reason: 'watcher-restarted' });
    expect(lines[5]!.status).toMatchObject([{ root, state: 'watching', degradation: null }]);
  });
});
