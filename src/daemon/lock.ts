import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errnoCode, RagError } from '../errors.js';

/** Who holds an index: written into the lock file, shown in the error a second writer gets. */
export interface LockOwner {
  pid: number;
  host: string;
  /** `daemon` or `index` (a one-shot `ragctl index`). */
  role: string;
  startedAt: number;
}

export function lockPath(dataDir: string): string {
  return join(dataDir, 'ragd.lock');
}

/**
 * One writer per data dir: the daemon, or a one-shot `ragctl index`. The lock file is created
 * atomically (write a private file, then link() it into place: link fails if the name exists),
 * so two processes starting together cannot both win. A lock whose process is gone (a crash,
 * kill -9) is stale and taken over — also atomically, by renaming it away first.
 */
export class DataDirLock {
  readonly path: string;
  readonly owner: LockOwner;
  #released = false;

  private constructor(path: string, owner: LockOwner) {
    this.path = path;
    this.owner = owner;
  }

  static acquire(dataDir: string, role: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const path = lockPath(dataDir);
    const owner: LockOwner = { pid: process.pid, host: hostname(), role, startedAt: Date.now() };
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(owner)}\n`, { mode: 0o600 });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          linkSync(tmp, path);
          return new DataDirLock(path, owner);
        } catch (err) {
          if (errnoCode(err) !== 'EEXIST') throw err;
        }
        const holder = readOwner(path);
        if (holder && isAlive(holder)) {
          throw new RagError(
            'E_LOCKED',
            `${dataDir} is in use by ${holder.role === 'daemon' ? 'the daemon' : `\`ragctl ${holder.role}\``} (pid ${holder.pid})`,
            {
              fix:
                holder.role === 'daemon'
                  ? 'talk to it with `ragctl status` / `ragctl reindex`, or stop it with `ragctl daemon stop`'
                  : 'wait for it to finish',
            },
          );
        }
        // Stale: move it aside atomically; if another process beat us to it, just retry.
        try {
          renameSync(path, `${path}.stale-${process.pid}`);
          rmSync(`${path}.stale-${process.pid}`, { force: true });
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT') throw err;
        }
      }
      throw new RagError(
        'E_LOCKED',
        `${dataDir}: could not take the lock at ${path} (another process keeps taking it)`,
      );
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** Who holds the lock of a data dir right now, if anyone alive does. */
  static holder(dataDir: string): LockOwner | undefined {
    const owner = readOwner(lockPath(dataDir));
    return owner && isAlive(owner) ? owner : undefined;
  }

  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const current = readOwner(this.path);
    if (current && current.pid === this.owner.pid && current.startedAt === this.owner.startedAt) {
      try {
        unlinkSync(this.path);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    }
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' ? owner : undefined;
  } catch {
    // Missing, half-written or garbage: not a live owner.
    return undefined;
  }
}

/** A lock from another host (a shared home folder) is treated as alive: we cannot check it. */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}
