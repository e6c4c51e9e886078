import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import {
  registerServiceCommands,
  type ServiceCommandDeps,
} from '../../../src/cli/commands/daemon-service.js';
import { errorJson, exitCodeFor, formatError } from '../../../src/cli/output.js';
import type { CommandResult, CommandRunner } from '../../../src/service/types.js';

/**
 * Stands in for launchctl and systemctl. launchd does not exist on Linux and this sandbox has
 * no systemd user manager, so the service manager itself cannot run here: the commands are the
 * contract, and this records each one exactly and answers from a script. It goes in through the
 * constructor-injected CommandRunner seam; everything else (files, config, plans) is real.
 */
export class RecordingRunner implements CommandRunner {
  readonly calls: string[][] = [];
  readonly #answers: Array<{ prefix: readonly string[]; result: CommandResult; times: number }> = [];

  /** Answer commands starting with `prefix` with `result`, `times` times (default: always). */
  answer(prefix: readonly string[], result: CommandResult, times = Number.POSITIVE_INFINITY): this {
    this.#answers.push({ prefix, result, times });
    return this;
  }

  async run(argv: readonly string[]): Promise<CommandResult> {
    this.calls.push([...argv]);
    const hit = this.#answers.find((a) => a.times > 0 && a.prefix.every((word, i) => argv[i] === word));
    if (!hit) return { status: 'exited', exitCode: 0, stdout: '', stderr: '' };
    hit.times--;
    return hit.result;
  }
}

export function exited(exitCode: number, stderr = '', stdout = ''): CommandResult {
  return { status: 'exited', exitCode, stdout, stderr };
}

export interface TempHome {
  readonly root: string;
  readonly home: string;
  readonly configPath: string;
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

/**
 * A fresh HOME with a default config (`~/.config/ragctl/config.yaml`) whose data dir and
 * source folder have spaces, an ampersand and quotes in their names.
 */
export async function tempHome(): Promise<TempHome> {
  const root = await mkdtemp(join(tmpdir(), 'ragctl-service-'));
  const home = join(root, 'home');
  const notes = join(root, `Jane's "R&D" notes`);
  const dataDir = join(root, 'data & index');
  const configPath = join(home, '.config', 'ragctl', 'config.yaml');
  mkdirSync(notes, { recursive: true });
  writeConfig(configPath, dataDir, notes);
  return {
    root,
    home,
    configPath,
    dataDir,
    env: { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), PATH: process.env.PATH },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

export function writeConfig(path: string, dataDir: string, source: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `dataDir: ${JSON.stringify(dataDir)}\nsources:\n  - path: ${JSON.stringify(source)}\n`);
}

export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `ragctl daemon <args>` as main.ts runs commands: the same global options, the same error
 * output and exit codes (from output.ts), with the service commands under a `daemon` command.
 */
export async function runDaemonCli(args: readonly string[], deps: ServiceCommandDeps): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const program = new Command('ragctl')
    .option('-c, --config <file>')
    .option('--json')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        stdout += s;
      },
      writeErr: (s) => {
        stderr += s;
      },
    });
  const daemon = program.command('daemon');
  registerServiceCommands(daemon, {
    ...deps,
    stdout: {
      write: (s: string) => {
        stdout += s;
      },
    },
  });
  try {
    await program.parseAsync(['node', 'ragctl', 'daemon', ...args]);
    return { exitCode: 0, stdout, stderr };
  } catch (err) {
    if (err instanceof CommanderError) return { exitCode: 2, stdout, stderr };
    if (args.includes('--json')) stdout += `${JSON.stringify(errorJson(err))}\n`;
    else stderr += `${formatError(err)}\n`;
    return { exitCode: exitCodeFor(err), stdout, stderr };
  }
}

/** Parses a plist with Python's plistlib (a real parser) into a typed tree: {t, v}. */
export function parsePlist(xml: string): PlistValue {
  const script = `
import json, plistlib, sys
def typed(v):
    if isinstance(v, bool): return {"t": "bool", "v": v}
    if isinstance(v, int): return {"t": "int", "v": v}
    if isinstance(v, float): return {"t": "real", "v": v}
    if isinstance(v, str): return {"t": "string", "v": v}
    if isinstance(v, list): return {"t": "array", "v": [typed(x) for x in v]}
    if isinstance(v, dict): return {"t": "dict", "v": {k: typed(x) for k, x in v.items()}}
    return {"t": type(v).__name__, "v": repr(v)}
print(json.dumps(typed(plistlib.loads(sys.stdin.buffer.read(), fmt=plistlib.FMT_XML))))
`;
  return JSON.parse(
    execFileSync('python3', ['-c', script], { input: xml, encoding: 'utf8', stdio: 'pipe' }),
  ) as PlistValue;
}

export type PlistValue =
  | { t: 'bool'; v: boolean }
  | { t: 'int' | 'real'; v: number }
  | { t: 'string'; v: string }
  | { t: 'array'; v: PlistValue[] }
  | { t: 'dict'; v: Record<string, PlistValue> };

/** A typed plist tree back to plain values, for whole-structure comparisons. */
export function plain(value: PlistValue): unknown {
  if (value.t === 'array') return value.v.map(plain);
  if (value.t === 'dict') return Object.fromEntries(Object.entries(value.v).map(([k, v]) => [k, plain(v)]));
  return value.v;
}
