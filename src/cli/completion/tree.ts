import type { Command, Option } from 'commander';

/**
 * The command tree as shell completion needs it, read from commander's own objects: a command
 * or flag added anywhere (an engine's filter flag on `search` included) is completed without an
 * edit here. The shell scripts (bash.ts, zsh.ts, fish.ts) are generated from this.
 */

/** What a value is completed with: files, a fixed list, or nothing (free text: a query, a glob). */
export type ValueHint = { kind: 'files' } | { kind: 'choices'; values: readonly string[] } | { kind: 'none' };

export interface CompletionOption {
  /** `-k`, or undefined. */
  readonly short: string | undefined;
  /** `--k`, `--min-time`, or undefined. */
  readonly long: string | undefined;
  readonly description: string;
  /** Absent for a switch (`--json`). */
  readonly value: ValueHint | undefined;
}

export interface CompletionNode {
  /** Sub-command names from the root: `[]`, `['daemon', 'install']`. */
  readonly path: readonly string[];
  readonly name: string;
  readonly description: string;
  readonly commands: readonly CompletionNode[];
  /** Its own options, the root's (accepted after any sub-command), and --help. */
  readonly options: readonly CompletionOption[];
  /** What its positional arguments are completed with. */
  readonly args: ValueHint;
}

/** Placeholders (`<file>`, `[paths...]`) whose values are paths on disk. */
const PATH_PLACEHOLDER = /^(?:file|files|path|paths|dir|dirs|folder)$/;

const HELP: CompletionOption = { short: '-h', long: '--help', description: 'show help', value: undefined };

export function completionTree(program: Command): CompletionNode {
  const globals = program.options.filter((o) => !o.hidden).map(toOption);
  return toNode(program, [], globals);
}

function toNode(
  command: Command,
  path: readonly string[],
  globals: readonly CompletionOption[],
): CompletionNode {
  const own = path.length === 0 ? [] : command.options.filter((o) => !o.hidden).map(toOption);
  const args = command.registeredArguments;
  const firstWithChoices = args.find((a) => a.argChoices?.length);
  const argHint: ValueHint = firstWithChoices?.argChoices
    ? { kind: 'choices', values: firstWithChoices.argChoices }
    : args.some((a) => PATH_PLACEHOLDER.test(a.name()))
      ? { kind: 'files' }
      : { kind: 'none' };
  return {
    path,
    name: command.name(),
    description: firstLine(command.description()),
    commands: command.commands
      .filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
      .map((c) => toNode(c, [...path, c.name()], globals)),
    options: [...own, ...globals, HELP],
    args: argHint,
  };
}

function toOption(option: Option): CompletionOption {
  const takesValue = option.required || option.optional;
  let value: ValueHint | undefined;
  if (takesValue) {
    const placeholder = /[<[]([^>\]]+?)(?:\.\.\.)?[>\]]/.exec(option.flags)?.[1] ?? '';
    if (option.argChoices?.length) value = { kind: 'choices', values: option.argChoices };
    else value = PATH_PLACEHOLDER.test(placeholder) ? { kind: 'files' } : { kind: 'none' };
  }
  return {
    short: option.short,
    long: option.long,
    description: firstLine(option.description),
    value,
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/** Every node, depth first, the root first. */
export function allNodes(root: CompletionNode): CompletionNode[] {
  return [root, ...root.commands.flatMap(allNodes)];
}

/** The flags of an option: `-k`, `--k`. */
export function flagsOf(option: CompletionOption): string[] {
  return [option.short, option.long].filter((f): f is string => f !== undefined);
}

/** A word as a single-quoted shell string (bash, zsh and fish read `'…'` alike, but for `'`). */
export function shQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A value hint as one shell word: `files`, `none`, or `choices:a b c`. */
export function hintWord(hint: ValueHint): string {
  if (hint.kind === 'choices') return `choices:${hint.values.join(' ')}`;
  return hint.kind;
}

/**
 * The `case` arms (bash and zsh alike) that map `<command path>|<flag>` to the hint of the
 * value that flag takes.
 */
export function valueHintCases(root: CompletionNode): string[] {
  return allNodes(root).flatMap((node) =>
    node.options
      .filter((o) => o.value && o.value.kind !== 'none')
      .flatMap((o) =>
        flagsOf(o).map(
          (flag) =>
            `    ${shQuote(`${node.path.join(' ')}|${flag}`)}) hint=${shQuote(hintWord(o.value!))} ;;`,
        ),
      ),
  );
}
