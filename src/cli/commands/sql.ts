import type { Command } from 'commander';
import type { SqlCluster, SqlClustersParams, SqlClustersResult } from '../../engines/sql/cluster-types.js';
import { RagError } from '../../errors.js';
import { FieldReader, ProtocolError, readClustersParams } from '../../ipc/protocol.js';
import { askDaemon, indexNote } from '../daemon-client.js';
import { displayPath, plural } from '../display.js';
import type { GlobalOptions } from '../main.js';

/** Characters of a cluster's representative statement shown in the digest. */
const STATEMENT_CHARS = 200;
/** Characters of a fingerprint shown: enough to tell families apart, as in `ragctl search`. */
const SHORT_FINGERPRINT = 8;

/** Answers validated params: by default the daemon, or the index directly when none runs. */
export type ClustersAnswer = (
  params: SqlClustersParams,
  g: GlobalOptions,
) => Promise<{ result: SqlClustersResult; via: 'daemon' | 'index'; starting?: string }>;

export interface SqlCommandOptions {
  answer?: ClustersAnswer;
  stdout?: { write(text: string): unknown };
}

/** Flags and the socket params they become; numbers are parsed here and checked by the protocol's reader. */
const FLAGS: Array<{ flags: string; param: keyof SqlClustersParams; number: boolean; help: string }> = [
  {
    flags: '--min-time <ms>',
    param: 'min_time',
    number: true,
    help: 'only statements that took at least this long, in ms',
  },
  {
    flags: '--after <date>',
    param: 'after',
    number: false,
    help: 'only statements run at or after this time (2024-05-01, ISO date-time, or an age: 7d, 12h, 30m)',
  },
  { flags: '--before <date>', param: 'before', number: false, help: 'only statements run before this time' },
  { flags: '--table <name>', param: 'table', number: false, help: 'only statements that touch this table' },
  { flags: '--db <name>', param: 'db', number: false, help: 'only statements run in this database' },
  { flags: '--user <name>', param: 'user', number: false, help: 'only statements run by this database user' },
  {
    flags: '--threshold <similarity>',
    param: 'threshold',
    number: true,
    help: "also merge fingerprints whose normalised texts' embeddings are at least this similar (0-1; same tables and type); 1 = by structure only (default: the engine's clusterThreshold)",
  },
  {
    flags: '--top <n>',
    param: 'top',
    number: true,
    help: 'clusters shown, most total time first (default 20)',
  },
  {
    flags: '--members <n>',
    param: 'members',
    number: true,
    help: 'statements listed per cluster in --json, slowest first (default 20)',
  },
];

/**
 * `ragctl sql clusters`: the families of statements that are the same logic written
 * differently, ranked by the time they cost, like a query digest. Asks the daemon; without
 * one, reads the index directly (read-only), as `ragctl search` does.
 */
export function registerSql(program: Command, options: SqlCommandOptions = {}): void {
  const answer = options.answer ?? askDaemonOrIndex;
  const stdout = options.stdout ?? process.stdout;
  const sql = program.command('sql').description('reports over the sql engine: query logs and .sql files');
  const clusters = sql
    .command('clusters')
    .description(
      'statements grouped by logic (fingerprints, then equivalent spellings merged), most total time first',
    );
  for (const f of FLAGS) clusters.option(f.flags, f.help);
  clusters
    .addHelpText(
      'after',
      `
Examples:
  ragctl sql clusters --min-time 20
  ragctl sql clusters --table orders --after 1d --top 5
  ragctl sql clusters --json --members 100 | jq '.clusters[0].members'`,
    )
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const params = checkFlags(opts);
      const { result, via, starting } = await answer(params, g);
      if (g.json) {
        stdout.write(`${JSON.stringify({ ...result, via })}\n`);
        return;
      }
      if (via === 'index') process.stderr.write(indexNote('read the index directly', starting));
      stdout.write(formatClusters(result));
    });
}

