import { type Command, Option } from 'commander';
import type { ContextResultJson } from '../../context/types.js';
import type { FilterField } from '../../engines/types.js';
import { RagError } from '../../errors.js';
import { BUILTIN_FILTERS } from '../../registry/builtin-filters.js';
import { fromCliText, paramSpecs } from '../../search/param-specs.js';
import { askDaemon, indexNote } from '../daemon-client.js';
import { displayPath } from '../display.js';
import type { GlobalOptions } from '../main.js';
import { addParamFlags, helpOf, pathFromHere, takeParamFlags } from './search.js';

export interface ContextCommandOptions {
  /** The engine filter fields that get flags (as for `search`); default: the built-in ones. */
  filters?: readonly FilterField[];
  /** Where the context goes. Default: process.stdout. */
  stdout?: { write(text: string): unknown };
}

/** Kept in step with DEFAULT_BUDGET_TOKENS (src/context/params.ts), which loads only when a context runs. */
const BUDGET_HELP =
  'tokens the whole context may take (16 to 200000), counted with --tokenizer (default: 2000)';

/** Kept in step with CONTEXT_TOKENIZERS (src/context/tokenizers.ts), loaded only when a context runs. */
const TOKENIZER_HELP =
  'what counts the budget: embedder (the embedding model’s tokenizer), cl100k_base (GPT-4) or o200k_base (GPT-4o and later) (default: context.tokenizer in the config, embedder)';

const K_HELP = 'search hits to build the context from (default: search.k in the config, 10)';

/**
 * `ragctl context`: a search whose hits come with what they need to be read alone (their
 * class and enclosing function, their module's imports, a document's neighbouring sections),
 * fitted to a token budget and printed ready to paste into a prompt. Takes every `search` flag.
 */
export function registerContext(program: Command, options: ContextCommandOptions = {}): void {
  const filters = options.filters ?? BUILTIN_FILTERS;
  const specs = paramSpecs(filters);
  const stdout = options.stdout ?? process.stdout;
  const command = program
    .command('context')
    .argument('<question...>', 'what you want an LLM to answer, in your own words')
    .description('search, then print the hits with their scopes and imports, fitted to a token budget')
    .addOption(
      new Option('--budget <tokens>', BUDGET_HELP).argParser((t: string) =>
        fromCliText('number', t, undefined),
      ),
    )
    .addOption(new Option('--tokenizer <name>', TOKENIZER_HELP));
  const flags = addParamFlags(command, specs, (spec) => (spec.name === 'k' ? K_HELP : helpOf(spec)));
  command
    .addHelpText(
      'after',
      `
What goes in: each hit, most relevant first; for code, the chunks that enclose it (its class
as header and member signatures, the function it is nested in) and its file's import block;
for Markdown, its heading path and, while the budget allows, the sections just before and
after it (and for a function too long for one chunk, whose hit is its header, its body). Each block once, in file order, whole lines only: what does not fit is left out,
least relevant first (a hit goes with its scopes). A block nested in another one shown is cut
out of it, leaving "… (lines a-b below)".

Output: each block under a line "--- path:start-end name (hit 0.812 | parent | imports |
neighbour)". --json gives {query, budget, tokens, tokenizer, blocks: [{path, start_line,
end_line, role, symbol, heading_path, score, text, engine}], dropped, took_ms}; tokenizer says
what counted the tokens.

Examples:
  ragctl context "where are expired sessions cleaned up" --engine code
  ragctl context "how is the retry delay computed" --budget 4000 --lang python
  ragctl context "restore a backup" --json | jq -r '.blocks[] | "\\(.path):\\(.start_line)"'
  ragctl context "parse the config file" --budget 1500 | pbcopy
  ragctl context "how are sessions stored" --budget 8000 --tokenizer o200k_base`,
    )
    .action(async (words: string[], opts: Record<string, unknown>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const raw: Record<string, unknown> = { query: words.join(' ') };
      if (opts.budget !== undefined) raw.budget = opts.budget;
      if (opts.tokenizer !== undefined) raw.tokenizer = opts.tokenizer;
      const labels = takeParamFlags(flags, opts, raw);
      if (typeof raw.path === 'string') raw.path = pathFromHere(raw.path, g);
      const [{ searchParamsSchema }, { checkContextParams }] = await Promise.all([
        import('../../search/params.js'),
        import('../../context/params.js'),
      ]);
      const checked = checkContextParams(searchParamsSchema(filters), raw);
      if (!checked.ok) {
        const label =
          checked.param === 'budget' || checked.param === 'tokenizer'
            ? `--${checked.param}`
            : (labels.get(checked.param) ?? 'the question');
        throw new RagError('E_USAGE', checked.message(label));
      }
      const params = checked.params;
      const { result, via, starting } = await askDaemon(g, 'context', params, (app) =>
        app.context.assemble(params),
      );
      if (g.json) {
        stdout.write(`${JSON.stringify({ ...result, via })}\n`);
        return;
      }
      if (via === 'index') process.stderr.write(indexNote('read the index directly', starting));
      if (result.note) process.stderr.write(`(${result.note})\n`);
      stdout.write(await formatted(result));
    });
}

async function formatted(result: ContextResultJson): Promise<string> {
  const { emptyContext, formatContext } = await import('../../context/format.js');
  if (result.blocks.length === 0) return `${emptyContext(result)}\n`;
  const note = result.dropped > 0 ? `, ${result.dropped} more blocks left out` : '';
  process.stderr.write(`(${result.tokens} of ${result.budget} tokens${note})\n`);
  return formatContext(result, displayPath);
}
