import { availableParallelism } from 'node:os';
import { cpuIdentity, openBlasChoiceFile, readOpenBlasChoice } from './mlx/openblas.js';
import { cudaProviderMissing, executionProviders } from './onnx/providers.js';

/**
 * What would run an embedder type on this machine, without loading it: for `ragctl model
 * info`. MLX on the CPU reports the OpenBLAS kernels the embed worker chose by measurement;
 * onnx reports its execution providers and, where CUDA is not used, why.
 */
export function describeRuntime(type: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  switch (type) {
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
