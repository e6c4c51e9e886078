import { createHash } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Where a user's config lives unless `--config` or `RAGCTL_CONFIG` says otherwise. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'ragctl', 'config.yaml');
}

/** Per-platform data folder: XDG on Linux, Application Support on macOS. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'ragctl');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'ragctl');
}

/**
 * Unix socket paths are limited (104 bytes on macOS, 108 on Linux, including the NUL).
 * Keep the socket beside the data when that fits; otherwise fall back to a short
 * per-user folder keyed by the data dir, so several indexes still never share one.
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'darwin' ? 103 : 107;

export function defaultSocketPath(dataDir: string): string {
  const beside = join(dataDir, 'run', 'ragd.sock');
  if (Buffer.byteLength(beside) <= MAX_SOCKET_PATH_BYTES) return beside;
  const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(tmpdir(), `ragctl-${uid}`, `${key}.sock`);
}

/** `~` and relative paths resolved against the folder of the file that named them. */
export function resolveUserPath(p: string, baseDir: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return isAbsolute(p) ? resolve(p) : resolve(baseDir, p);
}
