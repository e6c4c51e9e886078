import { mkdir } from 'node:fs/promises';
import { type Connection, connect, Index, Session, type Table } from '@lancedb/lancedb';
import type { Schema } from 'apache-arrow';
import { RagError } from '../errors.js';
import { collectGarbage } from '../gc.js';
import type { Logger } from '../log.js';
import {
  addAppendStateColumn,
  FILE_RECORDS_TABLE,
  fileRecordsSchema,
  LanceFileRecords,
} from './file-records.js';
import { ensureChunkIndexes, textIndexOptions } from './indexes.js';
import { prepareLanceEnv } from './lance-env.js';
import { LanceChunkTable, PATHS_PER_STATEMENT } from './lance-table.js';
import { guard, schemaDifference } from './lance-util.js';
import { openTableRecovering } from './recovery.js';
import { chunkTableName, mismatch, type TableSpec, tableSchema } from './table-meta.js';
import { DEFAULT_TUNING, type StoreTuning } from './tuning.js';
import { CHUNK_COLUMNS, type FileRecords } from './types.js';
import { inList } from './where.js';

export interface LanceStoreOptions {
  /** The LanceDB folder (created if missing), e.g. `<dataDir>/lancedb`. */
  dir: string;
  logger: Logger;
  tuning?: Partial<StoreTuning>;
  /**
   * Seconds between checks for commits made by another process; undefined never checks
   * (LanceDB's default: right for the daemon, the only writer), 0 checks on every read.
   */
  readConsistencyS?: number;
}

export interface ChunkTableSpec extends TableSpec {
  /**
   * What to do when the table on disk was made for another model, dimension, mapper or
   * schema. `error` (the default) throws `E_SCHEMA` with the fix; `rebuild` forgets the
   * engine's file records, drops the table and creates it empty, so the caller re-indexes.
   */
  onMismatch?: 'error' | 'rebuild';
}

export interface OpenedChunkTable {
  table: LanceChunkTable;
  /** `rebuilt`: the old table did not match `spec` and was dropped (see `reason`). */
  state: 'created' | 'opened' | 'rebuilt';
  reason?: string;
}

/**
 * LanceDB's caches never forget on their own: every optimize, full-text rebuild and commit adds
 * entries under new keys (a new index, a new manifest) and the old ones stay until the cache
 * is full. For a personal index the entries in use are a few MB (4.3 MB for 20k chunks after
 * 300 hybrid searches) while the stale ones grew to the cap, 134 MB in a 10,000-file cold index
 * (docs/BENCHMARKS.md §5). `renewCachesIfStale` starts fresh caches once they hold more than
 * `tuning.renewCachesAboveBytes`, and more than RENEW_FACTOR × what they held when last
 * measured after a renewal (what is in use; an index whose working set is larger is left to
 * the caches' own bounds).
 */
const RENEW_FACTOR = 3;
/** Old handles stay open this long after a renewal: reads that started on them finish first. */
const RETIRE_AFTER_MS = 30_000;

/**
 * The LanceDB folder: one chunk table per engine plus the file records. The only place that
 * creates, checks and drops tables.
 */
export class LanceStore {
  readonly dir: string;
  #db: Connection;
  #session: Session;
  readonly #connectOptions: { readConsistencyInterval?: number };
  readonly #tuning: StoreTuning;
  readonly #log: Logger;
  readonly #files: LanceFileRecords;
  readonly #chunkTables = new Map<string, LanceChunkTable>();
  readonly #recoveries: Recovery[] = [];
  /** Handles replaced by a cache renewal, closed after RETIRE_AFTER_MS (or with the store). */
  readonly #retired = new Set<{ handles: { close(): void }[]; timer: NodeJS.Timeout }>();
  /** The caches' size some time after the last renewal: what they keep in use (RENEW_FACTOR). */
  #cacheInUse: number | undefined;
  #closed: Promise<void> | undefined;

  private constructor(
    dir: string,
    db: Connection,
    session: Session,
    connectOptions: { readConsistencyInterval?: number },
    files: LanceFileRecords,
    tuning: StoreTuning,
    log: Logger,
  ) {
    this.dir = dir;
    this.#db = db;
    this.#session = session;
    this.#connectOptions = connectOptions;
    this.#files = files;
    this.#tuning = tuning;
    this.#log = log;
  }