function checkFlags(opts: Record<string, unknown>): SqlClustersParams {
  const raw: Record<string, unknown> = {};
  for (const f of FLAGS) {
    const key = f.flags
      .slice(2, f.flags.indexOf(' '))
      .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const text = opts[key];
    if (text === undefined) continue;
    raw[f.param] = f.number && typeof text === 'string' && text.trim() !== '' ? Number(text) : text;
  }
  const fields = new FieldReader(raw, 'cli');
  const params = readClustersParams(fields);
  const problem = fields.finish(FLAGS.map((f) => f.param));
  if (problem instanceof ProtocolError) {
    // The protocol names `params.min_time`; on the command line it is `--min-time`.
    const flag =
      FLAGS.find((f) => `params.${f.param}` === problem.field)?.flags.split(' ')[0] ?? problem.field;
    throw new RagError('E_USAGE', problem.message.replace(problem.field, flag));
  }
  return params;
}

const askDaemonOrIndex: ClustersAnswer = (params, g) =>
  askDaemon(g, 'sql_clusters', params, (app) => app.sqlClusters.clusters(params));

/**
 * A digest: one block per cluster, rank · total · count · mean · p95 · tables, then the statement.
 * `showPath`: how a path prints (the CLI's shorter forms; the MCP server's stay absolute).
 */
export function formatClusters(
  result: SqlClustersResult,
  showPath: (path: string) => string = displayPath,
  options: { members?: boolean } = {},
): string {
  if (result.clusters.length === 0) return 'No SQL statements match.\n';
  const lines = [
    `${plural(result.statements, 'statement')} in ${plural(result.clusters_total, 'cluster')}; ${
      result.clusters.length === 1 ? 'the one' : `the ${result.clusters.length}`
    } with the most total time:`,
    '',
    `${'Rank'.padStart(4)}  ${'Total ms'.padStart(12)}  ${'Count'.padStart(8)}  ${'Mean ms'.padStart(10)}  ${'P95 ms'.padStart(10)}  Type / tables`,
  ];
  for (const c of result.clusters) {
    const type = [c.statement_type ?? '?', c.tables.length ? c.tables.join(', ') : '']
      .filter(Boolean)
      .join('  ');
    // A cluster of statements logged without durations (failed ones, a .sql file) has no time.
    const total = c.mean_ms === null ? null : c.total_ms;
    lines.push(
      `${String(c.rank).padStart(4)}  ${ms(total).padStart(12)}  ${String(c.count).padStart(8)}  ${ms(c.mean_ms).padStart(10)}  ${ms(c.p95_ms).padStart(10)}  ${type}`,
    );
    lines.push(`      ${statementLine(c.representative)}`);
    lines.push(`      ${detailLine(c, showPath, !options.members)}`);
    if (options.members) lines.push(...memberLines(c, showPath));
  }
  return `${lines.join('\n')}\n`;
}

function detailLine(c: SqlCluster, showPath: (path: string) => string, slowest: boolean): string {
  const fps = c.fingerprints.map((f) => f.slice(0, SHORT_FINGERPRINT));
  const shown = fps.length > 4 ? `${fps.slice(0, 4).join(' ')} +${fps.length - 4}` : fps.join(' ');
  const parts = [`${fps.length === 1 ? 'fingerprint' : `${fps.length} fingerprints`} ${shown}`];
  if (c.first_seen !== null && c.last_seen !== null)
    parts.push(`seen ${time(c.first_seen)} .. ${time(c.last_seen)}`);
  const where = slowest ? c.members[0] : undefined;
  if (where) parts.push(`slowest at ${showPath(where.path)}:${where.start_line}`);
  return parts.join('  ·  ');
}

/** Each member listed (slowest first): its time, when it ran, where it is; then how many more ran. */
function memberLines(c: SqlCluster, showPath: (path: string) => string): string[] {
  const lines = c.members.map((m) => {
    const span = m.end_line > m.start_line ? `${m.start_line}-${m.end_line}` : `${m.start_line}`;
    const took = m.duration_ms === null ? 'no duration' : `${ms(m.duration_ms)} ms`;
    const at = m.at === null ? '' : `  ${time(m.at)}`;
    return `        ${took}${at}  ${showPath(m.path)}:${span}`;
  });
  const more = c.count - c.members.length;
  if (c.members_cut && more > 0) lines.push(`        … ${plural(more, 'more run')} not listed`);
  return lines;
}

function ms(value: number | null): string {
  if (value === null) return '-';
  return value >= 100 ? value.toFixed(0) : value.toFixed(value >= 1 ? 2 : 3);
}

function time(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

function statementLine(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  return text.length <= STATEMENT_CHARS ? text : `${text.slice(0, STATEMENT_CHARS)}…`;
}
