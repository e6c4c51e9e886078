import { lstat, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { unreadable } from '../access.js';
import { appendAll } from '../arrays.js';
import type { Config, SourceConfig } from '../config/types.js';
import type { Embedder } from '../embed/types.js';
import {
  type AppendCheckpoint,
  type AppendingChunker,
  type AppendPiece,
  type Chunk,
  type FileFacts,
  type MappedFile,
  readsAppends,
} from '../engines/types.js';
import { errnoCode, errorMessage, RagError } from '../errors.js';
import type { Logger } from '../log.js';
import { byFolder, isInside, relativePath } from '../paths.js';
import type { Engine } from '../registry/registry.js';
import type { LanceStore } from '../store/lance-store.js';
import { PATHS_PER_STATEMENT } from '../store/lance-table.js';
import type { ChunkTable, FileRecord } from '../store/types.js';
import {
  type AppendPlan,
  appendStateAt,
  type FileHead,
  planAppend,
  readHead,
  streamBytes,
} from './append.js';
import { FolderWalk, type PathFilter, sourceFilters } from './path-filter.js';
import { readForIndex, shortHash } from './read-file.js';
import {
  type DiskFile,
  describe,
  type ScanEntry,
  scanSource,
  skippedForAccess,
  skippedForSize,
  withinLimit,
} from './scan.js';
import { lookAtSource, MISSING_SOURCE_NOTE, type UnmatchedSource } from './source-check.js';
import {
  type EmbeddingProgress,
  emptySummary,
  type IndexProgress,
  type IndexSummary,
  type StageSeconds,
} from './types.js';
import { MAX_REMEMBERED, VectorReuse } from './vector-reuse.js';

/**
 * Chunks held in memory before a group is embedded and committed. The group grows with the
 * measured embedding rate so that a commit comes about every `GROUP_TARGET_SECONDS`: on a slow
 * CPU a cold index becomes searchable (and its progress visible) in pieces of seconds, not
 * minutes, and on a fast GPU commits (table versions) stay few. The maximum bounds memory
 * however many files change at once.
 */
const MIN_GROUP_CHUNKS = 128;
const MAX_GROUP_CHUNKS = 2048;
const GROUP_TARGET_SECONDS = 10;
/**
 * A group is embedded in slices of about this many seconds, each slice's vectors kept as they
 * come (`VectorReuse.carry`): a big file's group can take minutes, and a run stopped in it
 * resumes from its last slice instead of from nothing.
 */
const EMBED_SLICE_SECONDS = 2;
const MIN_EMBED_SLICE = 32;
export const FIRST_EMBED_SLICE = 64;
const MAX_EMBED_SLICE = 1024;

/** Texts per embed call: EMBED_SLICE_SECONDS at the rate of `texts` embedded in `seconds`. */
function nextSlice(texts: number, seconds: number): number {
  const fit = seconds > 0 ? Math.round((texts / seconds) * EMBED_SLICE_SECONDS) : MAX_EMBED_SLICE;
  return Math.min(MAX_EMBED_SLICE, Math.max(MIN_EMBED_SLICE, fit));
}

/** Failures (and files with entries left out) kept in a summary; the rest are counted, not listed. */
const MAX_LISTED_FAILURES = 100;
/**
 * Files removed per step of a delete: one chunk-table statement (`PATHS_PER_STATEMENT`) and
 * one records statement, so a stop loses at most one step's bookkeeping (see `Run.delete`).
 */
const FILES_PER_DELETE = PATHS_PER_STATEMENT;
/** Scan progress is reported every this many files. */
const SCAN_PROGRESS_EVERY = 500;

export interface IndexerOptions {
  config: Config;
  engines: ReadonlyMap<string, Engine>;
  store: LanceStore;
  /** By embedder name (the keys of `config.embedders`). */
  embedders: ReadonlyMap<string, Embedder>;
  logger: Logger;
}

export interface RunOptions {
  /**
   * Stops the run at the next file: what was committed stays (and is recorded), nothing is
   * deleted, and the run rejects with `E_ABORTED`. The next run picks up the rest.
   */
  signal?: AbortSignal;
  onProgress?: (progress: IndexProgress) => void;
  /**
   * Files of appending engines (logs) hold back their last entry while they keep changing: its
   * end is known only when the next entry begins. A file unchanged for this long is taken as
   * it stands, last entry included. Default 0: a one-shot index takes every file as it is; the
   * daemon waits a little and comes back (`IndexSummary.withheld`).
   */
  tailSettleMs?: number;
  /**
   * Files read again however their size and time look (`ragctl reindex <file>`): an edit that
   * kept both (`sed -i` then `touch -r`, `cp -p` of a same-size file) is otherwise never seen.
   * The bytes' hash still decides whether anything is re-chunked.
   */
  forced?: ReadonlySet<string>;
}

interface EngineState {
  engine: Engine;
  embedder: Embedder;
  table: ChunkTable;
  /** Recorded with each file: a file indexed under another model or chunking is redone. */
  signature: string;
  /**
   * The model's load, started with the first file to chunk so that it overlaps the reading and
   * chunking of the first group (onnxruntime loads on its own threads). Never rejects: a load
   * that failed fails the first embed, which loads again through the same memoised promise.
   */
  loading?: Promise<void>;
}

/** A file a walk found, to be considered once the walk is over. */
interface Found {
  entry: ScanEntry;
  source: SourceConfig;
  record: FileRecord | undefined;
}

interface Candidate {
  disk: DiskFile;
  source: SourceConfig;
  record: FileRecord | undefined;
}

/**
 * Keeps the index equal to the files on disk. The delta algorithm (see README.md here):
 * a `stat` decides whether a file may have changed; a content hash decides whether it did;
 * only chunks whose content hash is not stored anywhere are embedded; a file's chunks are
 * replaced in one commit together with the other files of its group; the file's record is
 * written only after that commit landed.
 */
export class Indexer {
  readonly #config: Config;
  readonly #store: LanceStore;
  readonly #log: Logger;
  readonly #engines = new Map<string, EngineState>();
  readonly #filters = new Map<string, PathFilter>();
  readonly #reuse: VectorReuse;
  /** Starts small so that the first results of a cold index come soon; see noteEmbedRate. */
  #groupChunks = MIN_GROUP_CHUNKS;
  #rebuilt: { engine: string; reason: string }[] = [];

  private constructor(options: IndexerOptions) {
    this.#config = options.config;
    this.#store = options.store;
    this.#log = options.logger.child({ component: 'indexer' });
    this.#reuse = new VectorReuse();
    const { sources, dataDir } = options.config;
    const filters = sourceFilters(sources, dataDir);
    sources.forEach((source, i) => {
      this.#filters.set(filterKey(source), filters[i]!);
    });
  }

  /** Opens (creating or rebuilding after a model change) the chunk table of every engine. */
  static async open(options: IndexerOptions): Promise<Indexer> {
    const indexer = new Indexer(options);
    for (const [name, engine] of options.engines) {
      const embedder = options.embedders.get(engine.embedder);
      if (!embedder)
        throw new RagError('E_CONFIG', `engines.${name}.embedder: no embedder '${engine.embedder}'`);
      const opened = await options.store.openChunkTable({
        engine: name,
        mapper: engine.mapper,
        modelId: embedder.modelId,
        dimension: embedder.dimension,
        onMismatch: 'rebuild',
      });
      if (opened.state === 'rebuilt') {
        indexer.#rebuilt.push({ engine: name, reason: opened.reason ?? 'model or schema changed' });
        indexer.#log.warn(
          { engine: name, reason: opened.reason },
          'index rebuilt: every file of this engine is indexed again',
        );
      }
      const chunkMax = engine.config.chunkMaxTokens ?? embedder.maxTokens;
      indexer.#engines.set(name, {
        engine,
        embedder,
        table: opened.table,
        signature: `${embedder.modelId}|${chunkerSignature(engine.chunker)}|${chunkMax}|${engine.config.chunkMinTokens}`,
      });
    }
    return indexer;
  }

  /** The source a file belongs to, if any: of its folder's sources (one per engine), the one that reads it. */
  sourceOf(path: string): SourceConfig | undefined {
    return this.#config.sources.find((s) => isInside(path, s.path) && this.filterFor(s).acceptsPath(path));
  }

  filterFor(source: SourceConfig): PathFilter {
    return this.#filters.get(filterKey(source))!;
  }

  table(engine: string): ChunkTable | undefined {
    return this.#engines.get(engine)?.table;
  }

  /**
   * Walks every source (or only those containing `within`), indexes what changed and removes
   * what is gone — including files of sources no longer in the config. What a crash or a
   * missed watcher event left behind is repaired here.
   */
  async reconcile(options: RunOptions & { within?: string } = {}): Promise<IndexSummary> {
    const run = new Run(this, options);
    const records = await this.#allRecords();
    run.scanning = true;
    const found: Found[] = [];
    const gone = await this.#walk(run, records, found, options.within, options.signal);
    await this.#apply(run, found, gone);
    if (options.within === undefined) await this.#deleteOrphans(run);
    return run.finish(this.#rebuilt.splice(0));
  }

  /**
   * Indexes what a walk found, and removes what it did not. The walk only stats, so it is over
   * before anything is embedded, and the files gone from disk leave with the first commits (see
   * `Run.removeWithNextCommit`): a file renamed or deleted while nobody watched never shows
   * under both names, nor lingers, while the rest of a long run embeds.
   */
  async #apply(run: Run, found: readonly Found[], gone: readonly FileRecord[]): Promise<void> {
    // An interrupted walk did not see every file: what it missed is not gone.
    run.throwIfAborted();
    const late = await run.removeWithNextCommit(gone);
    for (const f of found) await run.consider(f.entry, f.source, f.record);
    // Every file found has been looked at: what is left to index is known (status's ETA).
    run.scanning = false;
    await run.flushAll();
    run.throwIfAborted();
    await run.delete([...run.takeUncommittedRemovals(), ...late]);
  }

  /**
   * Rows of a path without an `indexed` record are orphans, and nothing else would ever remove
   * them: a deleted file is found through its record. They come from a hard stop between a
   * chunk commit and its record (the file then deleted while the daemon was down), or from a
   * store recovery that took a table back to a version still holding files deleted since (the
   * recovery drops the engine's records). After a full walk every file on disk has its record,
   * so a row count that differs from the records' chunk counts means orphans: only then is the
   * path column read.
   */
  async #deleteOrphans(run: Run): Promise<void> {
    for (const [engine, state] of this.#engines) {
      // Counts first (one column each): the records and the paths are read only on a mismatch.
      if ((await state.table.countRows()) === (await this.#store.files.indexedChunks(engine))) continue;
      const indexed = await this.#store.files.indexedPaths(engine);
      const orphans = [...(await state.table.paths())].filter((p) => !indexed.has(p));
      if (!orphans.length) continue;
      this.#log.warn(
        { engine, files: orphans.length, first: orphans[0] },
        'removing chunks of files the index holds no record of',
      );
      // replaceFiles deletes them in statements of PATHS_PER_STATEMENT paths.
      await state.table.replaceFiles(orphans, null);
      run.countDeleted(orphans.length);
    }
  }

  /**
   * Brings specific paths up to date (the daemon's unit of work): each is stat'ed and then
   * indexed, recorded as skipped, or removed. A folder path is reconciled as a whole. A path
   * that is gone is removed if it was an indexed file; a folder that is gone is not known as
   * one (its files are removed when named, as a watcher does, or by the next reconcile).
   */
  async syncPaths(paths: readonly string[], options: RunOptions = {}): Promise<IndexSummary> {
    const run = new Run(this, options);
    // A path named twice would be chunked twice into one commit: duplicate chunk ids and two
    // records for one path, which the store rightly refuses.
    const unique = [...new Set(paths)];
    const records = await this.#store.files.get(unique);
    const gone: FileRecord[] = [];
    const found: Found[] = [];
    let all: Map<string, FileRecord> | undefined;
    for (const path of unique) {
      const record = records.get(path);
      if (await isFolder(path)) {
        all ??= await this.#allRecords();
        appendAll(gone, await this.#walk(run, all, found, path, options.signal));
        continue;
      }
      const source = this.sourceOf(path);
      const entry = source ? await describe(path, undefined, this.#maxFileBytes(source, path)) : undefined;
      if (!source || !entry) {
        if (record) gone.push(record);
        continue;
      }
      run.noteSeen();
      found.push({ entry, source, record });
    }
    await this.#apply(run, found, gone);
    return run.finish(this.#rebuilt.splice(0));
  }

  async #allRecords(): Promise<Map<string, FileRecord>> {
    return new Map((await this.#store.files.all()).map((r) => [r.path, r]));
  }

  /**
   * Scans every source (or only what lies within `within`) into `found`; returns the records
   * in that scope whose files were not found.
   */
  async #walk(
    run: Run,
    records: ReadonlyMap<string, FileRecord>,
    found: Found[],
    within: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<FileRecord[]> {
    const inScope = (path: string) => !within || path === within || isInside(path, within);
    const seen = new Set<string>();
    const sources = this.#config.sources.filter(
      (s) => !within || s.path === within || isInside(within, s.path) || isInside(s.path, within),
    );
    // A source folder that is gone (an unmounted disk, a renamed folder) is not an empty one:
    // its files stay in the index until it returns or leaves the config.
    const missing: string[] = [];
    // Nor is a folder that cannot be listed (a log folder of group adm, read by a daemon started
    // before its user joined the group): its files stay until it can be read again.
    const unlisted: string[] = [];
    // A folder listed for several engines (one source each) is walked once, and each file it
    // holds goes to the source that reads it.
    for (const [root, group] of byFolder(sources, (s) => s.path)) {
      if (!(await rootExists(root))) {
        missing.push(root);
        this.#log.warn({ source: root }, 'source folder is missing; keeping its files in the index');
        run.noteMissing(root);
        continue;
      }
      const filters = group.map((s) => this.filterFor(s));
      // Ignore files are re-read on every walk: reconciling is what repairs missed events.
      for (const f of filters) f.forgetIgnoreFiles();
      // Inside the source: walk only that folder. (A `within` above the source walks it all.)
      const from = within && isInside(within, root) ? within : undefined;
      let files = 0;
      const folder = filters.length === 1 ? undefined : new FolderWalk(filters);
      // Each file's limit is its engine's, for its kind of file: applied once it is found.
      const otherRoots = [...new Set(this.#config.sources.map((s) => s.path))].filter((p) => p !== root);
      // Files no engine of the folder reads, by kind, for status (a whole walk of the folder only).
      const unread = from === undefined ? new Map<string, number>() : undefined;
      const onNotTaken = unread
        ? (path: string) => {
            if (!filters.every((f) => f.isUnread(path))) return;
            const kind = unreadKind(path);
            unread.set(kind, (unread.get(kind) ?? 0) + 1);
          }
        : undefined;
      for await (const scanned of scanSource(folder ?? filters[0]!, {
        signal,
        from,
        otherRoots,
        onNotTaken,
      })) {
        files++;
        if (!inScope(scanned.path)) continue;
        seen.add(scanned.path);
        run.noteSeen();
        if (scanned.kind === 'skipped' && scanned.unlisted) unlisted.push(scanned.path);
        const i = folder ? Math.max(0, folder.ownerOf(scanned.path)) : 0;
        const entry = withinLimit(scanned, this.#maxFileBytes(group[i]!, scanned.path));
        found.push({ entry, source: group[i]!, record: records.get(entry.path) });
      }
      if (unread && !signal?.aborted) run.noteUnread(root, unread);
      // A whole source with nothing to index is a config mistake more often than an empty
      // folder (a folder of code read by the default Markdown engine): say so, and the fix. A
      // folder read by several engines is named as its first engine's source.
      if (files === 0 && from === undefined && !signal?.aborted) {
        const unmatched = await lookAtSource(group[0]!, filters[0]!, this.#config);
        if (unmatched) {
          this.#log.info({ source: root, engine: group[0]!.engine, fix: unmatched.fix }, unmatched.message);
          run.noteUnmatched(unmatched);
        }
      }
    }
    return [...records.values()].filter(
      (r) =>
        !seen.has(r.path) &&
        inScope(r.path) &&
        !missing.some((root) => r.root === root) &&
        !unlisted.some((dir) => isInside(r.path, dir)),
    );
  }

  /**
   * `indexing.maxFileBytes`, times what the chunker allows a file of this kind (`sizeFactor`: a
   * PDF's bytes are mostly not its text). Appending engines stream their files in bounded
   * memory: no size limit applies to them.
   */
  #maxFileBytes(source: SourceConfig, path: string): number {
    const chunker = this.#engines.get(source.engine)?.engine.chunker;
    if (chunker && readsAppends(chunker)) return Number.POSITIVE_INFINITY;
    return this.#config.indexing.maxFileBytes * (chunker?.sizeFactor?.(path) ?? 1);
  }

  /** @internal used by Run */
  engineState(name: string): EngineState {
    const state = this.#engines.get(name);
    if (!state) throw new RagError('E_CONFIG', `no engine '${name}'`);
    return state;
  }

  /** @internal used by Run: chunks a group may hold before it is embedded and committed. */
  get groupChunks(): number {
    return this.#groupChunks;
  }

  /** @internal used by Run: sizes the next groups from how fast the last one embedded. */
  noteEmbedRate(chunks: number, seconds: number): void {
    // Groups mostly reused from the table say nothing about the embedder's speed.
    if (chunks < MIN_GROUP_CHUNKS / 2 || seconds <= 0) return;
    const fit = Math.round((chunks / seconds) * GROUP_TARGET_SECONDS);
    this.#groupChunks = Math.min(MAX_GROUP_CHUNKS, Math.max(MIN_GROUP_CHUNKS, fit));
  }

  /** @internal used by Run */
  get commitFiles(): number {
    return this.#config.indexing.commitFiles;
  }

  /** @internal used by Run */
  get store(): LanceStore {
    return this.#store;
  }

  /** @internal used by Run */
  get reuse(): VectorReuse {
    return this.#reuse;
  }

  /** @internal used by Run */
  get log(): Logger {
    return this.#log;
  }
}

/** The state of one reconcile or sync: pending groups per engine, counters, progress. */
class Run {
  readonly #indexer: Indexer;
  readonly #options: RunOptions;
  readonly #started = performance.now();
  readonly #summary = emptySummary();
  readonly #pending = new Map<string, Candidate[]>();
  /**
   * The last group's chunk commit and then its records, landing while the next group is read,
   * chunked and embedded (see #commit). One at a time, so commits land in group order, and
   * every other write of the run waits for it (#landed). Resolves to the error it met, if any:
   * it is awaited later, and a bare rejection would count as unhandled meanwhile.
   */
  #landing: Promise<{ error: unknown } | undefined> | undefined;
  /**
   * Records of files gone from disk, by engine, whose rows the engine's next chunk commit
   * deletes in the same transaction as it adds its files (`removeWithNextCommit`).
   */
  readonly #leaving = new Map<string, FileRecord[]>();
  #filesToIndex = 0;
  #filesIndexed = 0;
  /** A walk's scan is under way (`IndexProgress.scanning`). */
  scanning = false;

  constructor(indexer: Indexer, options: RunOptions) {
    this.#indexer = indexer;
    this.#options = options;
  }

  /** A walk found one more file (`IndexProgress.filesSeen`), said every few hundred. */
  noteSeen(): void {
    const s = this.#summary;
    s.filesSeen++;
    if (s.filesSeen % SCAN_PROGRESS_EVERY === 0) this.#progress('scanning');
  }

  async consider(entry: ScanEntry, source: SourceConfig, known: FileRecord | undefined): Promise<void> {
    let record = known;
    if (record && record.engine !== source.engine) {
      // Its source now feeds another engine. Leave the old engine's table first: a stop right
      // after this keeps the old record, which brings the file back here next run.
      await this.#landed();
      const table = this.#indexer.table(record.engine);
      // An engine no source names any more has no table open: its rows go all the same.
      if (table) await table.replaceFiles([record.path], null);
      else await this.#indexer.store.deleteFromUnopened(record.engine, [record.path]);
      record = undefined;
    }
    const state = this.#indexer.engineState(source.engine);
    if (entry.kind === 'skipped') {
      if (this.#stillSkipped(record, entry.reason, entry.size ?? -1, entry.mtimeMs ?? -1)) return;
      await this.#recordSkipped(
        state,
        source,
        entry.path,
        entry.reason,
        record,
        entry.size ?? -1,
        entry.mtimeMs ?? -1,
        '',
      );
      return;
    }
    const fresh =
      record &&
      !this.#options.forced?.has(entry.path) &&
      record.size === entry.size &&
      record.mtimeMs === entry.mtimeMs &&
      record.modelId === state.signature &&
      !(record.status === 'skipped' && (skippedForSize(record.reason) || skippedForAccess(record.reason))) &&
      !this.#tailDue(record, entry.mtimeMs);
    if (fresh) {
      const s = this.#summary;
      s.filesUnchanged++;
      if (record?.status === 'skipped') s.filesStillSkipped++;
      // Still holding back its last entry and not settled yet: listed again, so the daemon
      // comes back for it; else that entry would wait for the next periodic reconcile.
      if (record?.append?.withheld) s.withheld.push(entry.path);
      return;
    }
    let group = this.#pending.get(source.engine);
    if (!group) {
      group = [];
      this.#pending.set(source.engine, group);
    }
    group.push({ disk: entry, source, record });
    this.#filesToIndex++;
    if (group.length >= this.#indexer.commitFiles) await this.#flush(source.engine);
  }

  /**
   * Whether the file is recorded as skipped for this very reason at this size and time: then
   * it is counted as still skipped, and its record is not written again.
   */
  #stillSkipped(record: FileRecord | undefined, reason: string, size: number, mtimeMs: number): boolean {
    const same =
      record?.status === 'skipped' &&
      record.reason === reason &&
      record.size === size &&
      record.mtimeMs === mtimeMs;
    if (same) {
      this.#summary.filesUnchanged++;
      this.#summary.filesStillSkipped++;
    }
    return same;
  }

  /** An appended file whose held-back last entry may be read now: it stopped changing. */
  #tailDue(record: FileRecord, mtimeMs: number): boolean {
    return record.append?.withheld === true && this.#settled(mtimeMs);
  }

  #settled(mtimeMs: number): boolean {
    return Date.now() - mtimeMs >= (this.#options.tailSettleMs ?? 0);
  }

  throwIfAborted(): void {
    const signal = this.#options.signal;
    if (signal?.aborted) {
      throw new RagError('E_ABORTED', 'indexing was interrupted; run it again to finish', {
        cause: signal.reason,
      });
    }
  }

  async flushAll(): Promise<void> {
    for (const engine of [...this.#pending.keys()]) await this.#flush(engine);
    await this.#landed();
  }

  /** Waits until the group commit in flight (if any) and its records have landed; throws its error. */
  async #landed(): Promise<void> {
    const landing = this.#landing;
    if (!landing) return;
    this.#landing = undefined;
    const outcome = await this.#timed('writeWait', () => landing);
    if (outcome) throw outcome.error;
  }

  /**
   * Removes files (and their records) that are gone from disk or from the sources, in slices
   * of FILES_PER_DELETE: each slice's rows go first, then its records, so a stop between the
   * two leaves records of files without rows — found gone again next run — never rows
   * without a record. Nothing here grows with the number of files but the list of paths.
   */
  async delete(records: readonly FileRecord[]): Promise<void> {
    if (!records.length) return;
    await this.#landed();
    this.#progress('deleting');
    const byEngine = new Map<string, string[]>();
    for (const r of records) {
      const list = byEngine.get(r.engine) ?? [];
      list.push(r.path);
      byEngine.set(r.engine, list);
    }
    const store = this.#indexer.store;
    for (const [engine, paths] of byEngine) {
      const table = this.#indexer.table(engine);
      // Capped: a mass delete remembers the vectors of its first files only (vector-reuse.ts).
      if (table) await this.#indexer.reuse.rememberDeleted(table, paths);
      for (let start = 0; start < paths.length; start += FILES_PER_DELETE) {
        const slice = paths.slice(start, start + FILES_PER_DELETE);
        // A record of an engine no source names any more: its table is not open.
        if (table) await table.replaceFiles(slice, null);
        else await store.deleteFromUnopened(engine, slice);
        await store.files.delete(slice);
        this.#summary.filesDeleted += slice.length;
      }
    }
  }

  /**
   * Files gone from disk leave the index with their engine's next chunk commit, in the same
   * transaction: a file renamed while nobody watched is searchable under its old name until its
   * new name is, and never under both; a deleted one goes as soon as anything lands. Their
   * vectors are kept for reuse first (a rename in a later group embeds nothing), so only as many
   * files go this way as the recently-deleted cache holds the chunks of; the rest, and those of
   * an engine with no commit coming, are returned to be deleted after the adds, as the table
   * still serves their vectors until then.
   */
  async removeWithNextCommit(gone: readonly FileRecord[]): Promise<FileRecord[]> {
    const late: FileRecord[] = [];
    let chunks = 0;
    for (const r of gone) {
      const state = this.#indexer.table(r.engine) ? this.#indexer.engineState(r.engine) : undefined;
      chunks += r.chunkCount;
      if (!state || readsAppends(state.engine.chunker) || chunks > MAX_REMEMBERED) {
        late.push(r);
        continue;
      }
      const list = this.#leaving.get(r.engine) ?? [];
      list.push(r);
      this.#leaving.set(r.engine, list);
    }
    for (const [engine, records] of this.#leaving) {
      await this.#indexer.reuse.rememberDeleted(
        this.#indexer.table(engine)!,
        records.map((r) => r.path),
      );
    }
    return late;
  }

  /** The files `removeWithNextCommit` took that no commit removed (their engine had nothing to add). */
  takeUncommittedRemovals(): FileRecord[] {
    const left = [...this.#leaving.values()].flat();
    this.#leaving.clear();
    return left;
  }

  noteUnmatched(source: UnmatchedSource): void {
    this.#summary.unmatched.push(source);
  }

  /** A source folder walked whole, and its files that no engine of it reads, by kind. */
  noteUnread(root: string, kinds: ReadonlyMap<string, number>): void {
    let files = 0;
    for (const n of kinds.values()) files += n;
    this.#summary.unread.push({
      source: root,
      files,
      kinds: [...kinds].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
    });
  }

  /** A source folder that is not there: said with the run's failures, its files kept. */
  noteMissing(root: string): void {
    this.#noteFailure(root, `${MISSING_SOURCE_NOTE}, or \`ragctl remove ${root}\` drops them`);
  }

  /** Files removed without a record (see `Indexer.#deleteOrphans`). */
  countDeleted(files: number): void {
    this.#summary.filesDeleted += files;
  }

  finish(rebuilt: { engine: string; reason: string }[]): IndexSummary {
    this.#summary.seconds = (performance.now() - this.#started) / 1000;
    this.#summary.rebuilt = rebuilt;
    return this.#summary;
  }

  async #flush(engineName: string): Promise<void> {
    try {
      await this.#flushGroups(engineName);
    } catch (err) {
      // An abort or an embedder error: what was committed must still land and be recorded.
      const landing = this.#landing;
      this.#landing = undefined;
      const outcome = await landing;
      if (outcome) this.#indexer.log.error({ err: errorMessage(outcome.error) }, 'a group commit failed too');
      throw err;
    }
  }

  async #flushGroups(engineName: string): Promise<void> {
    const candidates = this.#pending.get(engineName);
    this.#pending.delete(engineName);
    if (!candidates?.length) return;
    const state = this.#indexer.engineState(engineName);
    if (readsAppends(state.engine.chunker)) {
      await this.#landed();
      for (const c of candidates) {
        this.throwIfAborted();
        await this.#indexAppending(state, state.engine.chunker, c);
      }
      return;
    }
    const s = this.#summary;
    const mapped: MappedFile[] = [];
    const records: FileRecord[] = [];
    const replacedPaths: string[] = [];
    const touched: FileRecord[] = [];
    let chunkCount = 0;

    for (const c of candidates) {
      // Files read but not yet committed are dropped: unrecorded, they are redone next run.
      this.throwIfAborted();
      const read = await this.#timed('read', () =>
        readForIndex(c.disk.path, { bytes: state.engine.chunker.readsBytes?.(c.disk.path) ?? false }),
      );
      if (!read.ok) {
        if (read.vanished) {
          if (c.record) await this.delete([c.record]);
          continue;
        }
        // Tried again (`skippedForAccess`) and as unreadable as before: nothing to record anew.
        if (this.#stillSkipped(c.record, read.reason, c.disk.size, c.disk.mtimeMs)) continue;
        await this.#recordSkipped(
          state,
          c.source,
          c.disk.path,
          read.reason,
          c.record,
          c.disk.size,
          c.disk.mtimeMs,
          read.fileHash ?? '',
        );
        continue;
      }
      const facts = this.#facts(state, c, read.fileHash);
      if (
        c.record?.status === 'indexed' &&
        c.record.fileHash === read.fileHash &&
        c.record.modelId === state.signature &&
        c.record.mtimeMs === c.disk.mtimeMs
      ) {
        // Same bytes, same time: refresh the record only. A new time (touch, `cp -p`, a restore)
        // goes on: `--after`/`--before` read the rows' time, so they are written again, with
        // their vectors reused by content hash.
        touched.push({ ...c.record, size: c.disk.size, mtimeMs: c.disk.mtimeMs });
        s.filesUnchanged++;
        continue;
      }
      state.loading ??= this.#preload(state.embedder);
      let chunks: Chunk[];
      try {
        chunks = await this.#timed('chunk', () =>
          state.engine.chunker.chunk(
            {
              path: c.disk.path,
              relativePath: relativePath(c.source.path, c.disk.path),
              text: read.text,
              ...(read.bytes ? { bytes: read.bytes } : {}),
            },
            {
              maxTokens: state.engine.config.chunkMaxTokens ?? state.embedder.maxTokens,
              minTokens: state.engine.config.chunkMinTokens,
              tokenizer: state.embedder.tokenizer,
            },
          ),
        );
      } catch (err) {
        await this.#recordSkipped(
          state,
          c.source,
          c.disk.path,
          err instanceof RagError && err.code === 'E_SKIPPED'
            ? err.message
            : `chunker failed: ${errorMessage(err)}`,
          c.record,
          c.disk.size,
          c.disk.mtimeMs,
          read.fileHash,
        );
        continue;
      }
      mapped.push({ file: facts, chunks });
      replacedPaths.push(c.disk.path);
      records.push(this.#record(state, c, read.fileHash, chunks.length));
      if (c.record) s.filesChanged++;
      else s.filesAdded++;
      chunkCount += chunks.length;
      if (chunkCount >= this.#indexer.groupChunks) {
        await this.#commit(state, mapped.splice(0), replacedPaths.splice(0), records.splice(0));
        chunkCount = 0;
      }
    }
    await this.#commit(state, mapped, replacedPaths, records);
    if (touched.length) {
      await this.#landed();
      await this.#indexer.store.files.upsert(touched);
    }
  }

  /**
   * Embeds what is new, then starts the group's landing: its chunks in one commit, then its
   * files' records. The landing runs while the next group is read, chunked and embedded —
   * LanceDB writes on its own threads — and the next commit waits for it first.
   */
  async #commit(
    state: EngineState,
    mapped: MappedFile[],
    paths: string[],
    records: FileRecord[],
  ): Promise<void> {
    if (!paths.length) return;
    const batch = await this.#embed(state, mapped);
    await this.#landed();
    // Stopped while this group embedded: it is dropped unrecorded, like files read but not
    // committed, so the run stops after the commit that was landing.
    this.throwIfAborted();
    const leaving = this.#leaving.get(state.engine.name) ?? [];
    this.#leaving.delete(state.engine.name);
    this.#landing = this.#land(state, paths, batch, records, leaving).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
  }

  /**
   * Records after chunks: a file is recorded only once its rows are committed. The rows of
   * `leaving` (files gone from disk) are deleted by the same commit, their records after it: a
   * stop in between leaves records without rows, found gone again next run.
   */
  async #land(
    state: EngineState,
    paths: string[],
    batch: RecordBatch | null,
    records: FileRecord[],
    leaving: readonly FileRecord[],
  ): Promise<void> {
    const gone = leaving.map((r) => r.path);
    await this.#timed('write', () => state.table.replaceFiles([...paths, ...gone], batch));
    await this.#timed('records', () => this.#indexer.store.files.upsert(records));
    this.#filesIndexed += paths.length;
    if (gone.length) {
      await this.#indexer.store.files.delete(gone);
      this.#summary.filesDeleted += gone.length;
    }
    this.#progress('indexing');
  }

  /**
   * Indexes a file of an appending engine (see `AppendingChunker`): only its new bytes when it
   * grew, else all of it, streamed. Chunks are committed a group at a time, each followed by the
   * record of where the reading stands, so memory stays bounded and a stop resumes from the
   * last commit.
   */
  async #indexAppending(state: EngineState, chunker: AppendingChunker, scanned: Candidate): Promise<void> {
    const s = this.#summary;
    const path = scanned.disk.path;
    let c = scanned;
    let settled = false;
    let plan: AppendPlan;
    let head: FileHead;
    try {
      // The scan's stat may be seconds old (a queue, a busy machine) and the log replaced since:
      // logrotate renames x.log.1 away and copies the new one in under that name. An old mtime
      // would take the copy, still being written, as settled and its cut last line as whole.
      const now = await stat(path);
      c = { ...scanned, disk: { ...scanned.disk, size: now.size, mtimeMs: now.mtimeMs } };
      settled = this.#settled(c.disk.mtimeMs);
      plan = await planAppend(path, c.record, c.disk.size, state.signature, settled);
      head =
        plan.kind === 'fresh'
          ? await readHead(path, c.disk.size)
          : { bytes: plan.state.headBytes, hash: plan.state.headHash, binary: false, gzip: false };
    } catch (err) {
      await this.#appendReadFailed(state, c, err, false);
      return;
    }
    if (plan.kind === 'same') {
      await this.#indexer.store.files.upsert([{ ...c.record!, size: c.disk.size, mtimeMs: c.disk.mtimeMs }]);
      s.filesUnchanged++;
      if (plan.state.withheld) s.withheld.push(path);
      return;
    }
    if (head.binary) {
      await this.#recordSkipped(
        state,
        c.source,
        path,
        'binary file',
        c.record,
        c.disk.size,
        c.disk.mtimeMs,
        '',
      );
      return;
    }
    const fresh = plan.kind === 'fresh';
    if (plan.kind === 'fresh' && c.record) {
      this.#indexer.log.info({ path, reason: plan.reason }, 'reading the file from its start');
      // Its rows are replaced by the first commit below: keep their vectors for reuse.
      if (c.record.status === 'indexed') await this.#indexer.reuse.rememberDeleted(state.table, [path]);
    }
    const from = plan.kind === 'fresh' ? 0 : plan.state.offset;
    const pieces = chunker
      .chunkAppend(
        {
          path,
          relativePath: relativePath(c.source.path, path),
          fromOffset: from,
          previous: plan.kind === 'fresh' ? null : plan.state.resume,
          bytes: streamBytes(path, from, c.disk.size, head.gzip),
          // A compressed log is a finished one: its last entry is whole.
          final: settled || head.gzip,
        },
        {
          maxTokens: state.engine.config.chunkMaxTokens ?? state.embedder.maxTokens,
          minTokens: state.engine.config.chunkMinTokens,
          tokenizer: state.embedder.tokenizer,
        },
      )
      [Symbol.asyncIterator]();
    // Fresh: the first commit replaces the file's old rows; every later one adds.
    let replaced = !fresh;
    let chunkCount = fresh ? 0 : (c.record?.chunkCount ?? 0);
    const group: Chunk[] = [];
    const commit = async (read: AppendCheckpoint, done: boolean) => {
      // A gzip file's offsets are in what it decompresses to: nothing to append at, or to check.
      const checkpoint = head.gzip ? { ...read, appendable: false, lastEntry: null } : read;
      const facts = this.#facts(state, c, '');
      const batch = group.length ? await this.#embed(state, [{ file: facts, chunks: group }]) : null;
      const append = await appendStateAt(path, checkpoint, head, done ? c.disk.size : checkpoint.offset);
      facts.fileHash = shortHash(`${append.headHash}|${append.lastHash}|${append.offset}`);
      if (!replaced) await state.table.replaceFiles([path], batch);
      else if (batch) await state.table.appendRows(path, batch);
      replaced = true;
      chunkCount += group.length;
      group.length = 0;
      // Until the read is done the record's size is where it stands, so the stat check of a
      // later run sees a file still to read.
      const record = this.#record(state, c, facts.fileHash, chunkCount);
      if (!done) record.size = checkpoint.offset;
      await this.#indexer.store.files.upsert([{ ...record, append }]);
      this.#progress('indexing');
      if (done && append.withheld) s.withheld.push(path);
      if (done) this.#noteOmitted(path, checkpoint.omitted);
    };
    let checkpoint: AppendCheckpoint | undefined;
    try {
      for (;;) {
        let next: IteratorResult<AppendPiece>;
        try {
          next = await pieces.next();
        } catch (err) {
          await this.#appendReadFailed(state, c, err, replaced);
          return;
        }
        if (next.done) break;
        // A long file stops at its next piece: what was committed is recorded and resumes.
        this.throwIfAborted();
        group.push(...next.value.chunks);
        checkpoint = next.value.checkpoint;
        if (group.length >= this.#indexer.groupChunks) await commit(checkpoint, false);
      }
    } finally {
      await pieces.return?.();
    }
    if (!checkpoint)
      throw new RagError('E_INTERNAL', `${path}: the ${chunker.name} chunker ended without a checkpoint`);
    // The last piece's checkpoint covers the whole read.
    await commit(checkpoint, true);
    if (c.record) s.filesChanged++;
    else s.filesAdded++;
    this.#filesIndexed++;
  }

  /** Embeds what is new among the chunks and builds their batch (null when there are none). */
  async #embed(state: EngineState, mapped: MappedFile[]): Promise<RecordBatch | null> {
    const dim = state.embedder.dimension;
    const hashes = new Set<string>();
    for (const m of mapped) for (const chunk of m.chunks) hashes.add(chunk.contentHash);
    const known = await this.#timed('lookup', () => this.#indexer.reuse.lookup(state.table, [...hashes]));
    const missing = new Map<string, string>();
    for (const m of mapped)
      for (const chunk of m.chunks)
        if (!known.has(chunk.contentHash)) missing.set(chunk.contentHash, chunk.embedText ?? chunk.text);
    if (missing.size) {
      if (state.loading) await this.#timed('load', () => state.loading);
      await this.#embedMissing(state, mapped, known, missing);
    }
    let total = 0;
    for (const m of mapped) total += m.chunks.length;
    const flat = new Float32Array(total * dim);
    let row = 0;
    for (const m of mapped) {
      for (const chunk of m.chunks) {
        flat.set(known.get(chunk.contentHash)!, row * dim);
        row++;
      }
    }
    this.#summary.chunksReused += total - missing.size;
    if (!total) return null;
    const t0 = performance.now();
    const batch = state.engine.mapper.toRecordBatch(mapped, flat, dim);
    this.#summary.stageSeconds.arrow += (performance.now() - t0) / 1000;
    return batch;
  }

  /**
   * Embeds the texts of `missing` (by chunk hash) into `known` in one call, reporting progress
   * as its batches land: a big file's group takes minutes on a CPU, and `filesIndexed` moves
   * only when its commit lands.
   */
  async #embedMissing(
    state: EngineState,
    mapped: MappedFile[],
    known: Map<string, Float32Array>,
    missing: Map<string, string>,
  ): Promise<void> {
    const dim = state.embedder.dimension;
    const embedding: EmbeddingProgress = {
      path: largestFile(mapped, missing),
      files: mapped.length,
      chunks: missing.size,
      chunksDone: 0,
      reused: known.size,
    };
    this.#progress('embedding', embedding);
    const t0 = performance.now();
    // Longest first, so that each slice's texts are of a length and pad alike in the model.
    const texts = [...missing].sort((a, b) => b[1].length - a[1].length);
    // A small first slice: the model's pace on these texts is not known yet, and a stop in it
    // (a save let go first) loses it whole.
    let slice = FIRST_EMBED_SLICE;
    for (let done = 0; done < texts.length; ) {
      this.throwIfAborted();
      const before = done;
      const part = texts.slice(before, before + slice);
      const sliceStarted = performance.now();
      const vectors = await state.embedder.embed(
        part.map(([, text]) => text),
        {
          signal: this.#options.signal,
          priority: 'index',
          onProgress: (n) => {
            embedding.chunksDone = before + n;
            this.#progress('embedding', embedding);
          },
        },
      );
      part.forEach(([hash], i) => {
        const vector = vectors.subarray(i * dim, (i + 1) * dim);
        known.set(hash, vector);
        // A stop before this group commits keeps what it embedded for the next run.
        this.#indexer.reuse.carry(state.table, hash, vector);
      });
      slice = nextSlice(part.length, (performance.now() - sliceStarted) / 1000);
      done += part.length;
    }
    const seconds = (performance.now() - t0) / 1000;
    this.#summary.embedSeconds += seconds;
    this.#indexer.noteEmbedRate(missing.size, seconds);
    for (const hash of missing.keys()) {
      // A copy: the cache must not pin a whole slice's buffer.
      this.#indexer.reuse.noteEmbedded(state.table, hash, Float32Array.from(known.get(hash)!));
    }
    this.#summary.chunksEmbedded += missing.size;
  }

  /**
   * Starts loading the model of an embedder that has one (the one-shot CLI's in-process
   * embedder; the daemon's worker loads in its own process). When nothing turns out to need
   * embedding the load was for nothing: a model load, in the background.
   */
  #preload(embedder: Embedder): Promise<void> {
    if (!embedder.load) return Promise.resolve();
    return embedder.load().then(
      () => undefined,
      (err: unknown) => {
        // The embedder memoises the failed load: the first embed fails with it, as it would have.
        this.#indexer.log.debug({ err: errorMessage(err) }, 'the model did not load ahead of embedding');
      },
    );
  }

  /** Runs one stage of the work and adds its time to the summary's `stageSeconds`. */
  async #timed<T>(stage: keyof StageSeconds, work: () => T | Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      this.#summary.stageSeconds[stage] += (performance.now() - t0) / 1000;
    }
  }

  /** A file of an appending engine could not be read (or its chunker failed) part-way. */
  async #appendReadFailed(state: EngineState, c: Candidate, err: unknown, hadRows: boolean): Promise<void> {
    const code = errnoCode(err);
    if (code === 'ENOENT') {
      if (c.record || hadRows) await this.delete([c.record ?? this.#record(state, c, '', 0)]);
      return;
    }
    if (hadRows) await state.table.replaceFiles([c.disk.path], null);
    const reason =
      err instanceof RagError
        ? err.code === 'E_SKIPPED'
          ? err.message
          : `chunker failed: ${errorMessage(err)}`
        : code
          ? unreadable('cannot read', c.disk.path, err, false)
          : `chunker failed: ${errorMessage(err)}`;
    await this.#recordSkipped(
      state,
      c.source,
      c.disk.path,
      reason,
      c.record,
      c.disk.size,
      c.disk.mtimeMs,
      '',
    );
  }

  async #recordSkipped(
    state: EngineState,
    source: SourceConfig,
    path: string,
    reason: string,
    previous: FileRecord | undefined,
    size: number,
    mtimeMs: number,
    fileHash: string,
  ): Promise<void> {
    await this.#landed();
    this.#summary.filesSkipped++;
    this.#noteFailure(path, reason);
    if (previous?.status === 'indexed') await state.table.replaceFiles([path], null);
    await this.#indexer.store.files.upsert([
      {
        path,
        root: source.path,
        engine: source.engine,
        size,
        mtimeMs,
        fileHash,
        chunkCount: 0,
        status: 'skipped',
        reason,
        indexedAt: Date.now(),
        modelId: state.signature,
      },
    ]);
    this.#indexer.log.info({ path, reason }, 'skipped');
  }

  #noteFailure(path: string, reason: string): void {
    const list = this.#summary.failures;
    list.unshift({ path, reason });
    if (list.length > MAX_LISTED_FAILURES) list.pop();
  }

  /** What a chunker left out of a file on purpose is said, never lost silently. */
  #noteOmitted(path: string, omitted: AppendCheckpoint['omitted']): void {
    const counts = Object.fromEntries(Object.entries(omitted ?? {}).filter(([, n]) => n > 0));
    if (!Object.keys(counts).length) return;
    const list = this.#summary.omitted;
    list.unshift({ path, counts });
    if (list.length > MAX_LISTED_FAILURES) list.pop();
  }

  #facts(state: EngineState, c: Candidate, fileHash: string): FileFacts {
    return {
      path: c.disk.path,
      root: c.source.path,
      engine: c.source.engine,
      fileHash,
      size: c.disk.size,
      mtimeMs: c.disk.mtimeMs,
      indexedAt: Date.now(),
      modelId: state.embedder.modelId,
    };
  }

  #record(state: EngineState, c: Candidate, fileHash: string, chunkCount: number): FileRecord {
    return {
      path: c.disk.path,
      root: c.source.path,
      engine: c.source.engine,
      size: c.disk.size,
      mtimeMs: c.disk.mtimeMs,
      fileHash,
      chunkCount,
      status: 'indexed',
      reason: '',
      indexedAt: Date.now(),
      modelId: state.signature,
    };
  }

  #progress(phase: IndexProgress['phase'], embedding?: EmbeddingProgress): void {
    const s = this.#summary;
    this.#options.onProgress?.({
      phase,
      ...(embedding ? { embedding: { ...embedding } } : {}),
      filesSeen: s.filesSeen,
      filesToIndex: this.#filesToIndex,
      scanning: this.scanning,
      filesIndexed: this.#filesIndexed,
      chunksEmbedded: s.chunksEmbedded,
      chunksReused: s.chunksReused,
    });
  }
}

