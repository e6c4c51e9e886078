import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errnoCode, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { measurementFile, readMeasurement, writeMeasurement } from '../measurement-cache.js';

/**
 * OpenBLAS core types tried on x86-64, besides its own detection (`null`). The OpenBLAS inside
 * node-mlx does not know every CPU: on a newer Xeon it detects "Prescott" and runs SSE3
 * kernels, several times slower than the AVX-512 ones the CPU could run. Which one is fastest
 * is measured, not guessed from cpuid: a type the CPU cannot run dies with SIGILL and drops out.
 */
const X64_CORE_TYPES: ReadonlyArray<string | null> = [
  null,
  'Haswell',
  'Zen',
  'SkylakeX',
  'Cooperlake',
  'SapphireRapids',
];
/** A probe is a node start, the library load and ~1 GFLOP × 7: seconds even on a busy machine. */
const PROBE_TIMEOUT_MS = 30_000;
/**
 * A core type replaces OpenBLAS's own detection only when it is at least 10 % faster: timings
 * on a shared machine move by a few percent, and a tie must not flip the choice.
 */
const MIN_GAIN = 0.1;
/** Rounds over the candidates (~1 s a probe): the first start on a CPU pays ~10 s, once. */
const PROBE_ROUNDS = 2;
/** Bump when the probe or the candidates change: older measurements are then taken again. */
const CHOICE_VERSION = 2;

export interface OpenBlasTiming {
  coreType: string | null;
  threads: number;
  /** null: the probe failed (`error` says how). */
  ms: number | null;
  error?: string;
}

/** The kernels MLX's CPU backend runs with, and how they were chosen. */
export interface OpenBlasChoice {
  /** null: OpenBLAS's own detection was fastest (the variable is left unset). */
  coreType: string | null;
  threads: number;
  /** `measured` (now), `cache` (measured before on this CPU), `environment` (set by the user), `none` (not x86-64 Linux). */
  source: 'measured' | 'cache' | 'environment' | 'none';
  cpu: string;
  measuredAt?: string;
  timings?: OpenBlasTiming[];
  /** Where the measurement is kept. */
  file?: string;
}

/** The variables the MLX worker process starts with for a choice. */
export function openBlasEnv(choice: OpenBlasChoice): Record<string, string> {
  if (choice.source === 'environment' || choice.source === 'none') return {};
  const env: Record<string, string> = { OPENBLAS_NUM_THREADS: String(choice.threads) };
  if (choice.coreType) env.OPENBLAS_CORETYPE = choice.coreType;
  return env;
}

/**
 * The OpenBLAS core type and thread count for this CPU: what the user exported, else the
 * measurement cached for this CPU model, else a measurement now (a few seconds, once per CPU
 * model and ragctl's probe version), written to the cache.
 */
