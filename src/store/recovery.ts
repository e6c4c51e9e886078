import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection, Table } from '@lancedb/lancedb';
import type { Logger } from '../log.js';

/** How many newest versions may be set aside before giving up on a table. */
const MAX_VERSIONS_SET_ASIDE = 5;

export interface OpenedTable {
  table: Table;
  /** Manifests set aside because the table could not be read with them (newest first). */
  setAside: string[];
}

/**
 * Opens a table; when its newest version cannot be read (a power cut can leave a zero-byte or
 * truncated manifest behind), sets that manifest aside and opens the previous version — the
 * one a reader saw before the failed commit. A manifest is only kept aside if opening works
 * without it; otherwise it is put back and the original error is thrown. LanceDB names
 * manifests u64::MAX − version, so the newest version has the smallest name.
 */
export async function openTableRecovering(
  db: Connection,
  dir: string,
  name: string,
  log: Logger,
): Promise<OpenedTable> {
  const setAside: string[] = [];
  let firstError: unknown;
  for (;;) {
    try {
      const table = await db.openTable(name);
      await table.countRows();
      if (setAside.length)
        log.warn(
          { table: name, setAside },
          'newest table version was unreadable; opened the last readable one',
        );
      return { table, setAside };
    } catch (err) {
      firstError ??= err;
      const versions = join(dir, `${name}.lance`, '_versions');
      if (setAside.length >= MAX_VERSIONS_SET_ASIDE) {
        restore(versions, setAside);
        throw firstError;
      }
      const newest = newestManifest(versions);
      // Only one left: there is nothing older to fall back to.
      if (!newest || manifestCount(versions) < 2) {
        restore(versions, setAside);
        throw firstError;
      }
      const quarantine = join(dir, `${name}.lance`, '_versions_unreadable');
      mkdirSync(quarantine, { recursive: true });
      renameSync(join(versions, newest), join(quarantine, newest));
      setAside.push(newest);
    }
  }
}

function newestManifest(versions: string): string | undefined {
  const manifests = listManifests(versions);
  // Same-length decimal names: the lexically smallest is the newest version.
  return manifests.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0))[0];
}

function manifestCount(versions: string): number {
  return listManifests(versions).length;
}

function listManifests(versions: string): string[] {
  try {
    return readdirSync(versions).filter(
      (f) => f.endsWith('.manifest') && statSync(join(versions, f)).isFile(),
    );
  } catch {
    return [];
  }
}

/** Puts set-aside manifests back (the fallback did not help: the table is broken otherwise). */
function restore(versions: string, setAside: string[]): void {
  const quarantine = join(versions, '..', '_versions_unreadable');
  for (const name of setAside) renameSync(join(quarantine, name), join(versions, name));
  setAside.length = 0;
}
