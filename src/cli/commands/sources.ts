import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { withoutSource, withSource } from '../../config/edit.js';
import { chooseConfigPath, DEFAULTS, resolveConfig, resolveConfigText } from '../../config/load.js';
import { resolveUserPath } from '../../config/paths.js';
import type { Config } from '../../config/types.js';
import { errnoCode, errorMessage, isRagError, RagError } from '../../errors.js';
import { request } from '../../ipc/client.js';
import { isInside } from '../../paths.js';
import { PathFilter } from '../../pipeline/path-filter.js';
import { guessEngines, lookAtSource, type UnmatchedSource } from '../../pipeline/source-check.js';
import { startDaemonFix, withConfigFlag } from '../../service/start-hint.js';
import { displayPath } from '../display.js';
import type { GlobalOptions } from '../main.js';
import { printJson } from '../output.js';

/** `add` and `remove`: the config file's `sources:`, edited for the user. */
export function registerSources(program: Command): void {
  program
    .command('add')
    .argument('<folder>', 'the folder to index')
    .option(
      '--engine <names>',
      'how to read it: md (notes, docs), code or sql, or several (code,md) (default: guessed from its files)',
    )
    .description('add a folder to the sources in your config file (creating the file if needed)')
    .addHelpText(
      'after',
      `
Appends the folder under \`sources:\` in the config file (--config, $RAGCTL_CONFIG or
~/.config/ragctl/config.yaml), keeping the file's comments and the order of its keys, and
checks the result as \`ragctl index\` would: a folder that is missing, already read by that
engine, inside another source or holding one is refused, with what to do instead, and the file
is left as it was. Without --engine,
the engine whose files the folder mostly holds is chosen (notes and docs — Markdown, text,
rST, Org, AsciiDoc, HTML, notebooks, PDF, Word: md; source code: code; database logs and .sql:
sql), and md beside code when the folder holds docs or notebooks too (a project's README is
then searchable). A project's .sql files (schema, migrations, queries) go to sql through a
second entry that reads **/*.sql only, so that its *.log and *.json files are not taken for
query logs. With several engines each file goes to the first that reads it; a folder already
listed for another engine gets a second entry. A running daemon is told to reload its config,
and indexes the folder straight away.

Examples:
  ragctl add ~/notes
  ragctl add ~/src/shop               # engines code and md, guessed from its files (its .sql: sql)
  ragctl add ~/src/shop --engine code # its code only
  ragctl add /var/log/postgresql --engine sql`,
    )
    .action(async (folder: string, opts: { engine?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runAdd(folder, opts.engine, g);
    });
  program
    .command('remove')
    .argument('<folder>', 'a folder listed under `sources:`')
    .description('take a folder out of the sources in your config file; its files leave the index')
    .addHelpText(
      'after',
      `
Removes the folder's entry from \`sources:\` in the config file, keeping the rest of the file
as it was. A running daemon is told to reload its config and drops the folder's files from the
index; without one, the next \`ragctl index\` does. The files themselves are not touched.

Example:
  ragctl remove ~/notes/old`,
    )
    .action(async (folder: string, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runRemove(folder, g);
    });
}

async function runRemove(folder: string, g: GlobalOptions): Promise<void> {
  const path = resolve(folder);
  const env = process.env;
  const { path: file } = chooseConfigPath({ configPath: g.config, env });
  const fix = 'name the config file that lists the folder with --config';
  const text = readConfigText(file, fix);
  if (text === null) throw new RagError('E_CONFIG', `${file}: cannot read: ENOENT`, { fix });
  const base = dirname(file);
  const edit = withoutSource(text, (written) => resolveUserPath(written, base) === path, file);
  if (!edit.removed) {
    throw new RagError(
      'E_USAGE',
      `${path} is not a source in ${file} (sources: ${edit.listed.join(', ') || 'none'})`,
      {
        fix: 'name the folder as the config lists it (a relative path is taken from the current folder)',
      },
    );
  }
  // What is left must load, as `ragctl index` would load it: a config that would not is never written.
  const after = resolveConfigText(edit.text, file, env);
  writeAtomically(file, edit.text);
  const daemon = await reloadDaemon(after.socketPath);
  if (g.json) {
    printJson({ removed: { path }, config: file, daemon });
    return;
  }
  process.stdout.write(
    `Removed ${displayPath(path)} from ${displayPath(file)}.\n${
      daemon
        ? `The daemon (pid ${daemon.pid}) is reloading its config and drops the folder's files from the index.`
        : 'Its files leave the index at the next `ragctl index`.'
    }\n`,
  );
}

/** The config file's text; null when there is none. */
function readConfigText(file: string, fix?: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw new RagError('E_CONFIG', `${file}: cannot read: ${errnoCode(err) ?? errorMessage(err)}`, {
      ...(fix ? { fix } : {}),
    });
  }
}

/** A temp file renamed over the config: a crash leaves the old file or the new, never half of one. */
function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The folder that holds the index itself, or one above it: the index would watch its own writes. */
function refuseDataDir(path: string, dataDir: string, file: string): void {
  const where =
    path === dataDir
      ? 'is'
      : isInside(path, dataDir)
        ? 'is inside'
        : isInside(dataDir, path)
          ? 'holds'
          : undefined;
  if (!where) return;
  throw new RagError(
    'E_USAGE',
    `${displayPath(path)} ${where} ragctl's own index folder (dataDir ${displayPath(dataDir)}, ${displayPath(file)}): the index must not watch itself`,
    {
      fix:
        where === 'holds'
          ? `add the folders beside it instead, or set \`dataDir\` in ${displayPath(file)} to a folder outside ${displayPath(path)}`
          : 'nothing there is yours to search; add the folders that hold your files',
    },
  );
}

