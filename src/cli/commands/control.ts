import { resolve } from 'node:path';
import type { Command } from 'commander';
import { chooseConfigPath, loadConfig } from '../../config/load.js';
import { isRagError, RagError } from '../../errors.js';
import { request } from '../../ipc/client.js';
import type { Method, ParamsOf, ResultOf } from '../../ipc/protocol.js';
import { configFlag, startDaemonFix, withConfigFlag } from '../../service/start-hint.js';
import type { GlobalOptions } from '../main.js';
import { printJson } from '../output.js';

/** `reindex`, `pause`, `resume`: requests only a running daemon can answer. */
export function registerControl(program: Command): void {
  program
    .command('reindex')
    .argument('[path]', 'a file or folder inside a source (default: everything)')
    .description(
      'ask the daemon to walk the sources (or a folder) again and index what changed; a file named is read again even if its size and time did not change',
    )
    .action(async (path: string | undefined, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      // Resolved here: the daemon runs in another directory, so a relative path is the user's.
      const result = await ask(g, 'reindex', path ? { path: resolve(path) } : {});
      if (g.json) printJson(result);
      else
        process.stdout.write(
          withConfigFlag(
            `Queued ${result.queued} path${result.queued === 1 ? '' : 's'}; \`ragctl status\` shows progress.\n`,
            chooseConfigPath({ configPath: g.config }).path,
          ),
        );
    });
  program
    .command('pause')
    .description('stop indexing until `ragctl resume` (changes keep being noticed; search keeps working)')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const result = await ask(g, 'pause', {});
      if (g.json) printJson(result);
      else process.stdout.write(`Daemon ${result.state}.\n`);
    });
  program
    .command('resume')
    .description('resume indexing after `ragctl pause`')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const result = await ask(g, 'resume', {});
      if (g.json) printJson(result);
      else process.stdout.write(`Daemon resumed (${result.state}).\n`);
    });
}

async function ask<M extends Method>(g: GlobalOptions, method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
  const config = loadConfig({ configPath: g.config });
  try {
    return await request(config.socketPath, method, params);
  } catch (err) {
    if (isRagError(err) && err.code === 'E_NO_DAEMON') {
      throw new RagError(
        'E_NO_DAEMON',
        `no daemon is running for ${config.configFile ?? 'the default config'} (socket ${config.socketPath})`,
        {
          fix:
            method === 'reindex'
              ? `start it with ${startDaemonFix(config.configFile)}; or index once with \`ragctl index${configFlag(config.configFile)}\``
              : `start it with ${startDaemonFix(config.configFile)}`,
        },
      );
    }
    throw err;
  }
}
