import type { UnmatchedSource } from './source-check.js';

/** What one index run (or one batch of daemon work) did. Counts are files unless named chunks. */
export interface IndexSummary {
  /** Files found on disk in the sources (or among the paths asked for). */
  filesSeen: number;
  /** Seen and unchanged: cost one `stat` (or a hash, when only the mtime moved). */
  filesUnchanged: number;
  /** New files indexed. */
  filesAdded: number;
  /** Known files whose content changed and were indexed again. */
  filesChanged: number;
  /** Files gone from disk (or from the sources) whose chunks were removed. */
  filesDeleted: number;
  /** Files that cannot be indexed (binary, too large, unreadable), with reasons in `failures`. */
  filesSkipped: number;
  /**
   * Of `filesUnchanged`, those skipped by an earlier run and not read again: still out of the
   * index, for the reason `ragctl status` lists (not repeated in `failures`).
   */
  filesStillSkipped: number;
  chunksEmbedded: number;
  /** Chunks whose vectors were reused by content hash (unchanged, moved, renamed). */
  chunksReused: number;
  seconds: number;
  /** Of `seconds`, the time spent inside the embedder. */
  embedSeconds: number;
  /**
   * Of `seconds`, the time of each other stage (what is left is the walk, stats and hashing):
   * where a run's time goes besides the embedder, so its overhead can be measured
   * (bench/ingest/overhead.mjs). `loadSeconds` is the wait for the embedder's model at the
   * first embed, after loading it alongside the walk and the first files' chunking.
   */
  stageSeconds: StageSeconds;
  /** Tables dropped and rebuilt because the model or schema changed, with the reason. */
  rebuilt: { engine: string; reason: string }[];
  /** Paths that were skipped or failed in this run, with why (most recent first, bounded). */
  failures: { path: string; reason: string }[];
  /**
   * Files (of appending engines) whose last entry was held back because they were still
   * changing (`RunOptions.tailSettleMs`): sync them again once they have settled.
   */
  withheld: string[];
  /**
   * Files read in this run whose chunker left entries out on purpose (a query log's server
   * messages), each with the file's counts by why (`AppendCheckpoint.omitted`, from the file's
   * start); bounded like `failures`.
   */
  omitted: { path: string; counts: Record<string, number> }[];
  /**
   * Sources walked whole that hold nothing their engine reads: its include globs match none of
   * their files, or their folder is empty. Each names the globs, the files skipped and the fix.
   */
  unmatched: UnmatchedSource[];
  /**
   * Each source folder walked whole, with its files that no engine of it reads (no include glob
   * names them), by kind (`.gz`, `no extension`), most first.
   */
  unread: UnreadFiles[];
}

export interface UnreadFiles {
  source: string;
  files: number;
  kinds: [kind: string, files: number][];
}

export interface StageSeconds {
  /** Reading files and hashing their bytes. */
  read: number;
  /** The engine's chunker (token counting included). */
  chunk: number;
  /** Looking up existing vectors by chunk hash. */
  lookup: number;
  /** Waiting for the embedder's model to load. */
  load: number;
  /** Building the Arrow batch of a group. */
  arrow: number;
  /** The chunk table's commit of a group (it runs while the next group embeds). */
  write: number;
  /** Writing the files' records after their commit (the same). */
  records: number;
  /** Waiting for a group's commit and records to land before the next write. */
  writeWait: number;
}

export interface IndexProgress {
  /**
   * `indexing`: a group was committed (`filesIndexed` moved). `embedding`: a slice of a group's
   * new chunks was embedded (`embedding` says how far); nothing was written yet.
   */
  phase: 'scanning' | 'indexing' | 'embedding' | 'deleting' | 'optimizing';
  filesSeen: number;
  /** Files known to need work so far (grows while scanning). */
  filesToIndex: number;
  /**
   * A walk still finding files: `filesToIndex` will grow. Its groups are indexed as they are
   * found, so in a first index this is true until near the end.
   */
  scanning: boolean;
  filesIndexed: number;
  chunksEmbedded: number;
  chunksReused: number;
  /** In the `embedding` phase (absent otherwise): how far the group has come. */
  embedding?: EmbeddingProgress;
}

/**
 * A group of files being embedded, slice by slice. A big file's chunks take many embedding
 * batches (minutes on a CPU) and `filesIndexed` moves only once its commit lands: without this
 * a run looks hung inside it.
 */
export interface EmbeddingProgress {
  /** The group's file with the most new chunks (a big file is most of its group). */
  path: string;
  /** Files in the group. */
  files: number;
  /** New chunks of the group to embed (chunks found by hash are not counted). */
  chunks: number;
  chunksDone: number;
  /**
   * The group's chunks found by hash, not embedded again: an unchanged part of an edited file, or
   * what an earlier try embedded before it stopped (a save let go first), so that a resumed
   * group's smaller count does not read as a restart.
   */
  reused: number;
}

export function emptySummary(): IndexSummary {
  return {
    filesSeen: 0,
    filesUnchanged: 0,
    filesAdded: 0,
    filesChanged: 0,
    filesDeleted: 0,
    filesSkipped: 0,
    filesStillSkipped: 0,
    chunksEmbedded: 0,
    chunksReused: 0,
    seconds: 0,
    embedSeconds: 0,
    stageSeconds: { read: 0, chunk: 0, lookup: 0, load: 0, arrow: 0, write: 0, records: 0, writeWait: 0 },
    rebuilt: [],
    failures: [],
    withheld: [],
    omitted: [],
    unmatched: [],
    unread: [],
  };
}
