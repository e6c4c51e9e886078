import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GLIBC_DAEMON_ENV } from '../daemon/glibc-env.js';
import { errnoCode } from '../errors.js';
import { ServiceError } from './errors.js';
import type { InstalledCommand, ServicePlatform, ServiceSpec } from './types.js';

export const BASE_LABEL = 'com.ragctl.ragd';
export const BASE_UNIT = 'ragd';

/**
 * Variables copied from the installing shell into the service when set there: each moves a
 * folder ragctl reads (the data dir on Linux, the model cache, MLX's kernel cache). A launchd
 * agent or systemd user unit does not see the shell's exports, so without them the daemon
 * would look for the index and the model somewhere other than where `ragctl` does.
 */
export const PASSED_ENV = ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'HF_HOME', 'HF_HUB_CACHE'] as const;

/**
 * Folders after node's on the service's PATH: the system's usual tools (MLX compiles its fused
 * kernels with g++ from /usr/bin on Linux). The service manager's own PATH is minimal.
 */
const SYSTEM_PATH = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/** The longest readable part of a suffix; the hash after it keeps suffixes distinct. */
const SLUG_CHARS = 24;
const HASH_HEX_CHARS = 8;

export interface SpecInput {
  readonly platform: ServicePlatform;
  /** Absolute path of the config the daemon will run with. */
  readonly configPath: string;
  /** Whether that is the default config (`~/.config/ragctl/config.yaml`): no suffix then. */
  readonly isDefaultConfig: boolean;
  readonly dataDir: string;
  readonly logFile: string;
  readonly home: string;
  readonly uid: number;
  readonly nodePath: string;
  readonly cliPath: string;
  /** The installing shell's environment: PASSED_ENV and XDG_CONFIG_HOME are read from it. */
  readonly env: NodeJS.ProcessEnv;
}

/** Names, files and environment of the service for one config, on one platform. */
export function buildServiceSpec(input: SpecInput): ServiceSpec {
  const suffix = input.isDefaultConfig ? null : configSuffix(input.configPath);
  const logDir = join(input.dataDir, 'logs');
  const environment: Record<string, string> = {
    PATH: [dirname(input.nodePath), ...SYSTEM_PATH.filter((p) => p !== dirname(input.nodePath))].join(
      delimiter,
    ),
    HOME: input.home,
    // LanceDB's Rust core logs warnings to stderr by default; the daemon has its own log.
    LANCEDB_LOG: 'error',
  };
  // glibc's allocator settings, set where the daemon starts so it need not run itself again to
  // get them (src/daemon/glibc-env.ts says why them).
  if (input.platform === 'systemd') Object.assign(environment, GLIBC_DAEMON_ENV);
  for (const key of PASSED_ENV) {
    const value = input.env[key];
    if (value) environment[key] = value;
  }
  const { name, file } = serviceFile(input.platform, suffix, input.home, input.env);
  const spec: ServiceSpec = {
    platform: input.platform,
    name,
    suffix,
    file,
    nodePath: input.nodePath,
    cliPath: input.cliPath,
    configPath: input.configPath,
    home: input.home,
    uid: input.uid,
    stdoutPath: join(logDir, 'ragd.stdout.log'),
    stderrPath: join(logDir, 'ragd.stderr.log'),
    logFile: input.logFile,
    environment: Object.freeze(environment),
  };
  assertRepresentable(spec);
  return Object.freeze(spec);
}

/** The service's name and the file that installs it, for a config's suffix (null: the default config). */
export function serviceFile(
  platform: ServicePlatform,
  suffix: string | null,
  home: string,
  env: NodeJS.ProcessEnv,
): { name: string; file: string } {
  if (platform === 'launchd') {
    const name = suffix ? `${BASE_LABEL}.${suffix}` : BASE_LABEL;
    return { name, file: join(home, 'Library', 'LaunchAgents', `${name}.plist`) };
  }
  const name = suffix ? `${BASE_UNIT}-${suffix}.service` : `${BASE_UNIT}.service`;
  // The user manager searches $XDG_CONFIG_HOME/systemd/user, ~/.config when unset.
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  return { name, file: join(configHome, 'systemd', 'user', name) };
}

