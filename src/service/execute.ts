import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { errnoCode, errorMessage } from '../errors.js';
import { displayCommand, ServiceError } from './errors.js';
import type { CommandRunner, PlanStep, ServiceManager, ServicePlan, StepOutcome } from './types.js';

/** Tries of a command whose exit code is in its retryExitCodes (a race in the service manager). */
const RETRY_ATTEMPTS = 3;
/** Pause between those tries: launchd needs a moment to finish tearing down a booted-out job. */
const RETRY_DELAY_MS = 1000;
/** Service files are read by the service manager running as the user; nothing in them is secret. */
const SERVICE_FILE_MODE = 0o644;

export interface ExecuteOptions {
  readonly runner: CommandRunner;
  readonly manager: ServiceManager;
  /** Waits between retries; tests pass one that does not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Carries out a plan step by step, stopping at the first failure. A command that failed in an
 * acceptable way (one of its okExitCodes) is remembered: when a later command fails, that
 * earlier answer is often the real cause, so the error names it too.
 */
export async function executePlan(plan: ServicePlan, options: ExecuteOptions): Promise<StepOutcome[]> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const outcomes: StepOutcome[] = [];
  const tolerated: string[] = [];
  const written: Array<{ path: string; before: string | null }> = [];
  for (const step of plan.steps) {
    switch (step.kind) {
      case 'mkdir':
        mkdirSync(step.path, { recursive: true });
        outcomes.push({ step });
        break;
      case 'write': {
        const before = readIfExists(step.path);
        writeServiceFile(step.path, step.content);
        written.push({ path: step.path, before });
        outcomes.push({ step, changed: before !== step.content });
        break;
      }
      case 'remove':
        rmSync(step.path, { force: true });
        outcomes.push({ step });
        break;
      case 'run': {
        let exitCode: number;
        try {
          exitCode = await runStep(step, options, sleep, tolerated);
        } catch (err) {
          if (!step.undoWritesOnFailure || written.length === 0 || !(err instanceof ServiceError)) throw err;
          throw withUndone(err, undoWrites(written));
        }
        outcomes.push({ step, exitCode });
        break;
      }
    }
  }
  return outcomes;
}

async function runStep(
  step: Extract<PlanStep, { kind: 'run' }>,
  options: ExecuteOptions,
  sleep: (ms: number) => Promise<void>,
  tolerated: string[],
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const result = await options.runner.run(step.argv);
    if (result.status === 'exited') {
      if (result.exitCode === 0) return 0;
      if (step.okExitCodes?.includes(result.exitCode)) {
        const said = result.stderr.trim().split('\n')[0];
        tolerated.push(
          `\`${displayCommand(step.argv)}\` exited ${result.exitCode}${said ? ` (${said})` : ''}`,
        );
        return result.exitCode;
      }
      if (step.retryExitCodes?.includes(result.exitCode) && attempt < RETRY_ATTEMPTS) {
        await sleep(RETRY_DELAY_MS);
        continue;
      }
    }
    const err = options.manager.failureFor(step.argv, result);
    if (tolerated.length === 0) throw err;
    throw new ServiceError(err.reason, `${err.message}; before it, ${tolerated.join('; ')}`, {
      fix: err.fix,
      command: step.argv,
      exitCode: err.exitCode,
      stderr: err.stderr,
      cause: err,
    });
  }
}

/** Puts written files back as they were; says what it did, in the words of the error. */
function undoWrites(written: ReadonlyArray<{ path: string; before: string | null }>): string[] {
  const said: string[] = [];
  for (const { path, before } of written.toReversed()) {
    try {
      if (before === null) {
        rmSync(path, { force: true });
        said.push(`${path} was removed again`);
      } else {
        writeServiceFile(path, before);
        said.push(`${path} was put back as it was`);
      }
    } catch (err) {
      said.push(`${path} could not be put back (${errorMessage(err)})`);
    }
  }
  return said;
}

function withUndone(err: ServiceError, undone: readonly string[]): ServiceError {
  return new ServiceError(err.reason, `${err.message}; ${undone.join('; ')}`, {
    fix: err.fix,
    command: err.command ?? undefined,
    exitCode: err.exitCode,
    stderr: err.stderr,
    cause: err,
  });
}

/** A service file's text; null when there is none. */
export function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

/** Writes through a temporary file and a rename, so the service manager never reads half a file. */
function writeServiceFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: SERVICE_FILE_MODE });
  renameSync(tmp, path);
}
