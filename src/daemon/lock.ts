import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tryLock, unlock } from 'fs-native-extensions';
import { errnoCode, RagError } from '../errors.js';
import { enterGate, leaveGate } from './lock-gate.js';

/**
 * Who holds an index: written into the lock file once the lock is held, shown in the error a
 * second writer gets. It only describes the holder; the kernel alone decides who holds the lock.
 */
export interface LockOwner {
  pid: number;
  host: string;
  /** `daemon` or `index` (a one-shot `ragctl index`); `unknown` when the note is unreadable. */
  role: string;
  startedAt: number;
}

export function lockPath(dataDir: string): string {
  return join(dataDir, 'ragd.lock');
}

/** See `lock-gate.ts`: taken around every look at the lock, so a note is never read half-made. */
export function gatePath(dataDir: string): string {
  return join(dataDir, 'ragd.lock.gate');
}

/**
 * The lock is held, but its note cannot be read: a holder that is not ragctl, or one that wrote
 * its note outside the gate (see GATE_WAIT_MS).
 */
const UNKNOWN_OWNER: LockOwner = Object.freeze({ pid: 0, host: '', role: 'unknown', startedAt: 0 });

/**
 * One writer per data dir: the daemon, or a one-shot `ragctl index`. The writer holds an
 * exclusive kernel lock on `<dataDir>/ragd.lock` (an advisory `fcntl`/`flock` lock through
 * fs-native-extensions) for as long as it lives. The kernel drops it when the process exits,
 * however it exits, so there is no stale lock to recognise: a lock file left by a crash, or one
 * naming a pid that now belongs to someone else, blocks nobody.
 *
 * The file is never deleted (deleting it would let a second process lock a fresh file of the
 * same name while the first still holds the old, unlinked one); release empties it, so the note
 * inside names a holder only while there is one, or after a crash, when the kernel knows better.
 */
export class DataDirLock {
  readonly path: string;
  readonly owner: LockOwner;
  readonly #dataDir: string;
  /** Open for the life of the lock: closing it is what releases the lock. */
  #fd: number | undefined;

  private constructor(dataDir: string, owner: LockOwner, fd: number) {
    this.#dataDir = dataDir;
    this.path = lockPath(dataDir);
    this.owner = owner;
    this.#fd = fd;
  }

  /**
   * Takes the data dir's writer lock without waiting, or throws `E_LOCKED` naming the data dir,
   * the holder (role and pid) and the fix.
   */
  static acquire(dataDir: string, role: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const path = lockPath(dataDir);
    const owner: LockOwner = { pid: process.pid, host: hostname(), role, startedAt: Date.now() };
    const gate = enterGate(gatePath(dataDir), 'exclusive');
    try {
      // Not O_TRUNC: opening must not touch the note of a holder that is still alive.
      const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
      let held = false;
      try {
        held = tryLock(fd);
        if (!held) throw lockedError(dataDir, path, readNote(fd) ?? UNKNOWN_OWNER);
        writeNote(fd, owner);
        return new DataDirLock(dataDir, owner, fd);
      } catch (err) {
        // Closing drops the lock too, if it was taken before the note failed to be written.
        closeSync(fd);
        throw err;
      }
    } finally {
      leaveGate(gate);
    }
  }

  /**
   * Who holds the writer lock of a data dir right now, if anyone does: the kernel answers (a
   * shared lock on a fresh open file is refused while a writer holds it; taken, it is dropped at
   * once), the note only describes the holder. Writes nothing: a reader may call it.
   */
  static holder(dataDir: string): LockOwner | undefined {
    let fd: number;
    try {
      fd = openSync(lockPath(dataDir), constants.O_RDONLY);
    } catch (err) {
      // No lock file: no process has ever been the writer here.
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
    const gate = enterGate(gatePath(dataDir), 'shared');
    try {
      if (tryLock(fd, { shared: true })) {
        unlock(fd);
        return undefined;
      }
      return readNote(fd) ?? UNKNOWN_OWNER;
    } finally {
      leaveGate(gate);
      closeSync(fd);
    }
  }

  /** Empties the note, then drops the lock. Idempotent. */
  release(): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    const gate = enterGate(gatePath(this.#dataDir), 'exclusive');
    try {
      ftruncateSync(fd, 0);
      unlock(fd);
    } finally {
      closeSync(fd);
      leaveGate(gate);
    }
  }
}

function writeNote(fd: number, owner: LockOwner): void {
  ftruncateSync(fd, 0);
  writeSync(fd, `${JSON.stringify(owner)}\n`, 0);
}

/** The note in an open lock file; undefined when empty or not one of ours. */
function readNote(fd: number): LockOwner | undefined {
  const text = readFileSync(fd, 'utf8');
  if (!text.trim()) return undefined;
  let note: unknown;
  try {
    note = JSON.parse(text);
  } catch (err) {
    // Not JSON: written by something else. It describes nobody; the kernel still says who holds it.
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
  if (typeof note !== 'object' || note === null) return undefined;
  const { pid, host, role, startedAt } = note as Record<string, unknown>;
  if (typeof pid !== 'number' || typeof role !== 'string') return undefined;
  return {
    pid,
    role,
    host: typeof host === 'string' ? host : '',
    startedAt: typeof startedAt === 'number' ? startedAt : 0,
  };
}

/** The one rule, said in every refusal. */
const RULE = 'only one process at a time may write an index';

function lockedError(dataDir: string, path: string, holder: LockOwner): RagError {
  if (holder.role === UNKNOWN_OWNER.role) {
    return new RagError('E_LOCKED', `${dataDir} is in use by another process, which holds ${path}: ${RULE}`, {
      fix: `\`lsof ${path}\` (or \`fuser -v ${path}\`) names it; run this again once it has exited`,
    });
  }
  const where = holder.host && holder.host !== hostname() ? ` on ${holder.host}` : '';
  const who =
    holder.role === 'daemon' ? 'the daemon' : holder.role === 'index' ? '`ragctl index`' : holder.role;
  const fix =
    holder.role === 'daemon'
      ? 'talk to it with `ragctl status` / `ragctl reindex`, or stop it with `ragctl daemon stop`'
      : `wait for it to finish (or stop it: \`kill ${holder.pid}\`), then run this again`;
  return new RagError('E_LOCKED', `${dataDir} is in use by ${who} (pid ${holder.pid}${where}): ${RULE}`, {
    fix,
  });
}
