import { closeSync, openSync } from 'node:fs';

/**
 * Test-only fault injection, so the crash path is tested on the real child running the real
 * model. The child honours it ONLY when its environment has `RAGCTL_TEST_FAULTS=1`; otherwise
 * a fault text is embedded like any other text.
 *
 * A request containing `faultText(kind)` makes the child, before it touches the model:
 * - `abort`: `process.abort()` — SIGABRT, as a native assertion in MLX would;
 * - `hang`: block its thread forever (Atomics.wait) — stops answering, as a native deadlock would.
 * With a `marker` file the fault fires once: the child that creates the file faults, later
 * children find it and serve the request normally (a crash that a retry gets past).
 */
export const TEST_FAULTS_ENV = 'RAGCTL_TEST_FAULTS';
/** NUL never occurs in text read from notes (the pipeline skips binary files). */
const FAULT_PREFIX = '\u0000ragctl-test-fault:';

export type FaultKind = 'abort' | 'hang';

export function faultText(kind: FaultKind, marker?: string): string {
  return `${FAULT_PREFIX}${kind}${marker === undefined ? '' : `:${marker}`}`;
}

export function isFaultInjectionEnabled(env: NodeJS.ProcessEnv): boolean {
  return env[TEST_FAULTS_ENV] === '1';
}

/** Acts on the first fault text in `texts`; returns when there is none (or it already fired). */
export function injectFaults(texts: readonly string[]): void {
  for (const text of texts) {
    if (!text.startsWith(FAULT_PREFIX)) continue;
    const spec = text.slice(FAULT_PREFIX.length);
    const colon = spec.indexOf(':');
    const kind = colon < 0 ? spec : spec.slice(0, colon);
    if (colon >= 0 && !claimMarker(spec.slice(colon + 1))) continue;
    if (kind === 'abort') process.abort();
    if (kind === 'hang') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
}

/** True for the one process that creates the marker file. */
function claimMarker(file: string): boolean {
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch {
    return false; // It exists: an earlier child already faulted on this request.
  }
}
