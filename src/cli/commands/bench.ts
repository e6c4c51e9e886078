import type { Command } from 'commander';
import { chooseBackend, isAppleSilicon } from '../../embed/auto/choose.js';
import { timingLine } from '../../embed/runtime-info.js';
import { silentLogger } from '../../log.js';
import type { GlobalOptions } from '../main.js';
import { printJson } from '../output.js';
import { firstEmbedder } from './model.js';

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('measure this machine');

  bench
    .command('embed')
    .option('--no-int8', 'leave out onnx int8 (shown for comparison; never chosen by type auto)')
    .description(
      'time every local embedding backend on the same texts (32/128/256 tokens), each in its own process, and keep the fastest fp32 one as the choice of `type: auto`',
    )
    .action(async (opts: { int8: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { model } = firstEmbedder(g.config);
      if (!g.json)
        process.stderr.write(
          `measuring onnx and MLX${opts.int8 ? ' (and onnx int8)' : ''} on ${model}, one after another (well under a minute)…\n`,
        );
      const choice = await chooseBackend(model, process.env, silentLogger(), {
        force: true,
        withInt8: opts.int8,
      });
      if (g.json) {
        printJson({ model, ...choice });
        return;
      }
      const lines = [
        `${model} on ${choice.cpu}`,
        ...(choice.timings ?? []).map((t) => `  ${timingLine(t)}`),
        `type auto runs ${choice.type}: ${choice.reason}`,
      ];
      if (isAppleSilicon())
        lines.push('(on Apple Silicon type auto runs MLX on Metal whatever this measures)');
      if (choice.file) lines.push(`kept in ${choice.file}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