export async function chooseOpenBlas(env: NodeJS.ProcessEnv, log: Logger): Promise<OpenBlasChoice> {
  const cpu = cpuIdentity();
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return { coreType: null, threads: availableParallelism(), source: 'none', cpu };
  if (env.OPENBLAS_CORETYPE)
    return {
      coreType: env.OPENBLAS_CORETYPE,
      threads: Number.parseInt(env.OPENBLAS_NUM_THREADS ?? '', 10) || availableParallelism(),
      source: 'environment',
      cpu,
    };
  const file = openBlasChoiceFile(env);
  const cached = readOpenBlasChoice(file, log);
  if (cached) return { ...cached, source: 'cache', file };

  // Rounds over all candidates, best time each: a burst of load on a shared machine then hits
  // one round of a candidate, not all of its tries.
  const timings: OpenBlasTiming[] = [];
  for (let round = 0; round < PROBE_ROUNDS; round++) {
    for (const [i, coreType] of X64_CORE_TYPES.entries()) {
      const t = await probe(env, coreType, availableParallelism());
      const best = timings[i];
      if (!best) timings[i] = t;
      else if (t.ms === null || best.ms === null) timings[i] = t.ms === null ? t : best;
      else if (t.ms < best.ms) timings[i] = t;
    }
  }
  const ok = timings.filter((t): t is OpenBlasTiming & { ms: number } => t.ms !== null);
  if (ok.length === 0) {
    log.warn({ timings }, 'every OpenBLAS probe failed; MLX keeps OpenBLAS’s own kernel choice');
    return { coreType: null, threads: availableParallelism(), source: 'measured', cpu, timings };
  }
  const fastest = ok.reduce((a, b) => (b.ms < a.ms ? b : a));
  const detected = ok.find((t) => t.coreType === null);
  const best = detected && fastest.ms > detected.ms * (1 - MIN_GAIN) ? detected : fastest;
  const choice: OpenBlasChoice = {
    coreType: best.coreType,
    threads: best.threads,
    source: 'measured',
    cpu,
    measuredAt: new Date().toISOString(),
    timings,
    file,
  };
  writeMeasurement(file, choice, 'OpenBLAS measurement', log);
  log.info(
    { coreType: choice.coreType ?? 'auto', timings },
    'chose the OpenBLAS kernels for this CPU by measurement',
  );
  return choice;
}

/** The file a measurement for this CPU is kept in: `~/.cache/ragctl/openblas-<cpu key>.json`. */
export function openBlasChoiceFile(env: NodeJS.ProcessEnv = process.env): string {
  return measurementFile('openblas', `${cpuIdentity()}|${availableParallelism()}|v${CHOICE_VERSION}`, env);
}

/** The measured choice for this CPU, if one was made (for `ragctl model info`). */
export function readOpenBlasChoice(file: string, log?: Logger): OpenBlasChoice | undefined {
  return readMeasurement<OpenBlasChoice>(
    file,
    (json) =>
      typeof json.threads === 'number' && (json.coreType === null || typeof json.coreType === 'string'),
    'OpenBLAS measurement',
    log,
  );
}

/** CPU model name, family and model (what OpenBLAS's detection goes by). */
export function cpuIdentity(): string {
  const name = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const family = /^cpu family\s*:\s*(\d+)/m.exec(info)?.[1];
    const model = /^model\s*:\s*(\d+)/m.exec(info)?.[1];
    if (family && model) return `${name} (family ${family}, model ${model})`;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  return name;
}

function probe(env: NodeJS.ProcessEnv, coreType: string | null, threads: number): Promise<OpenBlasTiming> {
  const entry = probeEntry();
  const { OPENBLAS_CORETYPE: _unset, ...rest } = env;
  const probeEnv = {
    ...rest,
    OPENBLAS_NUM_THREADS: String(threads),
    ...(coreType ? { OPENBLAS_CORETYPE: coreType } : {}),
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [entry], { env: probeEnv, timeout: PROBE_TIMEOUT_MS }, (err, stdout) => {
      if (err) {
        resolve({
          coreType,
          threads,
          ms: null,
          error: err.signal ? `killed by ${err.signal}` : errorMessage(err),
        });
        return;
      }
      const ms = parseTiming(stdout);
      resolve(
        ms === undefined
          ? { coreType, threads, ms: null, error: 'no timing in its output' }
          : { coreType, threads, ms },
      );
    });
  });
}

/** `openblas-probe.js` beside this file in dist/; run from source (tests), still the compiled one. */
function probeEntry(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'openblas-probe.js');
  return join(dirname(here), '..', '..', '..', 'dist', 'embed', 'mlx', 'openblas-probe.js');
}

/** The probe's last line, `{"ms": …}`, rounded; undefined if it printed something else. */
function parseTiming(stdout: string): number | undefined {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('{')) return undefined;
  try {
    const ms = Number((JSON.parse(line) as { ms?: unknown }).ms);
    return Number.isFinite(ms) ? Math.round(ms) : undefined;
  } catch {
    return undefined; // Not JSON after all: reported as a failed probe.
  }
}
