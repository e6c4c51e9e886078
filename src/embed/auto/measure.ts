import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { chooseOpenBlas, openBlasEnv } from '../mlx/openblas.js';
import type { AutoCandidate, BackendTiming } from './types.js';

/** The text lengths timed: short notes, a typical chunk, the model's limit. */
const LENGTHS: readonly number[] = [32, 128, 256];
/** One forward pass per length, as the embed worker batches by default. */
const BATCH_TOKENS = 4096;
/** Timed passes per length (best kept: a shared machine's bursts hit one pass, not all). */
const REPEATS = 3;
/**
 * A child is a node start, a model load and ~12 forward passes: seconds on a quiet machine, a
 * minute or two on one whose cores are shared many times over; past this it is hung.
 */
const TIMEOUT_MS = 300_000;

/** What each backend embeds: one batch per length, timed `repeats` times after a warm-up. */
export interface Workload {
  lengths: readonly number[];
  repeats: number;
}

/**
 * Times each backend on this machine, one after another, each in its own process with the
 * environment it would run with (MLX: the measured OpenBLAS kernels). `withInt8` adds onnx int8,
 * shown but never chosen (its vectors differ, so it is not interchangeable).
 */
export async function measureBackends(
  model: string,
  env: NodeJS.ProcessEnv,
  log: Logger,
  options: { candidates: readonly AutoCandidate[]; withInt8: boolean; workload?: Workload },
): Promise<BackendTiming[]> {
  const workload = options.workload ?? { lengths: LENGTHS, repeats: REPEATS };
  const runs: Array<{ type: AutoCandidate; precision: 'fp32' | 'int8' }> = options.candidates.map((type) => ({
    type,
    precision: 'fp32',
  }));
  if (options.withInt8) runs.push({ type: 'onnx', precision: 'int8' });
  const out: BackendTiming[] = [];
  for (const run of runs) {
    const childEnv =
      run.type === 'mlx-bert' ? { ...env, ...openBlasEnv(await chooseOpenBlas(env, log)) } : { ...env };
    out.push(await measureOne(run.type, run.precision, model, childEnv, workload));
    log.info({ timing: out.at(-1) }, 'measured an embedding backend');
  }
  return out;
}

function measureOne(
  type: AutoCandidate,
  precision: 'fp32' | 'int8',
  model: string,
  env: NodeJS.ProcessEnv,
  workload: Workload,
): Promise<BackendTiming> {
  const job = JSON.stringify({ type, precision, model, batchTokens: BATCH_TOKENS, ...workload });
  const base = { type, precision, eligible: precision === 'fp32' };
  return new Promise((resolve) => {
    execFile(process.execPath, [childEntry(), job], { env, timeout: TIMEOUT_MS }, (err, stdout) => {
      let parsed: Partial<Pick<BackendTiming, 'perLength' | 'totalMs' | 'error'>> = {};
      try {
        parsed = JSON.parse(stdout.trim().split('\n').at(-1) || '{}');
      } catch (parseErr) {
        parsed = { error: `no timing in its output (${errorMessage(parseErr)})` };
      }
      if (err || parsed.error || !parsed.perLength || typeof parsed.totalMs !== 'number') {
        const why =
          parsed.error ?? (err?.signal ? `killed by ${err.signal}` : err ? errorMessage(err) : 'no timing');
        resolve({ ...base, perLength: [], totalMs: null, error: why });
        return;
      }
      resolve({ ...base, perLength: parsed.perLength, totalMs: parsed.totalMs });
    });
  });
}

/** `measure-child.js` beside this file in dist/; run from source (tests), still the compiled one. */
function childEntry(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'measure-child.js');
  return join(dirname(here), '..', '..', '..', 'dist', 'embed', 'auto', 'measure-child.js');
}

/** An installed package's version, read from its package.json ('unknown' when it cannot be found). */
export function installedVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    let dir = dirname(require.resolve(name));
    while (!dir.endsWith(join('node_modules', name)) && dirname(dir) !== dir) dir = dirname(dir);
    return (
      (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ??
      'unknown'
    );
  } catch (err) {
    return `unknown (${errorMessage(err)})`;
  }
}
