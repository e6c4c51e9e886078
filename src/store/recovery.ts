import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, Table } from '@lancedb/lancedb';
import { errorMessage } from '../errors.js';
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
  return newestFirst(listManifests(versions))[0];
}

/** Same-length decimal names: the lexically smallest is the newest version. */
function newestFirst(manifests: string[]): string[] {
  return manifests.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
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

/** A table opened by a reader; `close` also removes what was made to read an older version. */
export interface ReadOnlyTable {
  table: Table;
  /** Set when the newest version could not be read: the manifests passed over, and the version read. */
  older?: { skipped: string[]; version: number };
  close(): Promise<void>;
}

/**
 * Opens a table for reading without changing anything in `dir`. When its newest version cannot
 * be read, the writer's way (`openTableRecovering`: move the manifest aside) is not a reader's
 * to take, and LanceDB 0.31 cannot open an older version while the newest is unreadable
 * (`openTable` with `version` loads the latest first). So the reader builds a stand-in table
 * folder under the OS temp dir: links to the table's data, indexes and transactions, and a copy
 * of one older manifest, which LanceDB then takes for the latest. Manifests are copied, not
 * linked: LanceDB reads a link's own size as the file's. `connectTo` connects to that folder
 * as the reader connects to `dir`.
 */
export async function openTableReadOnly(
  db: Connection,
  dir: string,
  name: string,
  connectTo: (dir: string) => Promise<Connection>,
  log: Logger,
): Promise<ReadOnlyTable> {
  try {
    const table = await db.openTable(name);
    await table.countRows();
    return { table, close: async () => table.close() };
  } catch (err) {
    const older = await openOlderVersion(dir, name, connectTo, log);
    if (!older) throw err;
    // Info, not a warning: the reader's caller tells the person (`LanceReader.olderVersions`).
    log.info(
      { table: name, skipped: older.older?.skipped, version: older.older?.version, err: errorMessage(err) },
      'newest table version is unreadable; reading the last readable one',
    );
    return older;
  }
}

async function openOlderVersion(
  dir: string,
  name: string,
  connectTo: (dir: string) => Promise<Connection>,
  log: Logger,
): Promise<ReadOnlyTable | undefined> {
  const source = join(dir, `${name}.lance`);
  const manifests = newestFirst(listManifests(join(source, '_versions')));
  // Only one: there is nothing older to read.
  if (manifests.length < 2) return undefined;
  const standIn = await mkdtemp(join(tmpdir(), 'ragctl-read-'));
  const removeStandIn = () => rm(standIn, { recursive: true, force: true });
  let db: Connection | undefined;
  try {
    const tableDir = join(standIn, `${name}.lance`);
    await mkdir(join(tableDir, '_versions'), { recursive: true });
    for (const entry of await readdir(source)) {
      if (entry === '_versions' || entry === '_versions_unreadable') continue;
      await symlink(join(source, entry), join(tableDir, entry));
    }
    db = await connectTo(standIn);
    const last = Math.min(manifests.length - 1, MAX_VERSIONS_SET_ASIDE);
    for (let i = 1; i <= last; i++) {
      const manifest = manifests[i] as string;
      const copy = join(tableDir, '_versions', manifest);
      await copyFile(join(source, '_versions', manifest), copy);
      try {
        const table = await db.openTable(name);
        await table.countRows();
        const opened = db;
        return {
          table,
          older: { skipped: manifests.slice(0, i), version: await table.version() },
          close: async () => {
            table.close();
            opened.close();
            await removeStandIn();
          },
        };
      } catch (err) {
        log.debug({ table: name, manifest, err: errorMessage(err) }, 'older version unreadable too');
        await rm(copy);
      }
    }
    db.close();
    await removeStandIn();
    return undefined;
  } catch (err) {
    db?.close();
    await removeStandIn();
    throw err;
  }
}
