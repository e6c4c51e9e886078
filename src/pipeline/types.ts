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
  chunksEmbedded: number;
  /** Chunks whose vectors were reused by content hash (unchanged, moved, renamed). */
  chunksReused: number;
  seconds: number;
  /** Of `seconds`, the time spent inside the embedder. */
  embedSeconds: number;
  /** Tables dropped and rebuilt because the model or schema changed, with the reason. */
  rebuilt: { engine: string; reason: string }[];
  /** Paths that were skipped or failed in this run, with why (most recent first, bounded). */
  failures: { path: string; reason: string }[];
  /**
   * Files (of appending engines) whose last entry was held back because they were still
   * changing (`RunOptions.tailSettleMs`): sync them again once they have settled.
   */
  withheld: string[];
}

export interface IndexProgress {
  phase: 'scanning' | 'indexing' | 'deleting' | 'optimizing';
  filesSeen: number;
  /** Files known to need work so far (grows while scanning). */
  filesToIndex: number;
  filesIndexed: number;
  chunksEmbedded: number;
  chunksReused: number;
}

export function emptySummary(): IndexSummary {
  return {
    filesSeen: 0,
    filesUnchanged: 0,
    filesAdded: 0,
    filesChanged: 0,
    filesDeleted: 0,
    filesSkipped: 0,
    chunksEmbedded: 0,
    chunksReused: 0,
    seconds: 0,
    embedSeconds: 0,
    rebuilt: [],
    failures: [],
    withheld: [],
  };
}
