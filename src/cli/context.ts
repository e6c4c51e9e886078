import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { createLogger, type Logger } from '../log.js';
import type { GlobalOptions } from './main.js';

/** Config and a stderr logger for a one-shot command. Warnings only, unless RAGCTL_LOG_LEVEL says more. */
export function commandContext(g: GlobalOptions): { config: Config; logger: Logger } {
  const config = loadConfig({ configPath: g.config, allowMissing: false });
  const level = (process.env.RAGCTL_LOG_LEVEL as 'warn' | undefined) ?? 'warn';
  // Pretty on a terminal (pino-pretty), JSON lines when piped.
  return { config, logger: createLogger({ level }) };
}
