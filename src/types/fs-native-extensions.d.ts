/**
 * The part of `fs-native-extensions` (1.5.1, Holepunch) that ragctl uses, typed by hand: the
 * package ships no types. It is CommonJS; Node's ESM loader finds these named exports.
 *
 * `tryLock` takes a whole-file advisory lock without waiting: on Linux `fcntl(F_OFD_SETLK)` (an
 * open-file-description lock: per open file, so a second `open()` in the same process conflicts
 * too), on macOS `flock(LOCK_NB)` (also per open file). It returns false when another open file
 * holds a conflicting lock; the kernel drops the lock when its file is closed or the process dies.
 */
declare module 'fs-native-extensions' {
  /** An exclusive lock unless `shared`; a shared lock needs the file open for reading, an exclusive one for writing (Linux). */
  export function tryLock(fd: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number): void;
}
