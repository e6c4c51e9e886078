/** A condition that makes the daemon report `degraded`, with what the user can do. */
export interface Trouble {
  reason: string;
  fix: string;
  sinceMs: number;
}

/** The folder walk (reconcile) in progress, for `status`: a walk is one queue entry of many files. */
export interface WalkProgress {
  startedMs: number;
  /** Files found so far that need indexing (grows while the walk scans). */
  filesToIndex: number;
  filesIndexed: number;
  /** Still finding files: how many are left is not known yet. */
  scanning: boolean;
}

/** How a stop went: the parts that could not be closed (empty when it was clean). */
export interface StopReport {
  failures: { part: string; error: string }[];
}