  static async open(options: LanceStoreOptions): Promise<LanceStore> {
    const { dir } = options;
    const log = options.logger.child({ component: 'store' });
    const tuning: StoreTuning = { ...DEFAULT_TUNING, ...options.tuning };
    return guard(`opening the index in ${dir}`, async () => {
      await mkdir(dir, { recursive: true });
      const connectOptions =
        options.readConsistencyS === undefined ? {} : { readConsistencyInterval: options.readConsistencyS };
      const { db, session } = await connectWithCaches(dir, connectOptions, tuning);
      const schema = fileRecordsSchema();
      const recoveries: Recovery[] = [];
      const table = await openOrCreate(db, dir, FILE_RECORDS_TABLE, schema, log, recoveries);
      if (await addAppendStateColumn(table))
        log.info({ table: FILE_RECORDS_TABLE }, 'added column append_state');
      const difference = schemaDifference(schema, await table.schema());
      if (difference) {
        table.close();
        db.close();
        throw new RagError('E_SCHEMA', `table ${FILE_RECORDS_TABLE} in ${dir}: ${difference}`, {
          fix: `delete ${dir} and index again (the file records are rebuilt from disk)`,
        });
      }
      if (!(await table.listIndices()).some((i) => i.columns.includes('path'))) {
        await table.createIndex('path', { config: Index.btree() });
      }
      const files = new LanceFileRecords({ table, dir, tuning, logger: log });
      const store = new LanceStore(dir, db, session, connectOptions, files, tuning, log);
      store.#recoveries.push(...recoveries);
      return store;
    });
  }

