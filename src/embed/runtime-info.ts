import { availableParallelism } from 'node:os';
import {
  BACKEND_ENV,
  backendChoiceFile,
  choiceKey,
  isAppleSilicon,
  readBackendChoice,
} from './auto/choose.js';
import type { BackendTiming } from './auto/types.js';
import { cpuIdentity, openBlasChoiceFile, readOpenBlasChoice } from './mlx/openblas.js';
import { cudaProviderMissing, executionProviders } from './onnx/providers.js';

/**
 * What would run an embedder type on this machine, without loading it: for `ragctl model
 * info`. MLX on the CPU reports the OpenBLAS kernels the embed worker chose by measurement;
 * onnx reports its execution providers and, where CUDA is not used, why.
 */
export function describeRuntime(
  type: string,
  env: NodeJS.ProcessEnv = process.env,
  model?: string,
): Record<string, unknown> {
  switch (type) {
    case 'auto':
      return { ...autoInfo(env, model), type };
    case 'mlx-bert':
      if (process.platform === 'darwin' && process.arch === 'arm64') return { type, backend: 'mlx-metal' };
      return { type, backend: 'mlx-cpu', openblas: openBlasInfo(env) };
    case 'onnx': {
      const providers = executionProviders();
      const cuda = cudaProviderMissing();
      return { type, backend: `onnx-${providers[0]}`, providers, ...(cuda ? { cudaUnavailable: cuda } : {}) };
    }
    default:
      return { type };
  }
}

/**
 * `type: auto`: what it runs and why — the platform, the user's variable, or the measurement
 * cached for this CPU, these versions and `model` — with the chosen type's own details.
 */
function autoInfo(env: NodeJS.ProcessEnv, model: string | undefined): Record<string, unknown> {
  const set = env[BACKEND_ENV];
  if (set === 'mlx-bert' || set === 'onnx')
    return {
      ...describeRuntime(set, env),
      chosen: set,
      source: 'environment',
      reason: `${BACKEND_ENV}=${set} is set`,
    };
  if (isAppleSilicon())
    return {
      ...describeRuntime('mlx-bert', env),
      chosen: 'mlx-bert',
      source: 'platform',
      reason: 'Apple Silicon: MLX runs the model on Metal',
    };
  const file = backendChoiceFile(choiceKey(model ?? ''), env);
  const choice = model === undefined ? undefined : readBackendChoice(file);
  if (!choice)
    return {
      backend: 'not chosen yet',
      source: 'not measured yet (the embed worker measures at its first start; `ragctl bench embed` now)',
      file,
    };
  return {
    ...describeRuntime(choice.type, env),
    chosen: choice.type,
    source: 'measured',
    reason: choice.reason,
    measuredAt: choice.measuredAt,
    timings: choice.timings,
    file,
  };
}

function openBlasInfo(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const cpu = cpuIdentity();
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return { cpu, coreType: 'auto', source: 'none' };
  if (env.OPENBLAS_CORETYPE)
    return {
      cpu,
      coreType: env.OPENBLAS_CORETYPE,
      threads: Number.parseInt(env.OPENBLAS_NUM_THREADS ?? '', 10) || availableParallelism(),
      source: 'environment',
    };
  const file = openBlasChoiceFile(env);
  const choice = readOpenBlasChoice(file);
  if (!choice)
    return { cpu, source: 'not measured yet (the embed worker measures it at its first start)', file };
  return {
    cpu,
    coreType: choice.coreType ?? 'auto',
    threads: choice.threads,
    source: 'measured',
    measuredAt: choice.measuredAt,
    timings: choice.timings,
    file,
  };
}

/** One line for the text output of `ragctl model info`. */
export function runtimeLines(info: Record<string, unknown>): string[] {
  const lines = [`  backend:  ${String(info.backend ?? 'unknown')} (embedder type ${String(info.type)})`];
  if (info.chosen || info.type === 'auto')
    lines.push(
      `  auto:     ${info.chosen ? `${String(info.chosen)} — ` : ''}${String(info.reason ?? info.source)}${info.measuredAt ? ` (measured ${String(info.measuredAt)})` : ''}`,
    );
  for (const t of (info.timings as BackendTiming[] | undefined) ?? [])
    lines.push(`            ${timingLine(t)}`);
  const ob = info.openblas as Record<string, unknown> | undefined;
  if (ob) {
    const timings = Array.isArray(ob.timings)
      ? ` — ${(ob.timings as Array<{ coreType: string | null; ms: number | null }>)
          .map((t) => `${t.coreType ?? 'auto'} ${t.ms === null ? 'failed' : `${t.ms} ms`}`)
          .join(', ')}`
      : '';
    const what =
      ob.coreType === undefined ? '' : `${String(ob.coreType)}, ${String(ob.threads ?? '?')} threads; `;
    lines.push(`  openblas: ${what}${String(ob.source)}${timings}`, `  cpu:      ${String(ob.cpu)}`);
  }
  if (info.providers) lines.push(`  providers: ${(info.providers as string[]).join(', ')}`);
  if (info.cudaUnavailable) lines.push(`  cuda:     not used: ${String(info.cudaUnavailable)}`);
  return lines;
}

/** `onnx fp32: 32 tok 812/s, 128 tok 231/s, 256 tok 98/s` */
export function timingLine(t: BackendTiming): string {
  const name = `${t.type} ${t.precision}${t.eligible ? '' : ' (not eligible: other vectors)'}`;
  if (t.totalMs === null) return `${name}: failed (${t.error ?? 'unknown'})`;
  return `${name}: ${t.perLength.map((p) => `${p.tokens} tok ${p.textsPerSecond}/s`).join(', ')}`;
}
