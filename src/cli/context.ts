import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { createLogger, type Logger } from '../log.js';
import type { GlobalOptions } from './main.js';

/** Config and a stderr logger for a one-shot command. Warnings only, unless RAGCTL_LOG_LEVEL says more. */
export function commandContext(g: GlobalOptions): { config: Config; logger: Logger } {
  const config = loadConfig({ configPath: g.config, allowMissing: false });
  const level = (process.env.RAGCTL_LOG_LEVEL as 'warn' | undefined) ?? 'warn';
  return { config, logger: createLogger({ level, pretty: false }) };
}

/** `~/x` for paths in the home folder, `./x` under the current folder: shorter to read. */
export function displayPath(path: string): string {
  const cwd = process.cwd();
  if (path.startsWith(`${cwd}/`)) return path.slice(cwd.length + 1);
  const home = process.env.HOME;
  if (home && path.startsWith(`${home}/`)) return `~/${path.slice(home.length + 1)}`;
  return path;
}
