/**
 * The few error classes callers branch on. Every error carries a stable `code`;
 * branch on it, never on message text. Messages name what failed, the path, and the fix.
 */
export type ErrorCode =
  | 'E_CONFIG'
  | 'E_MODEL'
  | 'E_MODEL_MISSING'
  | 'E_EMBED'
  | 'E_EMBED_TIMEOUT'
  // A remote embedding server cannot be reached or keeps failing (connection refused, 5xx, 429
  // past every retry): indexing waits for it, searches fall back to text.
  | 'E_EMBED_UNAVAILABLE'
  | 'E_SCHEMA'
  | 'E_STORE'
  // A reader (search or status without a daemon) found no index in the data dir.
  | 'E_NO_INDEX'
  | 'E_IO'
  | 'E_SKIPPED'
  | 'E_IPC'
  | 'E_PROTOCOL'
  | 'E_BUSY'
  | 'E_LOCKED'
  | 'E_NO_DAEMON'
  | 'E_USAGE'
  | 'E_NETWORK'
  | 'E_ABORTED'
  | 'E_INTERNAL'
  // Socket protocol (src/ipc): a peer speaking another version, a method the daemon does not
  // have, a message or reply over the size limit, a request that got no answer in time.
  | 'E_VERSION'
  | 'E_UNKNOWN_METHOD'
  | 'E_TOO_LARGE'
  | 'E_TIMEOUT';

export class RagError extends Error {
  readonly code: ErrorCode;
  /** A short hint telling the user what to do about it, when there is one. */
  readonly fix: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; fix?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RagError';
    this.code = code;
    this.fix = options.fix;
  }
}

export class ConfigError extends RagError {
  /** Dotted path of the offending key, e.g. `sources[1].path`. */
  readonly keyPath: string;
  constructor(keyPath: string, reason: string, file?: string) {
    super('E_CONFIG', `${file ? `${file}: ` : ''}${keyPath ? `${keyPath}: ` : ''}${reason}`);
    this.name = 'ConfigError';
    this.keyPath = keyPath;
  }
}

export class ModelError extends RagError {
  /** The model file (or folder) that is wrong. */
  readonly file: string;
  constructor(
    file: string,
    reason: string,
    options: { cause?: unknown; fix?: string; missing?: boolean } = {},
  ) {
    super(options.missing ? 'E_MODEL_MISSING' : 'E_MODEL', `${file}: ${reason}`, options);
    this.name = 'ModelError';
    this.file = file;
  }
}

export function isRagError(err: unknown): err is RagError {
  return err instanceof RagError;
}

/** Node's system errors (`ENOENT`, `EACCES`, …) carry a string `code`. */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
