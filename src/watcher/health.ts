import { errnoCode, errorMessage } from '../errors.js';
import type { Degradation } from './types.js';

/** Errors chokidar reports that are expected noise, not a reason to distrust the watcher. */
const NOISE_CODES = new Set([
  // Removed between the event and chokidar's look (chokidar filters most of these itself).
  'ENOENT',
  'ENOTDIR',
  // Unreadable folders are reported by the walker with their path; they break nothing else.
  'EACCES',
  'EPERM',
]);

/** Whether a watcher error is noise (the path vanished, or is not ours to read). */
export function isWatcherNoise(err: unknown): boolean {
  const code = errnoCode(err);
  return code !== undefined && NOISE_CODES.has(code);
}

/** What a watcher error means for the source, and what the user can do about it. */
export function classifyWatcherError(source: string, err: unknown): Degradation {
  const code = errnoCode(err);
  if (code === 'ENOSPC') {
    return {
      source,
      code: 'watch-limit',
      reason: `the system limit on watched files was reached while watching ${source}; changes there may be missed`,
      fix:
        process.platform === 'linux'
          ? 'raise fs.inotify.max_user_watches (sysctl fs.inotify.max_user_watches=524288, and add it to /etc/sysctl.conf to keep it)'
          : 'raise the limit on watched files, or exclude large folders from this source',
    };
  }
  if (code === 'EMFILE' || code === 'ENFILE') {
    return {
      source,
      code: 'open-file-limit',
      reason: `out of file descriptors (${code}) while watching ${source}; changes there may be missed`,
      fix:
        code === 'EMFILE'
          ? 'raise the open-file limit (ulimit -n, or LimitNOFILE= in the service unit / NumberOfFiles in the launchd plist)'
          : 'raise the system-wide open-file limit (fs.file-max on Linux, kern.maxfiles on macOS)',
    };
  }
  return {
    source,
    code: 'watcher-error',
    reason: `watching ${source} failed (${code ?? errorMessage(err)}); changes there may be missed`,
    fix: 'see the daemon log; watching is retried on its own, and `ragctl reindex` catches up meanwhile',
  };
}

export function rootMissing(source: string): Degradation {
  return {
    source,
    code: 'root-missing',
    reason: `the source folder ${source} is gone (deleted, renamed or unmounted); its index is kept`,
    fix: 'reconnect the volume or restore the folder: watching resumes within seconds, or remove the source from config.yaml',
  };
}
