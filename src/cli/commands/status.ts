import type { Command } from 'commander';
import type { ReadOnlyApp } from '../../app-reader.js';
import { noSources } from '../../config/load.js';
import { describeStarting, readStartingNote } from '../../daemon/starting.js';
import { sourcesStatus, unmatchedJson } from '../../daemon/status.js';
import { isRagError } from '../../errors.js';
import type { StatusParams, StatusResult } from '../../ipc/protocol.js';
import { MISSING_SOURCE_NOTE, unmatchedSources } from '../../pipeline/source-check.js';
import { askDaemon } from '../daemon-client.js';
import { displayPath, unreadKinds } from '../display.js';
import type { GlobalOptions } from '../main.js';
import { printJson } from '../output.js';

/** Skipped files listed by `ragctl status` when no daemon runs. */
const MAX_LISTED = 20;

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('what the index holds and what the daemon is doing (reads the index when no daemon runs)')
    .addHelpText(
      'after',
      "\nStates: indexing · idle · paused · degraded (with the reason and the fix) · starting (a new daemon\nfetching its model, with how far) · stopped (no daemon).\nA source that holds nothing its engine reads (its files all miss the engine's include globs, or\nits folder is empty) is named, with the fix.",
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { result, via } = await statusAsked((params) =>
        askDaemon(g, 'status', params, (app) => statusFromIndex(app, params), { notes: false }),
      );
      if (g.json) printJson({ ...result, via });
      else process.stdout.write(formatStatus(result, via));
    });
}

/**
 * A status with each source's counts. A daemon of an older release refuses the parameter (the
 * CLI was upgraded, the daemon not yet restarted): its status without them is still the answer.
 */
export async function statusAsked<T>(ask: (params: StatusParams) => Promise<T>): Promise<T> {
  try {
    return await ask({ sources: true });
  } catch (err) {
    if (!refusesSources(err)) throw err;
    return ask({});
  }
}

/** Whether `err` is a daemon refusing the `sources` parameter it predates. */
export function refusesSources(err: unknown): boolean {
  return isRagError(err) && err.code === 'E_PROTOCOL' && err.message.startsWith('params.sources ');
}

/**
 * What `status` can say without a daemon: the index's contents, read directly, and what the
 * reader found wrong with it (another model, an unreadable newest version, no index yet) as
 * the reason and the fix.
 */
export async function statusFromIndex(app: ReadOnlyApp, params: StatusParams = {}): Promise<StatusResult> {
  const { files, chunks, version, skipped, chunksByEngine } = await app.contents();
  const sources = params.sources
    ? sourcesStatus(app.config.sources, await app.indexedByRoot(), skipped)
    : undefined;
  const unmatched = await unmatchedSources(app.config, chunksByEngine);
  const models = [...app.embedders.values()].map((e) => e.modelId);
  // With no source, that is the one thing to fix: "run `ragctl index`" would only lead to it.
  const empty = noSources(app.config);
  const problems = empty ? [empty] : app.problems;
  const reasons = problems.map((p) => p.reason);
  const fixes = [...new Set(problems.map((p) => p.fix))];
  // A daemon fetching its model will index once it has it: the index's problems are not the user's to fix.
  const starting = empty ? undefined : readStartingNote(app.config.dataDir);
  return {
    state: starting ? 'starting' : 'stopped',
    reason: starting
      ? `the daemon is ${describeStarting(starting)}; it indexes and serves once the model is here`
      : reasons.length
        ? reasons.join('; ')
        : null,
    fix: starting ? null : fixes.length ? fixes.join('; ') : null,
    files,
    chunks,
    chunks_by_engine: chunksByEngine,
    queue_depth: 0,
    rate: 0,
    eta_seconds: null,
    last_errors: skipped
      .sort((a, b) => b.indexedAt - a.indexedAt)
      .slice(0, MAX_LISTED)
      .map((r) => ({ path: r.path, code: 'E_SKIPPED', message: r.reason, at_ms: r.indexedAt })),
    model: models.join(', ') || null,
    store_version: version,
    pid: starting?.pid ?? process.pid,
    memory: null,
    unmatched_sources: unmatched.map(unmatchedJson),
    ...(sources ? { sources } : {}),
  };
}

