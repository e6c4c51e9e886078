import { statSync } from 'node:fs';
import type { App } from '../app.js';
import { noSources } from '../config/load.js';
import type { EmbedWorker } from '../embed/worker/embed-worker.js';
import { errnoCode } from '../errors.js';
import type { SourceStatusJson, StatusMemory, StatusResult, UnmatchedSourceJson } from '../ipc/protocol.js';
import { byFolder } from '../paths.js';
import type { UnmatchedSource } from '../pipeline/source-check.js';
import type { EmbeddingProgress, UnreadFiles } from '../pipeline/types.js';
import type { IndexQueue } from '../queue/index-queue.js';
import type { FileRecord } from '../store/types.js';
import type { Degradation } from '../watcher/types.js';
import type { Trouble, WalkProgress } from './types.js';

/** Errors listed by `status`: enough to see a pattern, few enough to read. */
const MAX_LAST_ERRORS = 20;

/** One failure or skipped file, as the queue, the store and the records give them. */
export interface ListedError {
  path: string;
  code: string;
  message: string;
  atMs: number;
}

/**
 * The `MAX_LAST_ERRORS` that status lists: failures first, newest first, then skipped files
 * (`E_SKIPPED`), so that a build folder's hundred skips never push a file that failed out.
 */
export function listedErrors(errors: readonly ListedError[]): StatusResult['last_errors'] {
  const skipped = (e: ListedError) => Number(e.code === 'E_SKIPPED');
  return [...errors]
    .sort((a, b) => skipped(a) - skipped(b) || b.atMs - a.atMs)
    .slice(0, MAX_LAST_ERRORS)
    .map((e) => ({ path: e.path, code: e.code, message: e.message, at_ms: e.atMs }));
}

/**
 * Seconds until the queue is empty. While a group is embedded at a measured pace: its own time
 * left, then the `left` files after it at the queue's files per second. A big file stalls that
 * rate, so the rate alone would say more time the longer the file takes.
 */
export function etaSeconds(
  left: number,
  rate: number,
  queueEta: number | null,
  groupFiles: number | undefined,
  groupSecondsLeft: number | null,
): number | null {
  if (groupFiles === undefined || groupSecondsLeft === null) return queueEta;
  const after = Math.max(0, left - groupFiles);
  if (after === 0) return groupSecondsLeft;
  if (rate > 0) return groupSecondsLeft + after / rate;
  return queueEta === null ? groupSecondsLeft : Math.max(groupSecondsLeft, queueEta);
}

/**
 * Each source folder, in the config's order, with the engines that read it and its files indexed
 * and skipped. Files of a folder that is no longer a source (removed while the daemon was down,
 * not yet dropped) are not listed.
 */
export function sourcesStatus(
  sources: readonly { readonly path: string; readonly engine: string }[],
  indexedByRoot: ReadonlyMap<string, number>,
  skipped: readonly Pick<FileRecord, 'root'>[],
  unread?: ReadonlyMap<string, UnreadFiles>,
): SourceStatusJson[] {
  const skippedByRoot = new Map<string, number>();
  for (const r of skipped) skippedByRoot.set(r.root, (skippedByRoot.get(r.root) ?? 0) + 1);
  return [...byFolder(sources, (s) => s.path)].map(([path, entries]) => ({
    path,
    engines: [...new Set(entries.map((e) => e.engine))],
    files: indexedByRoot.get(path) ?? 0,
    skipped: skippedByRoot.get(path) ?? 0,
    ...(isGone(path) ? { missing: true } : {}),
    ...unreadJson(unread?.get(path)),
  }));
}

function unreadJson(u: UnreadFiles | undefined): Pick<SourceStatusJson, 'not_read' | 'not_read_kinds'> {
  if (!u) return {};
  return { not_read: u.files, not_read_kinds: u.kinds.map(([kind, files]) => ({ kind, files })) };
}

/** Whether a source folder is not there (as the walk tells it: gone, not merely unreadable). */
function isGone(path: string): boolean {
  try {
    statSync(path);
    return false;
  } catch (err) {
    return errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR';
  }
}

/** What the index holds, as `App.contents()` reads it. */
export type IndexContents = Awaited<ReturnType<App['contents']>>;

export interface StatusInputs {
  app: App;
  /** Read by the caller, which knows what to report when the tables cannot be read. */
  contents: IndexContents;
  /** Sources that hold nothing their engine reads (`unmatchedSources`). */
  unmatched: readonly UnmatchedSource[];
  queue: IndexQueue;
  workers: readonly EmbedWorker[];
  watcherTrouble: readonly Degradation[];
  storeTrouble: Trouble | undefined;
  walk: WalkProgress | undefined;
  /** The group being embedded now, if any (a big file moves no file count for minutes). */
  embedding: EmbeddingProgress | undefined;
  /** That group's time left at its own pace (`EmbeddingPace`), `null` until measured. */
  embeddingSecondsLeft: number | null;
  /** Still starting: the watcher and the start-up reconcile are not running yet. */
  starting: boolean;
}

/**
 * How a running daemon takes a config edited under it (SIGHUP reloads it, src/cli/commands/daemon.ts).
 * Read when a status is built, in the daemon: the pid is its own.
 */
function reloadFix(): string {
  return `after an edit by hand, reload the daemon: \`kill -HUP ${process.pid}\`, or \`ragctl daemon start --restart\` for the installed service (\`ragctl add\` reloads it itself)`;
}

