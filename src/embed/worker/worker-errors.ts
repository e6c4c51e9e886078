import { type ErrorCode, RagError } from '../../errors.js';

/**
 * The errors the embed worker fails calls with, in one place: each with its stable code, and
 * where the user can act, the fix. Callers branch on the code (E_ABORTED: nobody waits for it;
 * E_EMBED_UNAVAILABLE: searches fall back to text).
 */

export function closedError(): RagError {
  return new RagError('E_ABORTED', 'the embed worker was closed');
}

export function abortedError(reason: unknown): RagError {
  return new RagError('E_ABORTED', 'embedding aborted', { cause: reason });
}

/** What the child reported (`fatal`, or an `error` answer), its code and fix kept. */
export function reportedError(report: { code: ErrorCode; message: string; fix?: string | null }): RagError {
  return new RagError(report.code, report.message, report.fix ? { fix: report.fix } : {});
}

/** The child's `ready` names another model than the parent checked at start. */
export function modelChangedError(model: string, loaded: string, expected: string): RagError {
  return new RagError(
    'E_MODEL',
    `${model}: the model changed on disk since the daemon started (the worker loaded ${loaded}, the index expects ${expected})`,
    { fix: 'restart the daemon so that it checks the model again' },
  );
}

export function invalidMessageError(reason: string): RagError {
  return new RagError('E_PROTOCOL', `the embed worker sent an invalid message: ${reason}`, {
    fix: 'rebuild ragctl (npm run build) and restart the daemon',
  });
}

/** An answer whose values do not make `texts` rows of `dimension`. */
export function wrongSizeError(values: number, texts: number, dimension: number): RagError {
  return new RagError(
    'E_EMBED',
    `the embed worker returned ${values} values for ${texts} texts × ${dimension} dimensions`,
  );
}

/** `maxStartFailures` processes in a row died before `ready`. */
export function startFailuresError(model: string, deaths: number, why: string): RagError {
  return new RagError(
    'E_MODEL',
    `the embed worker died ${deaths} times in a row while loading ${model} (last: ${why})`,
    { fix: 'see the log for its output; check the model folder or pull it again' },
  );
}

/** A request that killed the process on each of its `attempts`: given up so the rest go on. */
export function quarantineError(texts: number, attempts: number, why: string): RagError {
  return new RagError(
    'E_EMBED',
    `the embed worker ${why} on the same ${texts} text(s) ${attempts} times; they were given up so the rest can go on`,
    { fix: 'see the log for the worker output; report the text that triggers it' },
  );
}
