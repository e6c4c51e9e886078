import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultConfigPath } from '../config/paths.js';
import { shellQuote } from './errors.js';
import { configSuffix, serviceFile } from './spec.js';

/**
 * How to start the daemon for a config, as a fix a person can paste: `ragctl daemon start`
 * only where its service is installed (elsewhere that command fails: "not installed"), else
 * `daemon run` in a terminal or `daemon install`; with `--config` unless the config is the
 * default one, which every command finds without it.
 */
export function startDaemonFix(configFile: string | null, env: NodeJS.ProcessEnv = process.env): string {
  const flag = configFlag(configFile, env);
  const run = `\`ragctl daemon run${flag}\` in a terminal`;
  // Without a service manager to talk to (a container, a shell with no systemd user session),
  // install and start fail: a terminal is the way.
  if (!serviceManagerReachable(env)) return run;
  if (serviceInstalled(configFile, env)) return `\`ragctl daemon start${flag}\``;
  return `${run}, or \`ragctl daemon install${flag}\` to keep it running in the background`;
}

/**
 * The commands named in a hint (`ragctl status`, `ragctl daemon run`…) with `--config <file>`
 * where the config is not the default one, so that each does what the hint says when pasted.
 */
export function withConfigFlag(
  text: string,
  configFile: string | null,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const flag = configFlag(configFile, env);
  if (!flag) return text;
  return text.replace(
    /`ragctl ((?:daemon )?[a-z]+)`/g,
    (_, command: string) => `\`ragctl ${command}${flag}\``,
  );
}

/** How to (re)build the index: `ragctl index`, or a daemon started as `startDaemonFix` says. */
export function writerFix(configFile: string | null, env: NodeJS.ProcessEnv = process.env): string {
  return `run \`ragctl index${configFlag(configFile, env)}\`, or start the daemon (${startDaemonFix(configFile, env)})`;
}

/** ` --config <file>` for a config other than the default; '' for the default or none. */
export function configFlag(configFile: string | null, env: NodeJS.ProcessEnv = process.env): string {
  return configFile && configFile !== defaultConfigPath(env) ? ` --config ${shellQuote(configFile)}` : '';
}

/** launchd always runs; systemd's user manager only where its bus is ($XDG_RUNTIME_DIR/bus). */
function serviceManagerReachable(env: NodeJS.ProcessEnv): boolean {
  if (process.platform === 'darwin') return true;
  if (process.platform !== 'linux') return false;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return existsSync(join(env.XDG_RUNTIME_DIR || `/run/user/${uid}`, 'bus'));
}

function serviceInstalled(configFile: string | null, env: NodeJS.ProcessEnv): boolean {
  if (process.platform !== 'darwin' && process.platform !== 'linux') return false;
  const isDefault = !configFile || configFile === defaultConfigPath(env);
  const suffix = isDefault ? null : configSuffix(configFile);
  const platform = process.platform === 'darwin' ? 'launchd' : 'systemd';
  return existsSync(serviceFile(platform, suffix, homedir(), env).file);
}
