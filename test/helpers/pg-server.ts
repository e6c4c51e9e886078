import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadFamilies } from './sql-families.js';
import { makeTempDir } from './temp.js';

const run = promisify(execFile);

/** A server start and a workload take seconds; anything slower is a hung server, not a slow one. */
const STEP_TIMEOUT_MS = 60_000;

export const PG_PREFIX_DURATION = '%m [%p] %q%u@%d ';
export const PG_PREFIX_STATEMENT = '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ';

/** More statements for run 1, after the families: tables and rows first, then the queries. */
export interface ExtraWorkload {
  setup: string[];
  queries: string[];
}

export interface PgAvailability {
  bin: string | null;
  /** Why the PostgreSQL tests cannot run here, or null. */
  reason: string | null;
}

/** Finds initdb/pg_ctl/pgbench (Debian's /usr/lib/postgresql/<v>/bin, else PATH). */
export function findPostgres(): PgAvailability {
  const roots = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  for (const dir of roots) {
    if (['initdb', 'pg_ctl', 'psql', 'pgbench', 'pg_dump'].every((b) => existsSync(join(dir, b))))
      return { bin: dir, reason: null };
  }
  const which = spawnSync('sh', ['-c', 'dirname "$(command -v pg_ctl)"'], { encoding: 'utf8' });
  const dir = which.status === 0 ? which.stdout.trim() : '';
  if (dir && ['initdb', 'psql', 'pgbench', 'pg_dump'].every((b) => existsSync(join(dir, b))))
    return { bin: dir, reason: null };
  return {
    bin: null,
    reason:
      'PostgreSQL server binaries (initdb, pg_ctl, psql, pgbench, pg_dump) not found: run scripts/setup.sh',
  };
}

export interface PgWorkload {
  dir: string;
  /** Run 1 (log_min_duration_statement = 0): the same events in three formats. */
  stderrLog: string;
  csvLog: string;
  jsonLog: string;
  /** Run 2 (log_statement = all, log_duration = on), prefix PG_PREFIX_STATEMENT. */
  statementLog: string;
  /** pg_dump of the database after run 1 (pgbench -s 1: 100,000 accounts). */
  dumpFile: string;
  pgbench: { clients: number; transactionsPerClient: number; processed: number };
  cleanup(): Promise<void>;
}

/** A private PostgreSQL server's controls (`privatePg`). */
export interface PrivatePg {
  dir: string;
  /** Where the collector writes its logs (`log_filename` names the file). */
  logDir: string;
  /** Runs a server binary (initdb, pgbench, …) as the server's user; stdout and stderr together. */
  exec(cmd: string, args: string[]): Promise<string>;
  /** initdb, once, before the first start. */
  init(): Promise<void>;
  /** Starts it with these settings over the private defaults (socket in `dir`, no TCP, collector on). */
  start(settings: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
  psql(args: string[]): Promise<string>;
  /** The port: it names the socket file in `dir`. */
  port: string;
  /** Stops the server if it runs, then removes `dir`. */
  cleanup(): Promise<void>;
}

/**
 * A private PostgreSQL in a temp dir (Unix socket only, no TCP). The system's own cluster is
 * never touched. As root the server runs as `postgres`.
 */
export async function privatePg(bin: string): Promise<PrivatePg> {
  const { dir, cleanup: remove } = await makeTempDir('pg');
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asUser.length > 0) chownSync(dir, Number(idOf('postgres', '-u')), Number(idOf('postgres', '-g')));
  const data = join(dir, 'data');
  const logDir = join(dir, 'log');
  // No TCP (listen_addresses is empty): the port only names the socket file in the private dir.
  const port = String(20000 + (process.pid % 20000));
  const exec = async (cmd: string, args: string[]): Promise<string> => {
    const [file, ...rest] = [...asUser, join(bin, cmd), ...args];
    const { stdout, stderr } = await run(file!, rest, {
      timeout: STEP_TIMEOUT_MS,
      cwd: dir,
      maxBuffer: 64 << 20,
    });
    return stdout + stderr;
  };
  let running = false;
  const stop = async (): Promise<void> => {
    if (!running) return;
    running = false;
    await exec('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']);
  };
  const start = async (settings: Record<string, string>): Promise<void> => {
    const all = {
      listen_addresses: "''",
      unix_socket_directories: `'${dir}'`,
      port,
      fsync: 'off',
      logging_collector: 'on',
      log_directory: `'${logDir}'`,
      ...settings,
    };
    const options = Object.entries(all)
      .map(([k, v]) => `-c ${k}=${v}`)
      .join(' ');
    await exec('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'pg_ctl.out'), '-o', options, 'start']);
    running = true;
  };
  const psql = (args: string[]): Promise<string> =>
    exec('psql', ['-X', '-q', '-h', dir, '-p', port, '-U', 'postgres', '-d', 'postgres', ...args]);
  const init = async (): Promise<void> => {
    await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  };
  const cleanup = async (): Promise<void> => {
    try {
      await stop();
    } catch (stopErr) {
      throw new Error(`the PostgreSQL server in ${dir} did not stop`, { cause: stopErr });
    } finally {
      await remove();
    }
  };
  return { dir, logDir, exec, init, start, stop, psql, port, cleanup };
}

