import { dirname } from 'node:path';
import type { RescanReason, RescanRequest, WatcherLimits } from './types.js';

export type CoalesceLimits = Pick<
  WatcherLimits,
  'debounceMs' | 'maxDelayMs' | 'maxBufferedPaths' | 'maxFolderRescans' | 'batchPaths'
>;

/** What became of one event. */
export type NoteOutcome =
  /** A path (or folder) not buffered before. */
  | 'added'
  /** Merged with the pending entry of the same path. */
  | 'merged'
  /** Covered by a pending walk of a folder above it, or of the whole source. */
  | 'absorbed'
  /** This event overflowed the buffer: per-path detail is dropped for one walk of the source. */
  | 'overflowed';

/** What is due now. */
export interface Flush {
  /** Folders to walk again, outermost only (a walk of `/a` covers `/a/b`). */
  readonly rescans: RescanRequest[];
  /** Paths to look at again: at most `batchPaths`, none inside a folder of `rescans`. */
  readonly paths: string[];
  /** When to take again (`nowMs` itself when more is due already); undefined when nothing is pending. */
  readonly nextMs: number | undefined;
}

interface Pending {
  /** The first event since the entry was last taken: bounds the wait (`maxDelayMs`). */
  readonly firstMs: number;
  /** The latest event: the entry waits for `debounceMs` of quiet after it. */
  lastMs: number;
}

interface PendingFolder extends Pending {
  reason: RescanReason;
}

/**
 * Merges a source's watcher events per path in time. Every event means the same thing — look
 * at this path again — so merging is keeping the path once with the time of its first and last
 * event. A path is due after `debounceMs` without events, or `maxDelayMs` after its first one.
 * Memory is bounded: past `maxBufferedPaths` paths or `maxFolderRescans` folders, everything
 * buffered is dropped in favour of one walk of the whole source, due once the storm quiets.
 *
 * Pure: no timers and no I/O; the caller passes the time and asks for what is due.
 */
export class Coalescer {
  readonly root: string;
  readonly #limits: CoalesceLimits;
  /** Insertion order is `firstMs` order, which `take()` relies on to find the oldest first. */
  readonly #paths = new Map<string, Pending>();
  readonly #folders = new Map<string, PendingFolder>();
  /** Set after an overflow: until taken, every event is covered by one walk of the root. */
  #storm: Pending | undefined;

  constructor(root: string, limits: CoalesceLimits) {
    this.root = root;
    this.#limits = limits;
  }

  /** Paths and folders buffered (a storm counts as one). */
  get size(): number {
    return this.#paths.size + this.#folders.size + (this.#storm ? 1 : 0);
  }

  get isStorm(): boolean {
    return this.#storm !== undefined;
  }