/**
 * What the config's own check would refuse, said in the terms of this command: the config's
 * check names an entry (`sources[3]`) that exists only in the file `add` did not write.
 */
function refuseOverlap(
  path: string,
  engines: readonly string[],
  sources: ReadonlyArray<{ path: string; engine: string }>,
  file: string,
): void {
  const shown = displayPath(path);
  const readers = sources.filter((s) => s.path === path).map((s) => s.engine);
  const again = engines.filter((e) => readers.includes(e));
  if (again.length) {
    const others = engines.filter((e) => !readers.includes(e));
    throw new RagError(
      'E_USAGE',
      `${shown} is a source already, read by engine${readers.length === 1 ? '' : 's'} ${readers.join(', ')} (${displayPath(file)})`,
      {
        fix: others.length
          ? `\`ragctl add ${shown} --engine ${others.join(',')}\` adds only the engines not reading it yet`
          : '`ragctl index` brings its files up to date; nothing to add',
      },
    );
  }
  const outer = sources.find((s) => isInside(path, s.path));
  if (outer) {
    throw new RagError(
      'E_USAGE',
      `${shown} is inside ${displayPath(outer.path)}, a source already (${displayPath(file)}): its files are indexed with it, and a file belongs to one source`,
      { fix: `nothing to add; \`ragctl search --path '${path}/**' …\` searches its files alone` },
    );
  }
  const inner = [...new Set(sources.filter((s) => isInside(s.path, path)).map((s) => s.path))];
  if (inner.length) {
    const listed = inner.map(displayPath);
    throw new RagError(
      'E_USAGE',
      `${shown} holds ${inner.length === 1 ? 'a source' : `${inner.length} sources`} already (${listed.join(', ')}; ${displayPath(file)}), and a file must belong to one source`,
      {
        fix: `\`ragctl remove\` ${inner.length === 1 ? 'it' : 'each'} first (${listed.map((p) => `ragctl remove ${p}`).join('; ')}), then \`ragctl add ${shown}\``,
      },
    );
  }
}

