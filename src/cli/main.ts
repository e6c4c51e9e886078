import { Command, CommanderError } from 'commander';
import { prepareLanceEnv } from '../store/lance-env.js';
import { registerBench } from './commands/bench.js';
import { registerCompletion } from './commands/completion.js';
import { registerContext } from './commands/context.js';
import { registerControl } from './commands/control.js';
import { registerDaemon } from './commands/daemon.js';
import { registerIndex } from './commands/index-cmd.js';
import { registerMcp } from './commands/mcp.js';
import { registerModel } from './commands/model.js';
import { registerSearch, type SearchCommandOptions } from './commands/search.js';
import { registerSources } from './commands/sources.js';
import { registerSql } from './commands/sql.js';
import { registerStatus } from './commands/status.js';
import { EXIT, errorJson, exitCodeFor, formatError, printJson } from './output.js';

export interface GlobalOptions {
  config?: string;
  json?: boolean;
}

const HELP_FOOTER = `
Config: --config <file>, else $RAGCTL_CONFIG, else ~/.config/ragctl/config.yaml.
Exit codes: 0 ok · 1 failure · 2 bad usage or config · 3 no daemon · 4 model missing or unusable · 5 index locked.
Every command takes --json for scripts.`;

/** `search` takes the registered engines' filters; tests pass a registry's own (see SearchCommandOptions). */
export function buildProgram(options: { search?: SearchCommandOptions } = {}): Command {
  const program = new Command('ragctl')
    .description('A private, always-on search engine for your own files.')
    .option('-c, --config <file>', 'config file (default: $RAGCTL_CONFIG or ~/.config/ragctl/config.yaml)')
    .option('--json', 'machine-readable output on stdout')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', HELP_FOOTER)
    .exitOverride();
  registerSearch(program, options.search);
  registerContext(program, { filters: options.search?.filters });
  registerIndex(program);
  registerSources(program);
  registerStatus(program);
  registerControl(program);
  registerDaemon(program);
  registerModel(program);
  registerMcp(program, { filters: options.search?.filters });
  registerCompletion(program);
  registerSql(program);
  registerBench(program);
  return program;
}

/**
 * A reader that stops early (`ragctl search … | head`) closes the pipe under our next write: the
 * command ends quietly then, as grep and git do, instead of dying on an unhandled EPIPE with a
 * stack trace. A command that listens for its own stdout errors (`ragctl mcp`: a client gone
 * mid-reply) ends itself.
 */
function endQuietlyOnClosedStdout(): void {
  const onError = (err: NodeJS.ErrnoException) => {
    if (process.stdout.listenerCount('error') > 1) return;
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  };
  process.stdout.on('error', onError);
}

export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedStdout();
  // Before any command loads LanceDB: it reads LANCEDB_LOG when it loads.
  prepareLanceEnv();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander; they already printed.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return EXIT.ok;
      const hint = dashQueryHint(err, argv);
      if (hint) process.stderr.write(`${hint}\n`);
      return EXIT.usage;
    }
    if (argv.includes('--json')) printJson(errorJson(err));
    else process.stderr.write(`${formatError(err)}\n`);
    return exitCodeFor(err);
  }
}

/**
 * `ragctl search "--dry-run"`: the shell passes the query without its quotes, and commander reads
 * it as an option (unknown, or one that takes the query as its value and leaves none).
 */
function dashQueryHint(err: CommanderError, argv: readonly string[]): string | undefined {
  if (err.code !== 'commander.unknownOption' && err.code !== 'commander.missingArgument') return undefined;
  const args = argv.slice(2);
  const command = args.find((a) => a === 'search' || a === 'context');
  if (!command || args.includes('--')) return undefined;
  const after = args.slice(args.indexOf(command) + 1);
  // The unknown option is the query; or the query was a known flag, and none is left after it
  // (`--config x.yaml` with no query is a query forgotten, not one taken for a flag).
  const last = after.at(-1);
  const dashed =
    err.code === 'commander.unknownOption'
      ? after.find((a) => err.message.includes(`'${a}'`))
      : last !== undefined && /^--[a-z]/i.test(last)
        ? last
        : undefined;
  if (!dashed) return undefined;
  return `if "${dashed}" is what to ${command === 'search' ? 'search for' : 'ask about'}, put -- before it: ragctl ${command} [options] -- "${dashed}"`;
}