/** `showPath`: how a path prints (the CLI's shorter forms; the MCP server's stay absolute). */
export function formatStatus(
  s: StatusResult,
  via: 'daemon' | 'index',
  showPath: (path: string) => string = displayPath,
): string {
  const lines: string[] = [];
  const state =
    via === 'daemon'
      ? `${s.state} (pid ${s.pid})`
      : s.state === 'starting'
        ? `starting (pid ${s.pid}; not serving yet: read the index directly)`
        : 'stopped (no daemon running; read the index directly)';
  lines.push(`state:    ${state}`);
  if (s.reason) lines.push(`reason:   ${s.reason}`);
  if (s.fix) lines.push(`fix:      ${s.fix}`);
  // Per engine when there are several: whether a folder's second engine (a project's docs beside
  // its code) holds anything shows here.
  const engines = Object.entries(s.chunks_by_engine ?? {});
  const split = engines.length > 1 ? ` (${engines.map(([e, n]) => `${e} ${n}`).join(', ')})` : '';
  lines.push(`files:    ${s.files} indexed, ${s.chunks} chunks${split}`);
  // Each folder with its share: one that holds nothing, or less than expected, shows here.
  (s.sources ?? []).forEach((source, i) => {
    const skipped = source.skipped ? `, ${source.skipped} skipped` : '';
    const kinds = (source.not_read_kinds ?? []).map((k) => [k.kind, k.files] as const);
    const notRead = source.not_read ? `, not read: ${unreadKinds(source.not_read, kinds)}` : '';
    const files = `${source.files} file${source.files === 1 ? '' : 's'}`;
    const missing = source.missing ? `; ${MISSING_SOURCE_NOTE}` : '';
    lines.push(
      `${i === 0 ? 'sources:  ' : '          '}${showPath(source.path)} (${source.engines.join(', ')}): ${files}${skipped}${notRead}${missing}`,
    );
  });
  if (via === 'daemon') {
    if (s.state === 'paused') {
      // The rate and ETA are those of the indexing before the pause: nothing moves until resume.
      const held = s.queue_depth > 0 ? ' (held until `ragctl resume`)' : '';
      lines.push(`queue:    ${s.queue_depth} waiting${held}`);
    } else {
      const eta = s.eta_seconds === null ? '' : `, about ${formatSeconds(s.eta_seconds)} left`;
      const waiting = s.finding_files ? 'waiting, more still being found' : 'waiting';
      lines.push(
        `queue:    ${s.queue_depth} ${waiting}${s.rate ? ` at ${s.rate.toFixed(1)} files/s` : ''}${eta}`,
      );
    }
  }
  if (s.embedding) {
    const e = s.embedding;
    const others = e.files > 1 ? ` (+${e.files - 1} file${e.files === 2 ? '' : 's'})` : '';
    const left = e.eta_seconds == null ? '' : `, about ${formatSeconds(e.eta_seconds)} left`;
    const reused = e.chunks_reused ? ` (${e.chunks_reused} more reused)` : '';
    lines.push(
      `now:      embedding ${showPath(e.path)}${others}: ${e.chunks_done}/${e.chunks} chunks${reused}${left}`,
    );
  }
  lines.push(`model:    ${s.model ?? '(none loaded)'}`);
  lines.push(`store:    version ${s.store_version}`);
  if (s.memory) {
    const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
    const m = s.memory;
    const workers = m.worker_rss_bytes.map((b) => (b === null ? 'not started' : mb(b))).join(', ');
    lines.push(
      `memory:   daemon ${mb(m.rss_bytes)} (JS heap ${mb(m.heap_used_bytes)}, LanceDB caches ${mb(m.store_cache_bytes)}), embed worker ${workers || 'none'}`,
    );
  }
  for (const u of s.unmatched_sources ?? []) {
    lines.push(`nothing to index: ${u.message}`);
    lines.push(`  fix: ${u.fix}`);
  }
  // A skipped file is the index working as meant (build output, a binary, a FIFO); listed
  // apart, so that "errors" holds only what went wrong.
  const skipped = s.last_errors.filter((e) => e.code === 'E_SKIPPED');
  const errors = s.last_errors.filter((e) => e.code !== 'E_SKIPPED');
  for (const [heading, list] of [
    ['recent errors:', errors],
    ['skipped files:', skipped],
  ] as const) {
    if (!list.length) continue;
    lines.push(heading);
    for (const e of list) lines.push(`  ${showPath(e.path)}: ${e.message}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