/**
 * The folder a path inside a source leads to when a link on the way leads out of it, and that
 * source: the walk of a source does not follow links to folders (they can loop, and the real
 * folder's source owns its files), so the folder to add is the one linked to. Undefined otherwise.
 */
function linkedOutOf(path: string, sources: Config['sources']): { real: string; source: string } | undefined {
  const real = realpathSync(path);
  if (real === path) return undefined;
  const holder = sources.find((s) => isInside(path, s.path));
  if (!holder || isInside(real, holder.path) || real === holder.path) return undefined;
  return { real, source: holder.path };
}

async function runAdd(folder: string, engineOption: string | undefined, g: GlobalOptions): Promise<void> {
  const given = resolve(folder);
  let path = given;
  try {
    if (!statSync(path).isDirectory()) throw new RagError('E_USAGE', `${path} is not a folder`);
  } catch (err) {
    if (isRagError(err)) throw err;
    const code = errnoCode(err);
    throw new RagError(
      'E_USAGE',
      `${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
    );
  }
  const env = process.env;
  const { path: file } = chooseConfigPath({ configPath: g.config, env });
  const text = readConfigText(file);
  const before = text === null ? resolveConfig({}, null, env) : resolveConfigText(text, file, env);
  // `notes/work` linked to ~/Dropbox/work: not "inside notes already", whose walk skips it.
  const linked = linkedOutOf(given, before.sources);
  if (linked) path = linked.real;
  // Guessed among the engines of the config as it is now, the built-in ones included.
  const guess = engineOption ? undefined : await guessEngines(path, before, DEFAULTS.exclude);
  const engines = engineOption ? engineList(engineOption) : guess!.engines;
  refuseOverlap(path, engines, before.sources, file);
  refuseDataDir(path, before.dataDir, file);

  // Written as the user would: `~/notes` for a folder in their home, so the file moves with it.
  const home = homedir();
  const written =
    path === home || isInside(path, home) ? `~${path.slice(home.length).split(sep).join('/')}` : path;
  const engine = engines.length === 1 ? engines[0]! : engines;
  let next = withSource(text, { path: written, ...(engine === 'md' ? {} : { engine }) }, file);
  // A project's .sql files (schema, migrations, queries) are the sql engine's, but its globs also
  // take every *.log, *.json and *.csv as a query log: a second entry reads the .sql files only.
  const sqlBeside =
    guess !== undefined &&
    !engines.includes('sql') &&
    guess.sqlFiles > 0 &&
    guess.counts.has('sql') &&
    !before.sources.some((s) => s.path === path && s.engine === 'sql');
  if (sqlBeside) next = withSource(next, { path: written, engine: 'sql', include: SQL_FILES }, file);
  // The same checks `ragctl index` makes (a duplicate, a source inside another, an undefined
  // engine): a config that would not load is never written.
  const after = resolveConfigText(next, file, env);
  writeAtomically(file, next);

  const daemon = await reloadDaemon(after.socketPath);
  const counts = guess ? Object.fromEntries(guess.counts) : undefined;
  // Nothing the chosen engines read (a config whose code engine lists some languages only): the
  // look `ragctl index` would make, and its fix, now rather than after an empty index.
  const unread =
    guess && engines.every((name) => !guess.counts.get(name)) ? await lookAtNew(after, path) : undefined;
  if (g.json) {
    printJson({
      added: {
        path,
        engines,
        ...(linked ? { linkedFrom: given } : {}),
        ...(sqlBeside ? { sqlFiles: { engine: 'sql', include: SQL_FILES } } : {}),
      },
      config: file,
      created: text === null,
      dataDir: after.dataDir,
      guessed: !!guess,
      files: counts,
      ...(unread ? { unread: { message: unread.message, fix: unread.fix } } : {}),
      daemon,
    });
    return;
  }
  const lines = [
    `Added ${displayPath(path)} (engine${engines.length === 1 ? '' : 's'} ${engines.join(', ')}) to ${displayPath(file)}${text === null ? ', a new file' : ''}.`,
  ];
  if (linked) {
    lines.push(
      `  ${displayPath(given)} is a link to it: the folder it links to is the source, as the walk of ${displayPath(linked.source)} does not follow links to folders.`,
    );
  }
  // Listed again for other engines: say who reads the folder now, and that order decides.
  if (before.sources.some((s) => s.path === path)) {
    const readers = after.sources.filter((s) => s.path === path).map((s) => s.engine);
    lines.push(
      `  It is now read by engines ${readers.join(', ')}, one entry each; a file goes to the first that reads it.`,
    );
  }
  if (guess) {
    const files = `${guess.files} file${guess.files === 1 ? '' : 's'}`;
    const seen = guess.complete ? files : `the first ${files}`;
    const shares = engines.map((name) => `${guess.counts.get(name) ?? 0} for ${name}`).join(', ');
    lines.push(`  guessed from its files: of ${seen}, ${shares} (--engine chooses others).`);
    const others = [...guess.counts]
      .map(([name, c]): [string, number] => [name, sqlBeside && name === 'sql' ? c - guess.sqlFiles : c])
      .filter(([name, c]) => !engines.includes(name) && c > 0);
    for (const [name, c] of others) {
      // Named, since a glob's reach surprises: `*.json` is the sql engine's (JSON query logs).
      const some = (guess.examples.get(name) ?? []).filter((rel) => !(sqlBeside && /\.sql$/i.test(rel)));
      const named = some.length ? ` (${some.join(', ')}${c > some.length ? ', …' : ''})` : '';
      lines.push(
        `  ${c} file${c === 1 ? '' : 's'} of engine ${name} in it${named} will not be read (--engine ${[...engines, name].join(',')} reads them).`,
      );
    }
  }
  if (unread) lines.push(`  Nothing in it would be read: ${unread.message}.`, `  fix: ${unread.fix}`);
  // A new config has no `dataDir:`: say where the index will take disk space.
  if (text === null)
    lines.push(`  The index goes to ${displayPath(after.dataDir)} (\`dataDir:\` in the config moves it).`);
  if (sqlBeside) {
    const n = guess!.sqlFiles;
    lines.push(
      `  Its ${n} .sql file${n === 1 ? '' : 's'} ${n === 1 ? 'goes' : 'go'} to engine sql, in a second entry that reads ${SQL_FILES.join(', ')} only.`,
    );
  }
  lines.push(
    withConfigFlag(
      daemon
        ? `The daemon (pid ${daemon.pid}) is reloading its config and indexes the folder now; \`ragctl status\` shows progress.`
        : `Run \`ragctl index\` to index it now, or start the daemon to keep it indexed as it changes (${startDaemonFix(file, env)}).`,
      file,
    ),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `lookAtSource` of the folder's first entry in the config just written. */
async function lookAtNew(config: Config, path: string): Promise<UnmatchedSource | undefined> {
  const source = config.sources.find((s) => s.path === path);
  return source && lookAtSource(source, new PathFilter(source, config.dataDir), config);
}

/** What the second entry for a project's .sql files reads. */
const SQL_FILES: readonly string[] = ['**/*.sql'];

/** `code,md` or `code, md`: the engines in the order given; the config's checks refuse unknown ones. */
function engineList(option: string): string[] {
  const names = option
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (!names.length) throw new RagError('E_USAGE', `--engine '${option}' names no engine`);
  return names;
}

/** SIGHUP to the daemon answering on this config's socket (it reloads its config); null when none runs. */
async function reloadDaemon(socketPath: string): Promise<{ pid: number } | null> {
  let pid: number;
  try {
    pid = (await request(socketPath, 'status', {})).pid;
  } catch (err) {
    if (isRagError(err) && err.code === 'E_NO_DAEMON') return null;
    throw err;
  }
  process.kill(pid, 'SIGHUP');
  return { pid };
}
