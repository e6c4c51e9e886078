import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { GlobalOptions } from './main.js';

/**
 * Config and a stderr logger for a one-shot command: warnings only unless RAGCTL_LOG_LEVEL says
 * more; pretty on a terminal (pino-pretty), JSON lines when piped. pino is imported here, not
 * at the top, so the commands that need no logger (search through a daemon) never load it.
 */
export async function commandContext(g: GlobalOptions): Promise<{ config: Config; logger: Logger }> {
  const config = loadConfig({ configPath: g.config, allowMissing: false });
  const level = (process.env.RAGCTL_LOG_LEVEL as 'warn' | undefined) ?? 'warn';
  const { createLogger } = await import('../log.js');
  return { config, logger: createLogger({ level }) };
}
