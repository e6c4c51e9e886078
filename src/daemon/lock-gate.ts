import { closeSync, constants, openSync } from 'node:fs';
import { tryLock } from 'fs-native-extensions';
import { errnoCode } from '../errors.js';

/**
 * A second kernel lock, `ragd.lock.gate`, held for the few microseconds around every look at
 * the writer lock: taking it (and writing the note), giving it up (and emptying the note), and
 * asking who holds it. It makes those steps one from the point of view of the others:
 * - a process that finds the writer lock taken reads the winner's note, never the empty or
 *   stale one the winner has not yet overwritten (a crash can leave a note naming any pid);
 * - `holder()` probes with a shared lock on the writer lock; inside the gate that probe can
 *   never make a starting writer's `tryLock` fail.
 * Who is the writer never depends on the gate: only the kernel's writer lock decides that.
 */

/**
 * The gate is held for microseconds; a holder still in it after this long is frozen (SIGSTOP,
 * a debugger). Then we go on without the gate: ownership stays exact, only the description of
 * the holder may be stale for that one call.
 */
const GATE_WAIT_MS = 2_000;
/** Between two tries at the gate: short, since it is held for microseconds. */
const GATE_POLL_MS = 1;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** An open gate file (held, or not after GATE_WAIT_MS); undefined when there was none to hold. */
export type Gate = number | undefined;

/**
 * Enters the gate. `exclusive` for the writer side (it creates the gate file), `shared` for
 * readers, which never write: where no gate file exists, no writer has ever gated here and the
 * reader goes on without one.
 */
export function enterGate(path: string, mode: 'exclusive' | 'shared'): Gate {
  const shared = mode === 'shared';
  let fd: number;
  try {
    fd = shared
      ? openSync(path, constants.O_RDONLY)
      : openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  } catch (err) {
    if (shared && errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  const deadline = Date.now() + GATE_WAIT_MS;
  try {
    // The lock calls are synchronous: acquire() runs before anything else starts, and waiting a
    // millisecond at a time keeps a frozen gate holder from blocking us for ever.
    while (!tryLock(fd, { shared }) && Date.now() < deadline) Atomics.wait(sleeper, 0, 0, GATE_POLL_MS);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/** Closing the gate file drops its lock (the kernel ties the lock to this open file). */
export function leaveGate(gate: Gate): void {
  if (gate !== undefined) closeSync(gate);
}
