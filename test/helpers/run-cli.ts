import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real entry point: `bin/ragctl.js` runs `dist/`, so build (`npx tsc -p tsconfig.json`) first. */
export const RAGCTL_BIN = fileURLToPath(new URL('../../bin/ragctl.js', import.meta.url));

/**
 * A CLI run that takes longer than this is stuck, not slow (the model loads in seconds); a run
 * that embeds hundreds of chunks passes its own `timeoutMs`.
 */
const CLI_TIMEOUT_MS = 60_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/ragctl.js …args` as a child process, in `cwd`, with stdout and stderr piped
 * (so neither is a TTY: no progress bar, no colours). Resolves when it exits, whatever the code.
 */
export function runCli(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? CLI_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    // Never let the test runner's own settings choose the config.
    delete env.RAGCTL_CONFIG;
    const child = spawn(process.execPath, [RAGCTL_BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ragctl ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parses stdout that must be exactly one line of JSON. */
export function oneJsonLine(result: CliResult): Record<string, unknown> {
  const lines = result.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== 1)
    throw new Error(`expected one line of JSON on stdout, got:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

/**
 * The hits of `ragctl search --json --explain --engine <engine> --mode <mode> -k <k> <query>`
 * run by `ragctl` (a runCli bound to a config); a failed run throws with its stderr.
 */
export async function explainedHits<T>(
  ragctl: (...args: string[]) => Promise<CliResult>,
  engine: string,
  mode: string,
  query: string,
  k = 10,
): Promise<T[]> {
  const result = await ragctl(
    'search',
    '--json',
    '--explain',
    '--engine',
    engine,
    '--mode',
    mode,
    '-k',
    String(k),
    query,
  );
  if (result.code !== 0) throw new Error(`ragctl search exited ${result.code}: ${result.stderr}`);
  return oneJsonLine(result).results as T[];
}

/** What `--explain --json` says of a hybrid hit's fusion, as far as a rank-down test reads it. */
export interface FusionOfHit {
  explain: {
    fusion: {
      weights: { vector: number; text: number };
      normalized: { vector: number | null; text: number | null };
      rankDown?: number;
      rankDownFor?: string[];
    } | null;
  };
}

/** A hybrid hit's two legs fused, before any rank-down: from what `explain` says of it. */
export function fusedBeforeRankDown(hit: FusionOfHit | undefined, name = 'hit'): number {
  const f = hit?.explain.fusion;
  if (!f) throw new Error(`no fusion explained for ${name}`);
  return f.weights.vector * (f.normalized.vector ?? 0) + f.weights.text * (f.normalized.text ?? 0);
}
