import { Argument, type Command } from 'commander';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/**
 * `ragctl completion <shell>`: prints a completion script generated from this program's command
 * tree, so new commands and flags (an engine's filter flags on `search`) complete by themselves.
 */
export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .description('print a shell completion script (bash, zsh, fish)')
    .addHelpText(
      'after',
      `
Install:
  bash  echo 'source <(ragctl completion bash)' >> ~/.bashrc
  zsh   echo 'source <(ragctl completion zsh)' >> ~/.zshrc     (after compinit)
  fish  ragctl completion fish > ~/.config/fish/completions/ragctl.fish`,
    )
    .action(async (shell: Shell, _opts: unknown, cmd: Command) => {
      let root = cmd;
      while (root.parent) root = root.parent;
      const { completionTree } = await import('../completion/tree.js');
      const tree = completionTree(root);
      const bin = root.name();
      let script: string;
      if (shell === 'bash') script = (await import('../completion/bash.js')).bashScript(tree, bin);
      else if (shell === 'zsh') script = (await import('../completion/zsh.js')).zshScript(tree, bin);
      else script = (await import('../completion/fish.js')).fishScript(tree, bin);
      process.stdout.write(script);
    });
}
