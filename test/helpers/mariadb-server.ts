import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { forMysql, loadFamilies } from './sql-families.js';
import { makeTempDir } from './temp.js';

const run = promisify(execFile);

/** A server start and a workload take seconds; anything slower is a hung server, not a slow one. */
const STEP_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 100;

const BINARIES = {
  server: ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'],
  installDb: ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'],
  client: ['/usr/bin/mariadb', '/usr/bin/mysql'],
  admin: ['/usr/bin/mariadb-admin', '/usr/bin/mysqladmin'],
};

export interface MariadbBinaries {
  server: string;
  installDb: string;
  client: string;
  admin: string;
}

export function findMariadb(): { bins: MariadbBinaries | null; reason: string | null } {
  // Debian's paths first, then PATH (Homebrew on macOS).
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const pick = (paths: string[]) =>
    paths.find((p) => existsSync(p)) ??
    paths.flatMap((p) => dirs.map((d) => join(d, basename(p)))).find((p) => existsSync(p));
  const bins = {
    server: pick(BINARIES.server),
    installDb: pick(BINARIES.installDb),
    client: pick(BINARIES.client),
    admin: pick(BINARIES.admin),
  };
  if (Object.values(bins).some((b) => b === undefined)) {
    return {
      bins: null,
      reason: 'MariaDB server binaries (mariadbd, mariadb-install-db) not found: run scripts/setup.sh',
    };
  }
  return { bins: bins as MariadbBinaries, reason: null };
}

export interface MariadbWorkload {
  dir: string;
  slowLog: string;
  /** The general query log of the same run: every command, connects and quits included. */
  generalLog: string;
  /** The server's error log (start, InnoDB, shutdown messages). */
  errorLog: string;
  /** `SELECT kind FROM events WHERE id = <n>` for n = 1..lookups, sent one by one. */
  lookups: number;
  /** Sent by a session with no default database, table names qualified. */
  withoutDatabase: string;
  cleanup(): Promise<void>;
}

/**
 * A private MariaDB in a temp dir (Unix socket only, networking off) with its slow log at
 * long_query_time = 0, fed the query families and a run of point lookups, then shut down.
 */
export async function runMariadbWorkload(
  bins: MariadbBinaries,
  opts: {
    lookups?: number;
    extra?: { setup: string[]; queries: string[] };
    /** `log_slow_verbosity` (MariaDB): `query_plan,explain` adds each statement's EXPLAIN. */
    slowVerbosity?: string;
  } = {},
): Promise<MariadbWorkload> {
  const lookups = opts.lookups ?? 200;
  const { dir, cleanup } = await makeTempDir('mariadb');
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const slowLog = join(dir, 'slow.log');
  const generalLog = join(dir, 'general.log');
  const errorLog = join(dir, 'error.log');
  const withoutDatabase = 'SELECT count(*) FROM test.events';
  const user = process.getuid?.() === 0 ? ['--user=root'] : [];
  let server: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const client = async (sql: string, database: string | null = 'test'): Promise<string> => {
    const child = execFile(
      bins.client,
      [
        '--no-defaults',
        `--socket=${socket}`,
        '-uroot',
        '--force',
        '--comments',
        ...(database ? [database] : []),
      ],
      {
        timeout: STEP_TIMEOUT_MS,
        maxBuffer: 64 << 20,
      },
    );
    let out = '';
    child.stdout?.on('data', (d: string) => {
      out += d;
    });
    child.stderr?.on('data', (d: string) => {
      out += d;
    });
    const done = new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', () => resolve());
    });
    child.stdin?.end(sql);
    await done;
    return out;
  };
  const stop = async (): Promise<void> => {
    if (!server) return;
    const s = server;
    server = null;
    await run(bins.admin, ['--no-defaults', `--socket=${socket}`, '-uroot', 'shutdown'], {
      timeout: STEP_TIMEOUT_MS,
    }).catch((err: unknown) => {
      // The admin client could not reach it: end the server we started, by its own pid.
      s.kill('SIGKILL');
      return err;
    });
    await exited;
  };
  try {
    await run(
      bins.installDb,
      [
        '--no-defaults',
        `--datadir=${data}`,
        ...user,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      {
        timeout: STEP_TIMEOUT_MS,
      },
    );
    server = spawn(
      bins.server,
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--socket=${socket}`,
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        '--skip-networking',
        '--innodb-buffer-pool-size=16M',
        '--innodb-log-file-size=8M',
        '--slow-query-log=1',
        `--slow-query-log-file=${slowLog}`,
        '--long-query-time=0',
        '--general-log=1',
        `--general-log-file=${generalLog}`,
        `--log-error=${errorLog}`,
        ...(opts.slowVerbosity ? [`--log-slow-verbosity=${opts.slowVerbosity}`] : []),
        ...user,
      ],
      { stdio: 'ignore' },
    );
    const child = server;
    exited = new Promise((resolve) => child.on('exit', () => resolve()));
    await waitForSocket(bins, socket, child);

    const fixture = loadFamilies();
    await client('CREATE DATABASE IF NOT EXISTS test;', 'mysql');
    const setup = await client(`${fixture.setup.mysql.map((q) => `${q};`).join('\n')}\n`);
    if (/ERROR/.test(setup)) throw new Error(`MariaDB workload set-up failed: ${setup}`);
    const families = [...fixture.families.flatMap((f) => f.spellings), fixture.failing.mysql].map(forMysql);
    await client(`${families.map((q) => `${q};`).join('\n')}\n`);
    if (opts.extra) {
      const extra = await client(
        `${[...opts.extra.setup, ...opts.extra.queries].map((q) => `${q};`).join('\n')}\n`,
      );
      if (/ERROR/.test(extra)) throw new Error(`the extra MariaDB workload failed: ${extra}`);
    }
    const points = Array.from({ length: lookups }, (_, i) => `SELECT kind FROM events WHERE id = ${i + 1};`);
    await client(`${points.join('\n')}\n`);
    await client(`${withoutDatabase};\n`, null);
    await stop();
    return { dir, slowLog, generalLog, errorLog, lookups, withoutDatabase, cleanup };
  } catch (err) {
    await stop();
    await cleanup();
    throw err;
  }
}

async function waitForSocket(bins: MariadbBinaries, socket: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`mariadbd exited with code ${child.exitCode} before it was ready`);
    const ok = await run(bins.admin, ['--no-defaults', `--socket=${socket}`, '-uroot', 'ping'], {
      timeout: 5_000,
    }).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  throw new Error(`mariadbd did not answer on ${socket} within ${STEP_TIMEOUT_MS} ms`);
}