  /** A file may have changed (was added, changed or removed). */
  notePath(path: string, nowMs: number): NoteOutcome {
    const cover = this.#storm ?? this.#pendingFolderAbove(path);
    if (cover) {
      touch(cover, nowMs);
      return 'absorbed';
    }
    const pending = this.#paths.get(path);
    if (pending) {
      touch(pending, nowMs);
      return 'merged';
    }
    if (this.#paths.size >= this.#limits.maxBufferedPaths) return this.#overflow(nowMs);
    this.#paths.set(path, { firstMs: nowMs, lastMs: nowMs });
    return 'added';
  }

  /** A folder must be walked again (it appeared, vanished, or its ignore rules changed). */
  noteFolder(dir: string, reason: RescanReason, nowMs: number): NoteOutcome {
    const cover = this.#storm ?? this.#pendingFolderAbove(dir);
    if (cover) {
      touch(cover, nowMs);
      return 'absorbed';
    }
    const pending = this.#folders.get(dir);
    if (pending) {
      pending.reason = reason;
      touch(pending, nowMs);
      return 'merged';
    }
    if (this.#folders.size >= this.#limits.maxFolderRescans) return this.#overflow(nowMs);
    this.#folders.set(dir, { firstMs: nowMs, lastMs: nowMs, reason });
    return 'added';
  }

  /** Removes and returns what is due at `nowMs`. */
  take(nowMs: number): Flush {
    if (this.#storm) {
      const dueMs = this.#dueMs(this.#storm);
      if (dueMs > nowMs) return { rescans: [], paths: [], nextMs: dueMs };
      this.#storm = undefined;
      return { rescans: [{ within: this.root, reason: 'storm' }], paths: [], nextMs: undefined };
    }
    let nextMs: number | undefined;
    const later = (ms: number) => {
      nextMs = nextMs === undefined ? ms : Math.min(nextMs, ms);
    };

    const dueFolders: [string, RescanReason][] = [];
    for (const [dir, pending] of this.#folders) {
      const dueMs = this.#dueMs(pending);
      if (dueMs > nowMs) {
        later(dueMs);
        continue;
      }
      dueFolders.push([dir, pending.reason]);
      this.#folders.delete(dir);
    }
    const rescans = outermost(dueFolders);
    const walked = new Set(rescans.map((r) => r.within!));

    const paths: string[] = [];
    for (const [path, pending] of this.#paths) {
      if (walked.size && hasAncestorIn(path, walked)) {
        this.#paths.delete(path);
        continue;
      }
      const dueMs = this.#dueMs(pending);
      if (dueMs > nowMs) {
        later(dueMs);
        continue;
      }
      if (paths.length === this.#limits.batchPaths) {
        // More is due than one batch holds: come back at once for the next slice.
        later(nowMs);
        break;
      }
      paths.push(path);
      this.#paths.delete(path);
    }
    return { rescans, paths, nextMs };
  }

  /** Drops everything buffered (the source vanished or is being rebuilt). */
  clear(): void {
    this.#paths.clear();
    this.#folders.clear();
    this.#storm = undefined;
  }

  #dueMs(pending: Pending): number {
    return Math.min(pending.lastMs + this.#limits.debounceMs, pending.firstMs + this.#limits.maxDelayMs);
  }

  #overflow(nowMs: number): NoteOutcome {
    // The storm is due as soon as the oldest buffered event would have been: nothing waits
    // longer than `maxDelayMs` because of the overflow.
    let firstMs = nowMs;
    for (const pending of this.#paths.values()) {
      firstMs = Math.min(firstMs, pending.firstMs);
      break; // insertion order: the first is the oldest
    }
    for (const pending of this.#folders.values()) firstMs = Math.min(firstMs, pending.firstMs);
    this.clear();
    this.#storm = { firstMs, lastMs: nowMs };
    return 'overflowed';
  }

  /** A pending folder strictly above `path` (one map lookup per level). */
  #pendingFolderAbove(path: string): PendingFolder | undefined {
    if (!this.#folders.size) return undefined;
    for (let dir = path; dir !== this.root; ) {
      const parent = dirname(dir);
      if (parent === dir) return undefined; // reached / without meeting the root: not ours
      dir = parent;
      const folder = this.#folders.get(dir);
      if (folder) return folder;
    }
    return undefined;
  }
}

function touch(pending: Pending, nowMs: number): void {
  pending.lastMs = Math.max(pending.lastMs, nowMs);
}

/** Keeps the folders that are not inside another one of the list. */
function outermost(folders: [string, RescanReason][]): RescanRequest[] {
  if (!folders.length) return [];
  // Shorter first: a folder's ancestors are kept (or dropped) before it is looked at.
  folders.sort(([a], [b]) => a.length - b.length);
  const kept = new Set<string>();
  const requests: RescanRequest[] = [];
  for (const [dir, reason] of folders) {
    if (hasAncestorIn(dir, kept)) continue;
    kept.add(dir);
    requests.push({ within: dir, reason });
  }
  return requests;
}

function hasAncestorIn(path: string, dirs: ReadonlySet<string>): boolean {
  for (let dir = dirname(path); ; ) {
    if (dirs.has(dir)) return true;
    const parent = dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}
