/**
 * The numbers both service files share, so the daemon behaves the same under launchd and
 * systemd. Each says why it is what it is.
 */

/** Below the user's apps, above true idle work: indexing should keep up with edits. */
export const NICE = 5;
/**
 * Open files, soft and hard: watching a large tree needs thousands of descriptors, and
 * launchd's default soft limit is 256. Past this the daemon reports the watch limit and relies
 * on periodic reconciliation.
 */
export const OPEN_FILES = 8192;
/**
 * SIGTERM → SIGKILL grace, seconds: time to finish or abandon the current batch and close the
 * store (launchd ExitTimeOut, systemd TimeoutStopSec).
 */
export const STOP_TIMEOUT_S = 15;
/** launchd's pause between restarts, seconds: a daemon that cannot start retries six times a minute. */
export const THROTTLE_INTERVAL_S = 10;
/** systemd's pause before a restart after a crash, seconds. */
export const RESTART_SEC = 5;