  /** Bytes held by LanceDB's index and metadata caches (bounded by the tuning's sizes). */
  cacheBytes(): number {
    return Number(this.#session.sizeBytes());
  }

  get files(): FileRecords {
    return this.#files;
  }

  /**
   * Renews the caches when they hold mostly stale entries (see RENEW_FACTOR); the
   * daemon asks after each optimize. Returns whether it renewed.
   */
  async renewCachesIfStale(): Promise<boolean> {
    this.#checkOpen();
    const bytes = this.cacheBytes();
    if (this.#cacheInUse === undefined) {
      this.#cacheInUse = bytes;
      return false;
    }
    if (bytes <= Math.max(this.#tuning.renewCachesAboveBytes, RENEW_FACTOR * this.#cacheInUse)) return false;
    await this.renewCaches();
    return true;
  }

  /**
   * Starts fresh caches: a new session and connection, every open table opened again through
   * it (each between its writes). The old handles are closed RETIRE_AFTER_MS later, so a
   * search that started on them finishes; then a garbage collection lets LanceDB free the old
   * caches (it does when V8 collects the old session's JS wrapper).
   */
  async renewCaches(): Promise<void> {
    this.#checkOpen();
    const before = this.cacheBytes();
    const { db, session } = await guard(`opening the index in ${this.dir} again`, () =>
      connectWithCaches(this.dir, this.#connectOptions, this.#tuning),
    );
    const handles: { close(): void }[] = [];
    try {
      for (const [name, table] of this.#chunkTables)
        handles.push(await table.swapHandle(() => db.openTable(name)));
      handles.push(await this.#files.swapHandle(() => db.openTable(FILE_RECORDS_TABLE)));
    } finally {
      // Tables swapped so far use the new connection; the others keep the old one until the
      // next renewal. Either way the old connection is retired, not closed under them.
      handles.push(this.#db);
      this.#db = db;
      this.#session = session;
      this.#cacheInUse = undefined;
      const retired = {
        handles,
        timer: setTimeout(() => this.#retire(retired), RETIRE_AFTER_MS),
      };
      retired.timer.unref();
      this.#retired.add(retired);
    }
    this.#log.info({ cacheMb: Math.round(before / 2 ** 20) }, 'LanceDB caches renewed');
  }

  #retire(retired: { handles: { close(): void }[]; timer: NodeJS.Timeout }): void {
    clearTimeout(retired.timer);
    this.#retired.delete(retired);
    for (const handle of retired.handles) {
      try {
        handle.close();
      } catch (err) {
        this.#log.debug({ err: String(err) }, 'closing a retired LanceDB handle failed');
      }
    }
    collectGarbage('full');
  }

  /** Tables that opened at an older version because their newest one was unreadable. */
  get recoveries(): readonly Recovery[] {
    return this.#recoveries;
  }

  /**
   * Opens (or creates, empty, with the mapper's explicit schema) the chunk table of an engine
   * and checks that it was made for this model, dimension and mapper. Throws `E_SCHEMA` on a
   * mismatch unless `spec.onMismatch` is `rebuild`. One handle per engine: a second call
   * returns the first table.
   */
  async openChunkTable(spec: ChunkTableSpec): Promise<OpenedChunkTable> {
    this.#checkOpen();
    const name = chunkTableName(spec.engine);
    const cached = this.#chunkTables.get(name);
    if (cached) {
      this.#checkSame(cached, spec);
      return { table: cached, state: 'opened' };
    }
    const schema = tableSchema(spec);
    const log = this.#log.child({ table: name });
    const what = `table ${name} in ${this.dir}`;

    const opened = await guard(`${what}: opening`, async () => {
      const exists = (await this.#db.tableNames()).includes(name);
      if (!exists) return { table: await this.#db.createEmptyTable(name, schema), state: 'created' as const };
      const recovered = await openTableRecovering(this.#db, this.dir, name, log);
      const table = recovered.table;
      if (recovered.setAside.length) {
        // The chunks went back in time; the records may describe newer chunks. Forget this
        // engine's records so the next reconcile re-checks every file (vectors are reused).
        this.#recoveries.push({ table: name, setAside: recovered.setAside, at: Date.now() });
        await this.#files.deleteEngine(spec.engine);
      }
      const reason = mismatch(spec, await table.schema())?.reason;
      if (!reason) return { table, state: 'opened' as const };
      table.close();
      if (spec.onMismatch !== 'rebuild') {
        throw new RagError('E_SCHEMA', `${what}: ${reason}`, {
          fix: `rebuild the index of engine "${spec.engine}" (its chunks are re-embedded with ${spec.modelId})`,
        });
      }
      log.warn({ reason }, 'dropping chunk table made for another model or schema');
      // Records first: if we stop after this, the next open sees the mismatch again and
      // finishes the rebuild; the other order could leave records of files no table holds.
      await this.#files.deleteEngine(spec.engine);
      await this.#db.dropTable(name);
      return { table: await this.#db.createEmptyTable(name, schema), state: 'rebuilt' as const, reason };
    });

    const textIndex = textIndexOptions(spec.mapper.textIndex);
    await guard(`${what}: creating indexes`, () => ensureChunkIndexes(opened.table, log, textIndex));
    const table = new LanceChunkTable({
      table: opened.table,
      dir: this.dir,
      modelId: spec.modelId,
      dimension: spec.dimension,
      schema: spec.mapper.schema(spec.dimension),
      textIndex,
      tuning: this.#tuning,
      logger: this.#log,
    });
    this.#chunkTables.set(name, table);
    log.info({ state: opened.state, modelId: spec.modelId, dimension: spec.dimension }, 'chunk table ready');
    return opened.reason === undefined
      ? { table, state: opened.state }
      : { table, state: opened.state, reason: opened.reason };
  }

  /**
   * Deletes the rows of `paths` from the chunk table of an engine no source names any more (its
   * table is not opened): their records go, and without this their rows would stay on disk,
   * never searched, until the engine came back and found them with no record. A table that
   * cannot be read keeps them, with a warning: the deletes of the records go on.
   */
  async deleteFromUnopened(engine: string, paths: readonly string[]): Promise<void> {
    this.#checkOpen();
    const name = chunkTableName(engine);
    if (this.#chunkTables.has(name))
      throw new RagError('E_INTERNAL', `table ${name} is open: use its replaceFiles`);
    try {
      if (!(await this.#db.tableNames()).includes(name)) return;
      const table = await this.#db.openTable(name);
      try {
        for (let i = 0; i < paths.length; i += PATHS_PER_STATEMENT)
          await table.delete(inList(CHUNK_COLUMNS.path, paths.slice(i, i + PATHS_PER_STATEMENT)));
      } finally {
        table.close();
      }
    } catch (err) {
      this.#log.warn(
        { table: name, files: paths.length, err: String(err) },
        'cannot delete the rows of files of an engine no source names; they stay in its table',
      );
    }
  }

  /** Optimizes every open table (see `OptimizePolicy` for when). */
  async optimize(): Promise<void> {
    this.#checkOpen();
    for (const table of this.#chunkTables.values()) await table.optimize();
    await this.#files.optimize();
  }

  /** Waits for pending writes and closes every table and the connection. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const table of this.#chunkTables.values()) await table.close();
      await this.#files.close();
      for (const retired of [...this.#retired]) this.#retire(retired);
      this.#db.close();
    })();
    return this.#closed;
  }

  #checkSame(table: LanceChunkTable, spec: ChunkTableSpec): void {
    if (table.modelId !== spec.modelId || table.dimension !== spec.dimension) {
      throw new RagError(
        'E_SCHEMA',
        `table ${table.name} in ${this.dir} is open for ${table.modelId} (${table.dimension} dims), not ${spec.modelId} (${spec.dimension} dims)`,
      );
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new RagError('E_STORE', `the index in ${this.dir} is closed`);
  }
}

/** A table that opened at an older version after a crash left its newest one unreadable. */
export interface Recovery {
  table: string;
  /** Manifests set aside (kept in `<table>.lance/_versions_unreadable/`). */
  setAside: string[];
  at: number;
}

/** A connection with caches of the tuning's sizes. */
async function connectWithCaches(
  dir: string,
  connectOptions: { readConsistencyInterval?: number },
  tuning: StoreTuning,
): Promise<{ db: Connection; session: Session }> {
  prepareLanceEnv();
  const session = new Session(BigInt(tuning.indexCacheBytes), BigInt(tuning.metadataCacheBytes));
  // In the options: @lancedb/lancedb 0.31's connect() drops a session given as its third argument.
  const db = await connect(dir, { ...connectOptions, session });
  return { db, session };
}

async function openOrCreate(
  db: Connection,
  dir: string,
  name: string,
  schema: Schema,
  log: Logger,
  recoveries: Recovery[],
): Promise<Table> {
  if ((await db.tableNames()).includes(name)) {
    // Older records are safe: a file whose record is missing or stale is simply re-checked.
    const { table, setAside } = await openTableRecovering(db, dir, name, log);
    if (setAside.length) recoveries.push({ table: name, setAside, at: Date.now() });
    return table;
  }
  return db.createEmptyTable(name, schema);
}