/** A file's kind as `status` counts files not read: its extension, lower-case, or none. */
function unreadKind(path: string): string {
  return extname(path).toLowerCase() || 'no extension';
}

/** The file of a group with the most chunks to embed: the one a progress line names. */
function largestFile(mapped: MappedFile[], missing: ReadonlyMap<string, string>): string {
  let best = { path: mapped[0]?.file.path ?? '', count: -1 };
  for (const m of mapped) {
    let count = 0;
    for (const chunk of m.chunks) if (missing.has(chunk.contentHash)) count++;
    if (count > best.count) best = { path: m.file.path, count };
  }
  return best.path;
}

/** A source root may be a symlink to the real folder: follow it (unlike isFolder). */
async function rootExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw err;
  }
}

/** Whether a path is a folder now (a symlink to one is not: the walk never follows those). */
async function isFolder(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw err;
  }
}

/** `code@2`: a chunker's name and, when it declares one, the version of what it produces. */
function chunkerSignature(chunker: { name: string; version?: string }): string {
  return chunker.version === undefined ? chunker.name : `${chunker.name}@${chunker.version}`;
}

/** Sources are one per folder and engine (config/load.ts refuses a folder listed twice for one engine). */
function filterKey(source: SourceConfig): string {
  return `${source.engine}\0${source.path}`;
}
