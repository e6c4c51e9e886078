import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { App } from '../../app.js';
import { errnoCode, RagError } from '../../errors.js';
import { isInside } from '../../pipeline/path-filter.js';
import { emptySummary, type IndexProgress, type IndexSummary } from '../../pipeline/types.js';
import { commandContext, displayPath } from '../context.js';
import type { GlobalOptions } from '../main.js';
import { optimizeIfWorthIt } from '../optimize.js';
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

Examples:
  ragctl index                       # every source in the config
  ragctl index ~/notes/work          # one folder
  ragctl index --json | jq .chunksEmbedded`,
    )
    .action(async (paths: string[], opts: { optimize: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { config, logger } = commandContext(g);
      const targets = await checkTargets(
        paths,
        config.sources.map((s) => s.path),
      );
      const app = await App.open(config, { logger });
      const bar = new ProgressBar(!g.json && process.stderr.isTTY === true);
      const onProgress = (p: IndexProgress) =>
        bar.update(p.filesIndexed, p.filesToIndex || null, describeProgress(p));
      let summary: IndexSummary;
      try {
        const controller = new AbortController();
        const stop = () => controller.abort(new RagError('E_ABORTED', 'interrupted'));
        process.once('SIGINT', stop);
        try {
          if (!targets.length) {
            summary = await app.indexer.reconcile({ onProgress, signal: controller.signal });
          } else {
            summary = emptySummary();
            for (const t of targets) {
              const part = t.isDir
                ? await app.indexer.reconcile({ within: t.path, onProgress, signal: controller.signal })
                : await app.indexer.syncPaths([t.path], { onProgress, signal: controller.signal });
              addInto(summary, part);
            }
          }
        } finally {
          process.off('SIGINT', stop);
        }
        bar.update(0, null, 'optimizing', true);
        const optimized = opts.optimize ? await optimizeIfWorthIt(app) : false;
        bar.done();
        if (g.json) printJson({ ...summary, optimized });
        else process.stdout.write(formatSummary(summary));
      } finally {
        bar.done();
        await app.close();
      }
    });
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
  return `${p.filesIndexed}/${p.filesToIndex} files · ${p.chunksEmbedded} chunks embedded, ${p.chunksReused} reused`;
}

function addInto(total: IndexSummary, part: IndexSummary): void {
  for (const key of [
    'filesSeen',
    'filesUnchanged',
    'filesAdded',
    'filesChanged',
    'filesDeleted',
    'filesSkipped',
    'chunksEmbedded',
    'chunksReused',
    'seconds',
    'embedSeconds',
  ] as const) {
    total[key] += part[key];
  }
  total.rebuilt.push(...part.rebuilt);
  total.failures.push(...part.failures);
}

export function formatSummary(s: IndexSummary): string {
  const lines: string[] = [];
  for (const r of s.rebuilt) lines.push(`Rebuilt the ${r.engine} index: ${r.reason}.`);
  const indexed = s.filesAdded + s.filesChanged;
  lines.push(
    `${indexed} file${indexed === 1 ? '' : 's'} indexed (${s.filesAdded} new, ${s.filesChanged} changed), ${s.filesDeleted} deleted, ${s.filesSkipped} skipped, ${s.filesUnchanged} unchanged.`,
  );
  lines.push(
    `${s.chunksEmbedded} chunks embedded, ${s.chunksReused} reused · ${s.seconds.toFixed(1)} s (embedding ${s.embedSeconds.toFixed(1)} s).`,
  );
  const shown = s.failures.slice(0, 10);
  if (shown.length) {
    lines.push('Skipped:');
    for (const f of shown) lines.push(`  ${displayPath(f.path)}: ${f.reason}`);
    if (s.failures.length > shown.length)
      lines.push(`  … and ${s.failures.length - shown.length} more (ragctl status --json lists them)`);
  }
  return `${lines.join('\n')}\n`;
}
