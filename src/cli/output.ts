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
 * Progress on stderr. On a terminal, a one-line bar redrawn at most every REDRAW_MS (a few times
 * a second: faster only flickers and costs the terminal's time). Elsewhere (a log file, `tee`,
 * a CI job), `lines`: a plain line every LINE_EVERY_MS once the work has run that long, so a
 * long run is seen to move and a short one prints only its summary; `off` prints nothing.
 */
const REDRAW_MS = 250;
const LINE_EVERY_MS = 15_000;

export type ProgressMode = 'bar' | 'lines' | 'off';

/** Where a progress line goes, and the clock it is timed by. */
export interface ProgressSink {
  write(text: string): void;
  now(): number;
  columns?: number | undefined;
}

const STDERR: ProgressSink = {
  write: (text) => process.stderr.write(text),
  now: () => Date.now(),
  get columns() {
    return process.stderr.columns;
  },
};

export class ProgressBar {
  readonly #mode: ProgressMode;
  readonly #sink: ProgressSink;
  readonly #started: number;
  #last = 0;
  #drawn = false;

  /** `true`: the bar on a terminal, nothing elsewhere; a mode says which. */
  constructor(mode: boolean | ProgressMode = process.stderr.isTTY === true, sink: ProgressSink = STDERR) {
    this.#mode = mode === true ? 'bar' : mode === false ? 'off' : mode;
    this.#sink = sink;
    this.#started = sink.now();
    if (this.#mode === 'lines') this.#last = this.#started;
  }

  /** Progress of a command on stderr: the bar on a terminal, lines elsewhere, none when `quiet` (--json). */
  static forStderr(quiet: boolean): ProgressBar {
    return new ProgressBar(quiet ? 'off' : process.stderr.isTTY === true ? 'bar' : 'lines');
  }

  update(done: number, total: number | null, label: string, force = false): void {
    if (this.#mode === 'off') return;
    const now = this.#sink.now();
    const every = this.#mode === 'bar' ? REDRAW_MS : LINE_EVERY_MS;
    if (!(force && this.#mode === 'bar') && now - this.#last < every) return;
    this.#last = now;
    const ratio = total && total > 0 ? Math.min(1, done / total) : undefined;
    if (this.#mode === 'lines') {
      const share = ratio === undefined ? '' : `${(ratio * 100).toFixed(0)}% `;
      this.#sink.write(`${share}${label} (${Math.round((now - this.#started) / 1000)} s)\n`);
      return;
    }
    const width = Math.max(10, Math.min(30, (this.#sink.columns ?? 80) - 60));
    let line: string;
    if (ratio !== undefined) {
      const filled = Math.round(ratio * width);
      line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${label}`;
    } else {
      line = `${label}`;
    }
    const max = (this.#sink.columns ?? 100) - 1;
    this.#sink.write(`\r\x1b[2K${line.length > max ? `${line.slice(0, max - 1)}…` : line}`);
    this.#drawn = true;
  }

  done(): void {
    if (this.#mode === 'bar' && this.#drawn) this.#sink.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
