import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bashScript } from '../../../src/cli/completion/bash.js';
import { fishScript } from '../../../src/cli/completion/fish.js';
import { completionTree } from '../../../src/cli/completion/tree.js';
import { zshScript } from '../../../src/cli/completion/zsh.js';
import { buildProgram } from '../../../src/cli/main.js';
import type { FilterField } from '../../../src/engines/types.js';
import { BUILTIN_FILTERS } from '../../../src/registry/builtin-filters.js';
import { runCli } from '../../helpers/run-cli.js';
import { makeTempDir } from '../../helpers/temp.js';

/**
 * `ragctl completion <shell>`: the scripts the real CLI prints, run by the real bash, zsh and
 * fish. bash's and fish's own completion entry points are driven as a terminal would (bash:
 * COMP_WORDS and the completion function; fish: `complete -C`). zsh completes only inside its
 * line editor, so zsh's completion builtins (_describe, compadd, _files) are replaced by
 * printers and the script's function is called with `words` and `CURRENT` set as zsh sets them.
 */

type Shell = 'bash' | 'zsh' | 'fish';
const SHELLS: Shell[] = ['bash', 'zsh', 'fish'];

let dir: string;
let cleanup: () => Promise<void>;
const scripts = new Map<Shell, string>();

/** Marks "complete a file name here" in the zsh harness (its `_files` is a printer). */
const FILES = '<files>';

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('completion'));
  writeFileSync(join(dir, 'my-config.yaml'), 'sources: []\n');
  for (const shell of SHELLS) {
    const { code, stdout, stderr } = await runCli(['completion', shell], { cwd: dir });
    expect(code, stderr).toBe(0);
    const file = join(dir, `script.${shell}`);
    writeFileSync(file, stdout);
    scripts.set(shell, file);
  }
}, 60_000);

afterAll(async () => {
  await cleanup();
});

const HARNESS: Record<Shell, (script: string, line: string) => [string, string[]]> = {
  bash: (script, line) => [
    'bash',
    [
      '-c',
      `source "$1"
read -ra COMP_WORDS <<< "$2"
[[ "$2" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
COMPREPLY=()
_ragctl
printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      script,
      line,
    ],
  ],
  zsh: (script, line) => [
    'zsh',
    [
      '-fc',
      `_describe() { local name=\${@[-1]}; local -a names=(\${\${(P)name}%%:*}); print -l -- \${(M)names:#\${PREFIX}*} }
compadd() { [[ $1 == -a ]] && print -l -- \${(M)\${(P)2}:#\${PREFIX}*} }
_files() { print -- '${FILES}' }
_message() { : }
compdef() { : }
source "$1"
words=(\${(z)2})
[[ $2 == *' ' ]] && words+=('')
CURRENT=\${#words}
PREFIX=\${words[CURRENT]}
_ragctl`,
      'zsh',
      script,
      line,
    ],
  ],
  fish: (script, line) => [
    'fish',
    ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', script, line],
  ],
};

/** What the shell offers for `line` (the cursor at its end), sorted. */
function complete(shell: Shell, line: string, script = scripts.get(shell)!): string[] {
  const [cmd, args] = HARNESS[shell](script, line);
  const out = execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 20_000 });
  return out
    .split('\n')
    .map((l) => l.split('\t')[0]!)
    .filter((l) => l !== '')
    .sort();
}

describe.each(SHELLS)('%s completion', (shell) => {
  it('offers the sub-commands, mcp and completion among them', () => {
    expect(complete(shell, 'ragctl ')).toEqual(
      expect.arrayContaining(['search', 'index', 'status', 'daemon', 'model', 'mcp', 'completion']),
    );
    expect(complete(shell, 'ragctl da')).toEqual(['daemon']);
  });

  it("offers a sub-command's own sub-commands, skipping options and their values on the way", () => {
    expect(complete(shell, 'ragctl daemon ')).toEqual([
      'install',
      'run',
      'start',
      'status',
      'stop',
      'uninstall',
    ]);
    expect(complete(shell, 'ragctl --config /tmp/x.yaml daemon in')).toEqual(['install']);
    expect(complete(shell, 'ragctl --json model ')).toEqual(['info', 'pull']);
  });

  it("offers search's flags, the engines' filter flags included", () => {
    expect(complete(shell, 'ragctl search --mi')).toEqual(['--min-time']);
    expect(complete(shell, 'ragctl search -k 5 --la')).toEqual(['--lang']);
    const flags = complete(shell, 'ragctl search --');
    for (const f of BUILTIN_FILTERS) expect(flags).toContain(`--${f.name.replaceAll('_', '-')}`);
    expect(flags).toEqual(expect.arrayContaining(['--mode', '--path', '--config', '--json', '--help']));
    // Flags of other commands do not leak in.
    expect(flags).not.toContain('--dry-run');
  });

  it("offers an argument's choices and files where a file goes", () => {
    expect(complete(shell, 'ragctl completion ')).toEqual(['bash', 'fish', 'zsh']);
    const files = complete(shell, 'ragctl --config my-');
    expect(files).toEqual(shell === 'zsh' ? [FILES] : ['my-config.yaml']);
    // A query is free text: no file names offered.
    expect(complete(shell, 'ragctl search -k ')).toEqual([]);
  });
});

describe('scripts come from the command tree', () => {
  const EXTRA_FILTER: FilterField = {
    name: 'max_rows',
    kind: 'number-max',
    column: 'rows',
    description: 'only statements that returned at most this many rows',
  };

  it.each(SHELLS)(
    '%s: a new command and a new engine filter complete with no edit to the generator',
    (shell) => {
      const program = buildProgram({ search: { filters: [...BUILTIN_FILTERS, EXTRA_FILTER] } });
      program.command('frobnicate').description('a command added later').option('--wibble <file>', 'a file');
      const tree = completionTree(program);
      const generate = { bash: bashScript, zsh: zshScript, fish: fishScript }[shell];
      const file = join(dir, `extended.${shell}`);
      writeFileSync(file, generate(tree, 'ragctl'));
      expect(complete(shell, 'ragctl fro', file)).toEqual(['frobnicate']);
      expect(complete(shell, 'ragctl frobnicate --wi', file)).toEqual(['--wibble']);
      expect(complete(shell, 'ragctl search --max', file)).toEqual(['--max-rows']);
    },
  );
});
