import { errorMessage, isRagError } from '../errors.js';

/**
 * Exit codes (documented in `ragctl --help` and the README):
 * 0 success · 1 failure · 2 bad usage or config · 3 no daemon where one is required ·
 * 4 model missing or unusable · 5 the index is locked by another process.
 */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2, noDaemon: 3, model: 4, locked: 5 });

export function exitCodeFor(err: unknown): number {
  if (!isRagError(err)) return EXIT.failure;
  switch (err.code) {
    case 'E_CONFIG':
    case 'E_USAGE':
      return EXIT.usage;
    case 'E_NO_DAEMON':
      return EXIT.noDaemon;
    case 'E_MODEL':
    case 'E_MODEL_MISSING':
      return EXIT.model;
    case 'E_LOCKED':
      return EXIT.locked;
    default:
      return EXIT.failure;
  }
}

/** One line a person can act on: what failed, where, and the fix when there is one. */
export function formatError(err: unknown): string {
  const fix = isRagError(err) && err.fix ? `\n  fix: ${err.fix}` : '';
  return `ragctl: ${errorMessage(err)}${fix}`;
}

export function errorJson(err: unknown): { error: { code: string; message: string; fix?: string } } {
  if (isRagError(err))
    return { error: { code: err.code, message: err.message, ...(err.fix ? { fix: err.fix } : {}) } };
  return { error: { code: 'E_INTERNAL', message: errorMessage(err) } };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * A one-line progress bar on stderr, redrawn at most every REDRAW_MS (a few times a second:
 * faster only flickers and costs the terminal's time); silent when stderr is not a terminal
 * (scripts and CI get the summary only).
 */
const REDRAW_MS = 250;

export class ProgressBar {
  readonly #enabled: boolean;
  #last = 0;
  #drawn = false;

  constructor(enabled = process.stderr.isTTY === true) {
    this.#enabled = enabled;
  }

  update(done: number, total: number | null, label: string, force = false): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (!force && now - this.#last < REDRAW_MS) return;
    this.#last = now;
    const width = Math.max(10, Math.min(30, (process.stderr.columns ?? 80) - 60));
    let line: string;
    if (total && total > 0) {
      const ratio = Math.min(1, done / total);
      const filled = Math.round(ratio * width);
      line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${label}`;
    } else {
      line = `${label}`;
    }
    const max = (process.stderr.columns ?? 100) - 1;
    process.stderr.write(`\r\x1b[2K${line.length > max ? `${line.slice(0, max - 1)}…` : line}`);
    this.#drawn = true;
  }

  done(): void {
    if (this.#enabled && this.#drawn) process.stderr.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
