import { stat } from 'node:fs/promises';
import { type Connection, connect, Session } from '@lancedb/lancedb';
import { errnoCode, RagError } from '../errors.js';
import type { Logger } from '../log.js';
import { FILE_RECORDS_TABLE, FileRecordsView, recordsSchemaDifference } from './file-records.js';
import { guard } from './lance-util.js';
import { ReadOnlyChunkTable } from './read-only-table.js';
import { openTableReadOnly, type ReadOnlyTable } from './recovery.js';
import { chunkTableName, type Mismatch, mismatch, type TableSpec } from './table-meta.js';
import { DEFAULT_TUNING, type StoreTuning } from './tuning.js';
import type { ChunkTableReader, FileRecordsReader } from './types.js';

export interface LanceReaderOptions {
  /** The LanceDB folder, e.g. `<dataDir>/index`. Never created. */
  dir: string;
  logger: Logger;
  tuning?: Partial<StoreTuning>;
}

/** A table whose newest version was unreadable, read at its last readable one instead. */
export interface OlderVersionRead {
  table: string;
  /** The manifests passed over (left where they are; the writer sets them aside). */
  skipped: string[];
  version: number;
}

export interface ReadChunkTable {
  table: ChunkTableReader;
  /** Set when the table was made for another model or schema (`table` then refuses what it cannot answer). */
  mismatch?: Mismatch & { fix: string };
}

/** Told to a reader for every way its index can be made right again: the writers rebuild and repair. */
export const WRITER_FIX =
  'run `ragctl index`, or start the daemon (`ragctl daemon run` in a terminal, `ragctl daemon start` where it is installed as a service)';

/**
 * The index opened by a reader (`ragctl search` and `ragctl status` without a daemon): it can
 * only read. It never creates the folder or a table, never builds an index, never moves a
 * manifest aside, drops or rebuilds a table, or writes a record — the writer (daemon or
 * `ragctl index`, holding the data dir's lock) may be writing meanwhile. What it finds wrong
 * it reports: a table made for another model (`openChunkTable(…).mismatch`), a newest version
 * it could not read (`olderVersions`: read at the last readable one).
 */
export class LanceReader {
  readonly dir: string;
  readonly #db: Connection;
  /** Connects to a folder as `#db` did (same caches, same consistency): for older versions' stand-ins. */
  readonly #connectTo: (dir: string) => Promise<Connection>;
  readonly #tuning: StoreTuning;
  readonly #log: Logger;
  readonly #records: ReadOnlyTable;
  readonly #files: FileRecordsView;
  readonly #tables = new Map<string, ReadChunkTable>();
  readonly #older: OlderVersionRead[] = [];
  #closed: Promise<void> | undefined;

  private constructor(
    dir: string,
    db: Connection,
    connectTo: (dir: string) => Promise<Connection>,
    records: ReadOnlyTable,
    tuning: StoreTuning,
    log: Logger,
  ) {
    this.dir = dir;
    this.#db = db;
    this.#connectTo = connectTo;
    this.#records = records;
    this.#files = new FileRecordsView(() => records.table, dir);
    this.#tuning = tuning;
    this.#log = log;
    this.#noteOlder(FILE_RECORDS_TABLE, records);
  }

  /** Opens the index in `options.dir`; undefined when there is none (never indexed). */
  static async open(options: LanceReaderOptions): Promise<LanceReader | undefined> {
    const { dir } = options;
    const log = options.logger.child({ component: 'store', access: 'read' });
    const tuning: StoreTuning = { ...DEFAULT_TUNING, ...options.tuning };
    if (!(await isFolder(dir))) return undefined;
    return guard(`opening the index in ${dir} for reading`, async () => {
      const session = new Session(BigInt(tuning.indexCacheBytes), BigInt(tuning.metadataCacheBytes));
      // Another process (a daemon starting up, `ragctl index`) may write meanwhile: every read
      // looks for its newest commit.
      const connectTo = (at: string) => connect(at, { readConsistencyInterval: 0, session });
      const db = await connectTo(dir);
      let records: ReadOnlyTable | undefined;
      try {
        if (!(await db.tableNames()).includes(FILE_RECORDS_TABLE)) {
          db.close();
          return undefined;
        }
        records = await openTableReadOnly(db, dir, FILE_RECORDS_TABLE, connectTo, log);
        const difference = recordsSchemaDifference(await records.table.schema());
        if (difference) {
          throw new RagError('E_SCHEMA', `table ${FILE_RECORDS_TABLE} in ${dir}: ${difference}`, {
            fix: `delete ${dir} and run \`ragctl index\` (the file records are rebuilt from disk)`,
          });
        }
        return new LanceReader(dir, db, connectTo, records, tuning, log);
      } catch (err) {
        await records?.close();
        db.close();
        throw err;
      }
    });
  }

  get files(): FileRecordsReader {
    return this.#files;
  }

  /** Tables read at an older version because their newest one was unreadable. */
  get olderVersions(): readonly OlderVersionRead[] {
    return this.#older;
  }

  /**
   * The chunk table of an engine, checked against `spec`; undefined when the engine has no table
   * yet (never indexed). A table made for another model or schema is still returned, with
   * `mismatch` saying what is wrong and the fix.
   */
  async openChunkTable(spec: TableSpec): Promise<ReadChunkTable | undefined> {
    this.#checkOpen();
    const name = chunkTableName(spec.engine);
    const cached = this.#tables.get(name);
    if (cached) return cached;
    const what = `table ${name} in ${this.dir}`;
    const opened = await guard(`${what}: opening for reading`, async () => {
      if (!(await this.#db.tableNames()).includes(name)) return undefined;
      const handle = await openTableReadOnly(this.#db, this.dir, name, this.#connectTo, this.#log);
      try {
        return { handle, found: mismatch(spec, await handle.table.schema()) };
      } catch (err) {
        await handle.close();
        throw err;
      }
    });
    if (!opened) return undefined;
    const { handle, found } = opened;
    this.#noteOlder(name, handle);
    const wrong = found && { ...found, fix: mismatchFix(spec, found) };
    const table = new ReadOnlyChunkTable({
      table: handle.table,
      name,
      dir: this.dir,
      modelId: spec.modelId,
      dimension: spec.dimension,
      tuning: this.#tuning,
      mismatch: wrong,
      close: handle.close,
    });
    const read: ReadChunkTable = wrong ? { table, mismatch: wrong } : { table };
    this.#tables.set(name, read);
    return read;
  }

  /** Closes every table and the connection, and removes what reading older versions took. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const { table } of this.#tables.values()) await table.close();
      await this.#records.close();
      this.#db.close();
    })();
    return this.#closed;
  }

  #noteOlder(table: string, opened: ReadOnlyTable): void {
    if (opened.older) this.#older.push({ table, ...opened.older });
  }

  #checkOpen(): void {
    if (this.#closed) throw new RagError('E_STORE', `the index in ${this.dir} is closed`);
  }
}

function mismatchFix(spec: TableSpec, found: Mismatch): string {
  const rebuild = `${WRITER_FIX} to rebuild the index of engine "${spec.engine}" with ${spec.modelId}`;
  return found.kind === 'model' ? `${rebuild}; until then \`--mode text\` still searches it` : rebuild;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}