/** The daemon's command line: node, the CLI, `daemon run --config <file>`. */
export function programArguments(spec: ServiceSpec): string[] {
  return [spec.nodePath, spec.cliPath, 'daemon', 'run', '--config', spec.configPath];
}

/** node, the CLI and `--config <file>` picked out of a daemon command line. */
export function commandFromArgv(argv: readonly string[]): InstalledCommand | null {
  const [nodePath, cliPath] = argv;
  if (!nodePath) return null;
  const at = argv.indexOf('--config');
  return {
    nodePath,
    cliPath: cliPath ?? null,
    configPath: at >= 0 ? (argv[at + 1] ?? null) : null,
    argv: [...argv],
  };
}

/**
 * `work-1a2b3c4d` for `~/work/ragctl.yaml`… : the config's name (its folder's when the file is
 * just `config.yaml`) for people, a hash of the full path so two configs never share a label.
 */
export function configSuffix(configPath: string): string {
  const stem = basename(configPath).replace(/\.ya?ml$/i, '');
  const words = stem.toLowerCase() === 'config' ? basename(dirname(configPath)) : stem;
  const slug = words
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, SLUG_CHARS)
    .replace(/^-+|-+$/g, '');
  const hash = createHash('sha256').update(configPath).digest('hex').slice(0, HASH_HEX_CHARS);
  return slug ? `${slug}-${hash}` : hash;
}

/**
 * The node to run. A version manager's or Homebrew's node lives in a versioned folder that the
 * next upgrade deletes; when the `node` on PATH is the same binary, its stable path survives
 * upgrades, so prefer it.
 */
export function stableNodePath(execPath: string, pathVar: string | undefined): string {
  const real = realpathOrNull(execPath);
  if (!real) return execPath;
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir.startsWith('/')) continue;
    const candidate = join(dir, 'node');
    if (candidate === execPath) return execPath;
    if (realpathOrNull(candidate) === real) return candidate;
  }
  return execPath;
}

/** `bin/ragctl.js` of the ragctl this code belongs to (src/service and dist/service alike). */
export function thisCliPath(): string {
  const path = fileURLToPath(new URL('../../bin/ragctl.js', import.meta.url));
  return realpathOrNull(path) ?? path;
}

/** The real path, or null where there is none to find or it cannot be resolved for this user. */
export function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch (err) {
    if (UNRESOLVABLE.has(errnoCode(err) ?? '')) return null;
    throw err;
  }
}

/**
 * Missing, not a folder, a folder this user may not read (a PATH entry such as another user's
 * ~/go/bin), a symlink loop, a name too long.
 */
const UNRESOLVABLE = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'ELOOP', 'ENAMETOOLONG']);

/**
 * A plist holds any XML text and a unit line any printable text, but neither holds control
 * characters that survive every reader: refuse them up front with the value named.
 */
function assertRepresentable(spec: ServiceSpec): void {
  const values: Array<[string, string]> = [
    ['node path', spec.nodePath],
    ['ragctl path', spec.cliPath],
    ['config path', spec.configPath],
    ['home folder', spec.home],
    ['log folder', spec.stdoutPath],
    ...Object.entries(spec.environment).map(([k, v]): [string, string] => [`$${k}`, v]),
  ];
  // systemd refuses to run an executable whose path has quotes or backslashes (it checks the
  // unquoted path, so no quoting helps); the arguments after it may have anything.
  if (spec.platform === 'systemd' && /["'\\]/.test(spec.nodePath)) {
    throw new ServiceError(
      'unrepresentable',
      `systemd cannot run node from ${JSON.stringify(spec.nodePath)}`,
      {
        fix: 'put node in a folder whose path has no quotes or backslashes (or link it from one on PATH), then install again',
      },
    );
  }
  for (const [what, value] of values) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      throw new ServiceError(
        'unrepresentable',
        `the ${what} ${JSON.stringify(value)} has control characters`,
        {
          fix: 'rename the file or folder (no tabs, newlines or other control characters), then install again',
        },
      );
    }
  }
}
