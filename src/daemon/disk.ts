import { statfs } from 'node:fs/promises';

/**
 * Free bytes under which a failed write is blamed on a full disk. LanceDB reports ENOSPC only
 * inside its message text; rather than parse that, the daemon asks the filesystem directly.
 */
export const LOW_DISK_BYTES = 64 * 1024 * 1024;

/** Free bytes available to this user on the filesystem holding `path`, or undefined if unknown. */
export async function freeBytes(path: string): Promise<number | undefined> {
  try {
    const s = await statfs(path);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

export async function isDiskFull(path: string): Promise<boolean> {
  const free = await freeBytes(path);
  return free !== undefined && free < LOW_DISK_BYTES;
}