/** Makes a file written here readable by the server (which runs as `postgres` under root). */
export function giveToServer(path: string): void {
  chownSync(path, Number(idOf('postgres', '-u')), Number(idOf('postgres', '-g')));
}

/**
 * A private PostgreSQL (`privatePg`) run twice with statement logging in both styles, a
 * pgbench `-M prepared` run and the query families, then stopped.
 */
export async function runPgWorkload(
  bin: string,
  opts: { clients?: number; transactions?: number; extra?: ExtraWorkload } = {},
): Promise<PgWorkload> {
  const clients = opts.clients ?? 2;
  const transactions = opts.transactions ?? 25;
  const pg = await privatePg(bin);
  const { dir, logDir, exec, start, stop, psql, port } = pg;
  try {
    await pg.init();
    const fixture = loadFamilies();
    const queries = join(dir, 'families.sql');
    const all = [...fixture.families.flatMap((f) => f.spellings), fixture.failing.postgresql];
    writeFileSync(queries, `${all.map((q) => `${q};`).join('\n')}\n`);
    giveToServer(queries);

    await start({
      log_destination: "'stderr,csvlog,jsonlog'",
      log_filename: "'run1'",
      log_min_duration_statement: '0',
      log_line_prefix: `'${PG_PREFIX_DURATION}'`,
    });
    await psql(['-c', fixture.setup.postgresql.join(';\n')]);
    await exec('pgbench', ['-h', dir, '-p', port, '-U', 'postgres', '-i', '-s', '1', '-q', 'postgres']);
    const bench = await exec('pgbench', [
      ...['-h', dir, '-p', port, '-U', 'postgres', '-n', '-M', 'prepared'],
      ...['-c', String(clients), '-t', String(transactions), 'postgres'],
    ]);
    // psql goes on past the failing statement (it exits 0 unless ON_ERROR_STOP is set).
    await psql(['-f', queries]);
    if (opts.extra) {
      const extra = join(dir, 'extra.sql');
      writeFileSync(
        extra,
        `${[...opts.extra.setup, ...opts.extra.queries].map((q) => `${q};`).join('\n')}\n`,
      );
      giveToServer(extra);
      const out = await psql(['-v', 'ON_ERROR_STOP=1', '-f', extra]);
      if (/ERROR/.test(out)) throw new Error(`the extra PostgreSQL workload failed: ${out}`);
    }
    // A real .sql file: COPY … FROM stdin blocks, dollar-quoted bodies, comments.
    await exec('pg_dump', ['-h', dir, '-p', port, '-U', 'postgres', '-f', join(dir, 'dump.sql'), 'postgres']);
    await stop();

    await start({
      log_destination: "'stderr'",
      log_filename: "'run2'",
      log_min_duration_statement: '-1',
      log_statement: "'all'",
      log_duration: 'on',
      log_line_prefix: `'${PG_PREFIX_STATEMENT}'`,
    });
    // Run 1 inserted these rows; the same INSERTs must succeed again.
    await psql(['-c', 'DELETE FROM users WHERE id > 1000']);
    await psql(['-f', queries]);
    await exec('pgbench', [
      ...['-h', dir, '-p', port, '-U', 'postgres', '-n', '-M', 'prepared'],
      ...['-c', '1', '-t', '3', 'postgres'],
    ]);
    await stop();
    const processed = Number(
      /number of transactions actually processed: (\d+)/.exec(bench)?.[1] ?? Number.NaN,
    );
    return {
      dir,
      stderrLog: join(logDir, 'run1'),
      csvLog: join(logDir, 'run1.csv'),
      jsonLog: join(logDir, 'run1.json'),
      statementLog: join(logDir, 'run2'),
      dumpFile: join(dir, 'dump.sql'),
      pgbench: { clients, transactionsPerClient: transactions, processed },
      cleanup: pg.cleanup,
    };
  } catch (err) {
    try {
      await stop();
    } catch (stopErr) {
      throw new AggregateError(
        [err, stopErr],
        `the PostgreSQL workload failed and the server in ${dir} did not stop`,
      );
    } finally {
      await pg.cleanup();
    }
    throw err;
  }
}

function idOf(user: string, flag: '-u' | '-g'): string {
  if (process.getuid?.() !== 0) return String(flag === '-u' ? process.getuid?.() : process.getgid?.());
  return spawnSync('id', [flag, user], { encoding: 'utf8' }).stdout.trim();
}
