import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, DaemonWorkspace, endDaemonTest, waitFor } from '../../helpers/daemon.js';

/**
 * The socket listens before the daemon has finished starting (the watcher still walks the
 * sources), so a service manager's stop right after its start, a user's Ctrl-C or a reload can
 * come then. A signal there must do what it does later — SIGTERM a clean stop (exit 0, socket
 * gone, lock released), SIGHUP a reload — not end the process by the signal's default action
 * with the lock and socket left behind. The signal is sent the moment the socket file appears;
 * a tree of many folders keeps the watcher's start (the window) long.
 */
const FOLDERS = 40;

let ws: DaemonWorkspace;
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  ws = await DaemonWorkspace.create();
  for (let i = 0; i < FOLDERS; i++)
    for (let j = 0; j < FOLDERS; j++) mkdirSync(join(ws.notes, `d${i}`, `e${j}`), { recursive: true });
  await ws.write('wombat.md', '# Wombat\n\nnote wombat\n');
});

afterAll(async () => {
  await endDaemonTest(daemon, ws);
});

/** Spawns the daemon and resolves as soon as its socket file exists (before it answers, or has started). */
async function spawnUntilListening(): Promise<DaemonProcess> {
  const spawned = DaemonProcess.spawn(ws);
  daemon = spawned;
  await waitFor(
    'the socket file',
    async () => {
      if (spawned.hasExited) throw new Error(`the daemon exited before listening:\n${spawned.output}`);
      if (existsSync(ws.socketPath)) return true;
      await sleep(2);
      return undefined;
    },
    30_000,
  );
  return spawned;
}

/** Whether this daemon has logged that it started (its watcher running, its first walk queued). */
const started = (d: DaemonProcess) => ws.logLines().some((l) => l.pid === d.pid && l.msg === 'ragd started');

describe('a signal while the daemon starts', () => {
  it('SIGTERM: the daemon finishes starting, then stops cleanly', async () => {
    const d = await spawnUntilListening();
    d.child.kill('SIGTERM');
    // stop() waits for the exit and asserts code 0, the socket removed and the lock released.
    await d.stop();
    expect(started(d), 'it started before it stopped').toBe(true);
    const stopping = ws.logLines().find((l) => l.pid === d.pid && l.msg === 'ragd stopping');
    expect(stopping?.why).toBe('SIGTERM received');
  });

  it('SIGHUP: a reload once started, and the daemon runs on', async () => {
    const d = await spawnUntilListening();
    d.child.kill('SIGHUP');
    await d.until('the note indexed', (s) => s.state === 'idle' && s.files === 1, 45_000);
    expect(d.hasExited).toBe(false);
    await d.stop();
  }, 90_000);
});
