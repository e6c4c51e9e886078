import { lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { MAX_SOCKET_PATH_BYTES } from '../config/paths.js';
import { errnoCode, errorMessage, RagError } from '../errors.js';
import type { Logger } from '../log.js';
import { probeSocket } from './transport.js';

/** The socket's folder is created with this mode: only its owner may enter it, and so connect. */
export const SOCKET_DIR_MODE = 0o700;
/** The socket itself: belt and braces, since the folder already keeps everyone else out. */
export const SOCKET_FILE_MODE = 0o600;

/**
 * sun_path holds 104 bytes on macOS and 108 on Linux, including the NUL. A longer path fails
 * to bind, or on older libuv is silently truncated to another path, so it is refused up front.
 */
export function checkSocketPathLength(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes <= MAX_SOCKET_PATH_BYTES) return;
  throw new RagError(
    'E_IPC',
    `socket path is ${bytes} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte limit of Unix sockets on ${process.platform}: ${path}`,
    { fix: 'set socketPath in config.yaml to a shorter path (or leave it unset for the default)' },
  );
}

/**
 * Makes sure the folder exists, belongs to this user and lets nobody else in: the folder, not
 * the socket's own mode, is what keeps other users from connecting on every platform.
 */
export async function prepareSocketDir(dir: string): Promise<void> {
  const uid = process.getuid?.();
  let info = await statOrNull(dir);
  if (!info) {
    await mkdir(dir, { recursive: true, mode: SOCKET_DIR_MODE }).catch((err: unknown) => {
      throw new RagError('E_IPC', `cannot create the socket folder ${dir}: ${errorMessage(err)}`, {
        cause: err,
      });
    });
    info = await stat(dir);
  }
  if (!info.isDirectory()) {
    throw new RagError('E_IPC', `socket folder ${dir} is not a folder`, { fix: 'choose another socketPath' });
  }
  if (uid !== undefined && info.uid !== uid) {
    throw new RagError('E_IPC', `socket folder ${dir} belongs to uid ${info.uid}, not to you (uid ${uid})`, {
      fix: 'set socketPath to a path in a folder of your own',
    });
  }
  const openBits = info.mode & 0o077;
  if (openBits !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw new RagError('E_IPC', `socket folder ${dir} is open to other users (mode ${mode})`, {
      fix: `chmod 700 ${dir}, or set socketPath to a path in a private folder`,
    });
  }
}

/**
 * Clears the way for a new socket at `path`: a file left by a crashed daemon (connections are
 * refused) is removed; a socket with a live listener is never taken over; anything that is not a
 * socket is left alone.
 */
export async function removeStaleSocket(path: string, probeTimeoutMs: number, log: Logger): Promise<void> {
  const info = await lstatOrNull(path);
  if (!info) return;
  if (!info.isSocket()) {
    throw new RagError('E_IPC', `${path} exists and is not a socket; refusing to replace it`, {
      fix: 'move the file away, or set socketPath to another path',
    });
  }
  const probe = await probeSocket(path, probeTimeoutMs);
  if (probe === 'live') {
    throw new RagError('E_LOCKED', `another daemon is already listening on ${path}`, {
      fix: 'stop it first (ragctl daemon stop), or give this one another dataDir and socketPath',
    });
  }
  if (probe === 'refused') {
    await unlink(path).catch((err: unknown) => {
      if (errnoCode(err) !== 'ENOENT') throw err;
    });
    log.info({ path }, 'removed a stale socket left by a daemon that did not exit cleanly');
  }
}

async function statOrNull(path: string) {
  return stat(path).catch(ignoreMissing);
}

async function lstatOrNull(path: string) {
  return lstat(path).catch(ignoreMissing);
}

function ignoreMissing(err: unknown): null {
  if (errnoCode(err) === 'ENOENT') return null;
  throw err;
}