/**
 * The daemon's state, honestly: `degraded` whenever something means the index may not follow
 * the disk (a full disk, a watcher that lost events, a model that cannot load), with the
 * reason and the fix — never `idle` while work is silently not happening.
 */
export function buildStatus(input: StatusInputs): StatusResult {
  const { app, queue } = input;
  const { files, chunks, version, skipped, chunksByEngine } = input.contents;
  const q = queue.stats();
  const failedWorker = input.workers.find((w) => w.state === 'failed');
  let trouble: { reason: string; fix: string } | undefined = input.storeTrouble;
  if (!trouble && input.watcherTrouble.length) {
    const d = input.watcherTrouble[0]!;
    trouble = { reason: `${d.source}: ${d.reason}`, fix: d.fix };
  }
  const unusable = input.workers.map((w) => w.stats().unavailable).find((u) => u !== null);
  if (!trouble && unusable) {
    trouble = {
      reason: `${unusable.reason}; indexing waits for it, search by text still works`,
      fix: unusable.fix ?? 'check the embedding server; indexing resumes by itself once it answers',
    };
  }
  if (!trouble && failedWorker) {
    trouble = {
      reason: `the embedding model cannot run: ${failedWorker.stats().lastError ?? 'unknown error'}`,
      fix: 'check the model with `ragctl model info`; `ragctl model pull` fetches it again',
    };
  }
  const errors = [
    ...q.lastErrors,
    ...app.store.recoveries.map((r) => ({
      path: r.table,
      code: 'E_STORE',
      message: `newest version was unreadable; opened the last readable one (set aside: ${r.setAside.join(', ')})`,
      atMs: r.at,
    })),
    // Files that cannot be indexed (binary, too large, unreadable, a FIFO, a link loop) are
    // listed with their reason, as `ragctl status` lists them when no daemon runs.
    ...skipped.map((r) => ({ path: r.path, code: 'E_SKIPPED', message: r.reason, atMs: r.indexedAt })),
  ];
  const hasWork = input.starting || q.busy || q.depth > 0;
  const state = trouble ? 'degraded' : queue.paused ? 'paused' : hasWork ? 'indexing' : 'idle';
  // A walk (start-up reconcile, a folder moved in, a storm) is one queue entry: count its
  // files instead, and its own pace, so a cold index shows depth, rate and ETA.
  const walk = input.walk;
  const walkLeft = walk ? Math.max(0, walk.filesToIndex - walk.filesIndexed) : 0;
  const walkRate =
    walk && walk.filesIndexed > 0 ? walk.filesIndexed / Math.max(1, (Date.now() - walk.startedMs) / 1000) : 0;
  const rate = hasWork ? Math.max(q.rate, walkRate) : 0;
  const left = q.depth + walkLeft;
  const queueEta = rate > 0 && left > 0 ? left / rate : q.etaSeconds;
  // A walk indexes its files as it finds them: until it has found them all, what is left (and
  // so the time it takes) is not known, and a count of what was found so far would pass for it.
  const findingFiles = walk?.scanning === true;
  const eta = findingFiles
    ? null
    : etaSeconds(left, rate, queueEta, input.embedding?.files, input.embeddingSecondsLeft);
  // Not trouble (nothing that should be indexed is missed), but why an idle daemon holds nothing.
  const empty = noSources(app.config);
  const note = trouble ?? (empty && { reason: empty.reason, fix: `${empty.fix}; ${reloadFix()}` });
  return {
    state,
    reason: note?.reason ?? null,
    fix: note?.fix ?? null,
    files,
    chunks,
    chunks_by_engine: chunksByEngine,
    queue_depth: left,
    finding_files: findingFiles,
    // The queue's rate is a moving average that lingers for a minute after the last file;
    // with nothing to do the protocol's rate is 0 (an idle daemon "at 1.5 files/s" misleads).
    rate: Math.round(rate * 10) / 10,
    eta_seconds: eta === null ? null : Math.round(eta),
    last_errors: listedErrors(errors),
    model: [...app.embedders.values()].map((e) => e.modelId).join(', ') || null,
    store_version: version,
    pid: process.pid,
    memory: memoryOf(app, input.workers),
    unmatched_sources: input.unmatched.map(unmatchedJson),
    embedding: input.embedding
      ? {
          path: input.embedding.path,
          files: input.embedding.files,
          chunks: input.embedding.chunks,
          chunks_done: input.embedding.chunksDone,
          chunks_reused: input.embedding.reused,
          eta_seconds: input.embeddingSecondsLeft,
        }
      : null,
  };
}

export function unmatchedJson(u: UnmatchedSource): UnmatchedSourceJson {
  return {
    source: u.source,
    engine: u.engine,
    include: [...u.include],
    files_skipped: u.filesSkipped,
    complete: u.complete,
    suggested_engine: u.suggestedEngine,
    message: u.message,
    fix: u.fix,
  };
}

function memoryOf(app: App, workers: readonly EmbedWorker[]): StatusMemory {
  const m = process.memoryUsage();
  return {
    rss_bytes: m.rss,
    heap_used_bytes: m.heapUsed,
    external_bytes: m.external,
    array_buffers_bytes: m.arrayBuffers,
    store_cache_bytes: app.store.cacheBytes(),
    worker_rss_bytes: workers.map((w) => w.stats().rssBytes),
  };
}
