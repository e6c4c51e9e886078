import { availableParallelism } from 'node:os';
import type { Logger } from '../../log.js';
import { measurementFile, readMeasurement, writeMeasurement } from '../measurement-cache.js';
import { cpuIdentity } from '../mlx/openblas.js';
import { installedVersion, measureBackends, type Workload } from './measure.js';
import type { AutoCandidate, BackendChoice, BackendTiming } from './types.js';

/** Bump when the measurement or the candidates change: older choices are then measured again. */
const CHOICE_VERSION = 1;
/** Set in the environment to skip the measurement: `mlx-bert` or `onnx`. */
export const BACKEND_ENV = 'RAGCTL_EMBED_BACKEND';
const CANDIDATES: readonly AutoCandidate[] = ['onnx', 'mlx-bert'];

export function isAppleSilicon(): boolean {
  return process.platform === 'darwin' && process.arch === 'arm64';
}

/**
 * The backend `type: auto` runs for `model`: MLX on Apple Silicon (Metal; nothing to measure);
 * elsewhere what the user set in RAGCTL_EMBED_BACKEND, else the measurement cached for this CPU,
 * these library versions and this model, else a measurement now (each fp32 backend in its own
 * process, ~20 s), kept in the cache. `force` measures again (`ragctl bench embed`).
 */
export async function chooseBackend(
  model: string,
  env: NodeJS.ProcessEnv,
  log: Logger,
  options: { force?: boolean; withInt8?: boolean; workload?: Workload } = {},
): Promise<BackendChoice> {
  const settled = choiceWithoutMeasuring(model, env, options.force === true, log);
  if ('choice' in settled) return settled.choice;
  const { key, file } = settled;
  const cpu = cpuIdentity();
  const timings = await measureBackends(model, env, log, {
    candidates: CANDIDATES,
    withInt8: options.withInt8 ?? false,
    ...(options.workload ? { workload: options.workload } : {}),
  });
  const eligible = timings.filter(
    (t): t is BackendTiming & { totalMs: number } => t.eligible && t.totalMs !== null,
  );
  if (eligible.length === 0) {
    log.warn({ timings }, 'every backend measurement failed; type auto runs onnx');
    return {
      type: 'onnx',
      source: 'fallback',
      reason: 'every measurement failed; onnx by default',
      cpu,
      timings,
    };
  }
  const fastest = eligible.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
  const others = eligible.filter((t) => t !== fastest);
  const choice: BackendChoice = {
    type: fastest.type as AutoCandidate,
    source: 'measured',
    reason:
      others.length === 0
        ? `${fastest.type} is the only fp32 backend that runs here`
        : `${fastest.type} was fastest here: ${others.map((o) => `${(o.totalMs / fastest.totalMs).toFixed(2)}× as fast as ${o.type}`).join(', ')} over the same texts`,
    cpu,
    key,
    measuredAt: new Date().toISOString(),
    timings,
    file,
  };
  writeMeasurement(file, choice, 'backend measurement', log);
  log.info(
    { type: choice.type, reason: choice.reason },
    'type auto: chose the embedding backend by measurement',
  );
  return choice;
}

/**
 * What a measurement depends on: the CPU and its cores, node, the two native libraries' versions
 * and the model (its size sets the balance between the backends' fixed costs and their kernels).
 */
export function choiceKey(model: string): string {
  return [
    cpuIdentity(),
    `${availableParallelism()} cores`,
    `node ${process.versions.node}`,
    `onnxruntime-node ${installedVersion('onnxruntime-node')}`,
    `@frost-beta/mlx ${installedVersion('@frost-beta/mlx')}`,
    model,
    `v${CHOICE_VERSION}`,
  ].join('|');
}

/** `~/.cache/ragctl/embed-backend-<key hash>.json` */
export function backendChoiceFile(key: string, env: NodeJS.ProcessEnv = process.env): string {
  return measurementFile('embed-backend', key, env);
}

/**
 * Whether `chooseBackend(model, env)` would measure now: nothing set in the environment, not
 * Apple Silicon, no choice cached for this CPU, these versions and this model. A command run by a
 * person says so first: the measurement takes half a minute or more and shows no progress.
 */
export function willMeasure(model: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return !('choice' in choiceWithoutMeasuring(model, env, false));
}

/**
 * The choice made without measuring: set in the environment, Apple Silicon (unless `force`), or
 * cached (unless `force`); else the key and file a measurement is stored under. `log` hears of an
 * environment value it ignores and of a cache file it cannot use.
 */
function choiceWithoutMeasuring(
  model: string,
  env: NodeJS.ProcessEnv,
  force: boolean,
  log?: Logger,
): { choice: BackendChoice } | { key: string; file: string } {
  const set = env[BACKEND_ENV];
  if (set === 'mlx-bert' || set === 'onnx') {
    const reason = `${BACKEND_ENV}=${set} is set`;
    return { choice: { type: set, source: 'environment', reason, cpu: cpuIdentity() } };
  }
  if (set) log?.warn({ [BACKEND_ENV]: set }, `ignoring ${BACKEND_ENV}: expected mlx-bert or onnx`);
  if (isAppleSilicon() && !force) {
    const reason = 'Apple Silicon: MLX runs the model on Metal';
    return { choice: { type: 'mlx-bert', source: 'platform', reason, cpu: cpuIdentity() } };
  }
  const key = choiceKey(model);
  const file = backendChoiceFile(key, env);
  const cached = force ? undefined : readBackendChoice(file, log);
  return cached ? { choice: { ...cached, source: 'cache', file } } : { key, file };
}

/** The cached choice, if one was measured (for `ragctl model info`). */
export function readBackendChoice(file: string, log?: Logger): BackendChoice | undefined {
  return readMeasurement<BackendChoice>(
    file,
    (json) => json.type === 'onnx' || json.type === 'mlx-bert',
    'backend measurement',
    log,
  );
}
