import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { loadConfig } from '../../config/load.js';
import { nameInFile, placeOf, spansIn } from '../../context/format.js';
import { holdsMarkdown, isMdxPath } from '../../engines/markdown/file-kinds.js';
import { withoutHiddenMarkup, withoutLinkTargets, withoutTags } from '../../engines/markdown/hidden.js';
import type { FilterField } from '../../engines/types.js';
import { RagError } from '../../errors.js';
import { isInside } from '../../paths.js';
import { BUILTIN_FILTERS } from '../../registry/builtin-filters.js';
import { chunkBody } from '../../search/body.js';
import {
  checkSearchParams,
  describeProblem,
  filterFlag,
  fromCliText,
  type ParamSpec,
  paramSpecs,
} from '../../search/param-specs.js';
import type { SearchParams } from '../../search/params.js';
import type { SearchResultJson } from '../../search/types.js';
import type { HitExplanation, MergeExplanation, SearchMode } from '../../store/types.js';
import { GLOB_SYNTAX } from '../../store/where.js';
import { askDaemon, indexNote } from '../daemon-client.js';
import { displayPath } from '../display.js';
import type { GlobalOptions } from '../main.js';
import { excerpt } from '../snippet.js';

/** Answers a validated search: by default the daemon, or the index directly when none runs. */
export type SearchAnswer = (
  params: SearchParams,
  g: GlobalOptions,
) => Promise<{ result: SearchResultJson; via: 'daemon' | 'index'; starting?: string }>;

export interface SearchCommandOptions {
  /**
   * The engine filter fields that get flags: every registered mapper's. Default: the built-in
   * ones (`BUILTIN_FILTERS`, plain data: the CLI starts without loading any engine).
   */
  filters?: readonly FilterField[];
  answer?: SearchAnswer;
  /** Where results go. Default: process.stdout. */
  stdout?: { write(text: string): unknown };
}

/**
 * `ragctl search`: its flags are the search schema's parameters (src/search/param-specs.ts), so
 * an engine that declares a filter field gets its flag here, and a value is checked by the same
 * schema and in the same words as on the socket. The schema (zod) loads only when a search runs:
 * every other command starts without it.
 */
export function registerSearch(program: Command, options: SearchCommandOptions = {}): void {
  const filters = options.filters ?? BUILTIN_FILTERS;
  const specs = paramSpecs(filters);
  const answer = options.answer ?? askDaemonOrIndex;
  const stdout = options.stdout ?? process.stdout;
  const command = program
    .command('search')
    .argument('<query...>', 'what you are looking for, in your own words')
    .description('search your files (asks the daemon; without one, reads the index directly)');
  const flags = addParamFlags(command, specs);
  command
    .addHelpText(
      'after',
      `
Quoted phrases: a phrase in double quotes keeps only chunks that hold its words side by side (in
any case, punctuation between them ignored; the rest of the query still ranks). Quote it for the
shell too: ragctl search '"connection refused" after upgrade'. A number or a word of one or two
letters alone in quotes is only a word. When nothing holds the phrase,
the results are ranked by its words alone, and a note says so. A query that is one identifier
(make_context, pg_stat_activity, ENOSPC; --dry-run after --, as in ragctl search -- --dry-run)
puts the chunks that name it first.

Dates: 2024-05-01 (UTC), an ISO date-time with Z or an offset (2024-05-01T09:30+02:00), or an
age: 7d, 12h, 30m. A filter that only some engines have (--heading: document engines such as
md) searches only those engines.

Examples:
  ragctl search how do I restore a backup
  ragctl search "ENOSPC" --mode text
  ragctl search '"work_mem" sorts spilling to disk'
  ragctl search "meeting notes about pricing" --path 'work/**' --after 30d -k 5
  ragctl search "proxy settings" --heading Install --before 2024-01-01
  ragctl search --json "deploy checklist" | jq -r '.results[].path'`,
    )
    .action(async (words: string[], opts: Record<string, unknown>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const raw: Record<string, unknown> = { query: words.join(' ') };
      const labels = takeParamFlags(flags, opts, raw);
      if (typeof raw.path === 'string') raw.path = pathFromHere(raw.path, g);
      const { searchParamsSchema } = await import('../../search/params.js');
      const checked = checkSearchParams(searchParamsSchema(filters), raw);
      if (!checked.ok) {
        const label = labels.get(checked.problem.param) ?? 'the query';
        throw new RagError('E_USAGE', describeProblem(checked.problem, label));
      }
      const { result, via, starting } = await answer(checked.params, g);
      if (g.json) {
        stdout.write(`${JSON.stringify({ ...result, via })}\n`);
        return;
      }
      if (via === 'index') process.stderr.write(indexNote('searched the index directly', starting));
      if (result.note) process.stderr.write(`(${result.note})\n`);
      stdout.write(formatResults(result));
    });
}

/** A flag for each search parameter that has one; `search` and `context` take the same. */
export function addParamFlags(
  command: Command,
  specs: readonly ParamSpec[],
  help: (spec: ParamSpec) => string = helpOf,
): Array<{ spec: ParamSpec; option: Option }> {
  const flags: Array<{ spec: ParamSpec; option: Option }> = [];
  for (const spec of specs) {
    const cli = spec.cli;
    if (!cli) continue;
    const option = new Option(cli.flags, help(spec));
    // A boolean flag takes no value, so there is nothing to parse.
    const parse = (text: string, previous: unknown) => fromCliText(cli.value, text, previous);
    if (cli.value !== 'boolean') option.argParser(parse);
    command.addOption(option);
    // A `--no-x` flag alone defaults x to true in commander: leave it unset unless typed, so the
    // parameter is sent only when asked for (its default is the config's).
    if (option.negate) command.setOptionValue(option.attributeName(), undefined);
    flags.push({ spec, option });
    // What other search tools call it (`grep -m`, `head -n`, SQL's LIMIT): taken, not advertised.
    if (spec.name === 'k') {
      const alias = new Option('-n, --limit <n>').hideHelp().argParser(parse);
      command.addOption(alias);
      flags.push({ spec, option: alias });
    }
  }
  return flags;
}

/**
 * Copies the flags' values into `raw` under their parameters' names, and returns each
 * parameter's flag as an error names it: the one the user typed (`--limit`, not `-k`), else
 * the parameter's own.
 */
export function takeParamFlags(
  flags: ReadonlyArray<{ spec: ParamSpec; option: Option }>,
  opts: Record<string, unknown>,
  raw: Record<string, unknown>,
): Map<string, string> {
  const labels = new Map<string, string>();
  // An alias comes after its parameter's own flag (addParamFlags), so it overrides it when typed.
  for (const { spec, option } of flags) {
    const value = opts[option.attributeName()];
    if (value !== undefined) raw[spec.name] = value;
    if (spec.cli?.flags === option.flags) labels.set(spec.name, spec.cli.label);
    else if (value !== undefined) labels.set(spec.name, option.long ?? option.flags);
  }
  return labels;
}

/**
 * A relative `--path` whose folders are there from where the user stands, in or around a
 * source, as the absolute glob it names: results print paths from there (`src/cobra/cmd.go`),
 * so that is how people write them back. Any other glob is left for the search to read (from
 * a source's root, or under the source folder's name: `notes/**`).
 */
export function pathFromHere(glob: string, g: GlobalOptions, cwd = process.cwd()): string {
  if (glob === '~' || glob.startsWith('~/')) return `${homedir()}${glob.slice(1)}`;
  if (glob.startsWith('/')) return glob;
  const relative = glob.replace(/^(\.\/)+/, '');
  const literal: string[] = [];
  for (const segment of relative.split('/')) {
    if (segment === '' || GLOB_SYNTAX.test(segment)) break;
    literal.push(segment);
  }
  if (!literal.length) return glob;
  const at = resolve(cwd, ...literal);
  if (!existsSync(at)) return glob;
  let sources: readonly string[];
  try {
    sources = loadConfig({ configPath: g.config }).sources.map((s) => s.path);
  } catch {
    return glob;
  }
  const near = sources.some((root) => root === at || isInside(at, root) || isInside(root, at));
  return near ? resolve(cwd, relative) + (relative.endsWith('/') ? '/' : '') : glob;
}

export function helpOf(spec: ParamSpec): string {
  const extra = [spec.cli?.value === 'list' ? 'repeat for several' : '', spec.cli?.defaultHelp ?? '']
    .filter(Boolean)
    .join('; ');
  const words = spec.cli?.help ?? spec.description;
  return extra ? `${words} (${extra})` : words;
}

const askDaemonOrIndex: SearchAnswer = (params, g) =>
  askDaemon(g, 'search', params, async (app) => {
    const { toJson } = await import('../../search/types.js');
    return toJson(await app.search.search(params));
  });

export function formatResults(result: SearchResultJson): string {
  if (!result.results.length) return `No results for “${result.query}”.\n`;
  const lines: string[] = [];
  result.results.forEach((hit, i) => {
    const where = placeOf(hit, displayPath);
    lines.push(
      `${String(i + 1).padStart(2)}. ${where}${hitName(hit)}  (${formatScore(hit.score, result.mode)})`,
    );
    // An engine's chunker may give a hit a header line of its own facts (the SQL engine: duration,
    // time, short fingerprint); the CLI prints it as is and knows no engine by name.
    const display = hit.metadata.display;
    if (typeof display === 'string' && display) lines.push(`    ${display}`);
    // Code's chunks name their kind (function, class); a document's have none.
    const prose = hit.metadata.kind === undefined;
    const shown =
      prose && holdsMarkdown(hit.path)
        ? withoutTags(withoutLinkTargets(withoutHiddenMarkup(hit.text, { mdx: isMdxPath(hit.path) })))
        : hit.text;
    lines.push(`    ${snippet(shown, hit.heading_path, bodyOffsetIn(shown, hit), result.query, prose)}`);
    if (hit.repeats) lines.push(`    ${repeatsLine(hit.repeats)}`);
    if (hit.parts) lines.push(`    more of it matched: ${spansIn(hit.path, hit.parts)}`);
    if (hit.copies) lines.push(`    also in ${hit.copies.map((c) => placeOf(c, displayPath)).join(', ')}`);
    if (hit.explain) lines.push(...formatExplanation(hit.explain).map((l) => `    ${l}`));
  });
  return `${lines.join('\n')}\n`;
}

/** `+ at least 41 more like it (--fingerprint 2ed35f09… lists each)`: the search looked at a pool, not every row. */
function repeatsLine(r: NonNullable<SearchResultJson['results'][number]['repeats']>): string {
  return `+ at least ${r.count} more like it (${filterFlag(r.filter)} ${r.value} lists each)`;
}

/**
 * What contains the hit, after its place: a chunk's own symbol where its engine names one (code:
 * `Cart.total`, which a top-level function would otherwise lack, as its heading path holds only
 * enclosing classes), else its heading path (Markdown sections).
 */
function hitName(hit: SearchResultJson['results'][number]): string {
  const symbol = hit.metadata.symbol;
  const name = typeof symbol === 'string' && symbol ? nameInFile(symbol) : hit.heading_path.join(' › ');
  return name ? `  ${name}` : '';
}

/** `--explain` under a hit: each leg's rank and raw score, the fusion's sum, the filter. */
export function formatExplanation(e: HitExplanation): string[] {
  const vector = e.vector
    ? `vector #${e.vector.rank} (distance ${e.vector.distance.toFixed(4)})`
    : 'vector —';
  const text = e.text ? `text #${e.text.rank} (BM25 ${e.text.bm25.toFixed(3)})` : 'text —';
  const lines = [`explain: ${vector} · ${text}`];
  const f = e.fusion;
  if (f) {
    const part = (w: number, x: number | null) =>
      x === null ? `${w.toFixed(2)}×0 (not in its top ${f.pool})` : `${w.toFixed(2)}×${x.toFixed(3)}`;
    // The file term only where it added something: a file's lone candidate has no evidence.
    const file =
      f.file.evidence > 0
        ? ` + ${f.file.weight.toFixed(2)}×${f.file.evidence.toFixed(3)} (its file's other hits)`
        : '';
    const legs = `${part(f.weights.vector, f.normalized.vector)} + ${part(f.weights.text, f.normalized.text)}`;
    // A ranked-down hit (a test file, a listing) keeps that share of its fused score.
    const as = f.rankDownFor?.length ? `: ${f.rankDownFor.join(', ')}` : '';
    const fused = f.rankDown === undefined ? legs : `(${legs})×${f.rankDown} (ranked down${as})`;
    // A one-name or phrase query's groups: the sum stays visible beside the score it was held to.
    const sum = f.capped === undefined ? e.score.toFixed(4) : `${f.capped.toFixed(4)}${heldBelow(e.score)}`;
    lines.push(`  ${f.method}: ${fused}${file} = ${sum}`);
  }
  if (e.merge) lines.push(`  ${formatMerge(e.merge)}${heldBelow(e.merge.heldAt)}`);
  if (e.rerank)
    lines.push(
      `  re-ranked: late interaction ${e.rerank.late.toFixed(4)}; #${e.rerank.before} in the fused order, whose first ${e.rerank.depth} were read against the query (the score shown is its new place's, so scores still fall down the list)`,
    );
  if (e.exact)
    lines.push(
      e.exact.usages
        ? e.exact.defines
          ? `  defines ${e.exact.term}: after the hits that use it, as the query asks for its uses`
          : e.exact.member
            ? `  is part of ${e.exact.term}'s definition: after it, as the query asks for its uses`
            : e.exact.enclosing
              ? `  holds ${e.exact.term}'s definition (lists its signature): after it, as the query asks for its uses`
              : e.exact.parameter
                ? `  names ${e.exact.term} only as a parameter of its own: after the definition, as the query asks for its uses`
                : e.exact.held
                  ? `  names ${e.exact.term}: ranked with the hits that use it, first (a ranked-down one after the others)`
                  : `  does not name ${e.exact.term}: ranked after the hits that do (its score at most theirs)`
        : e.exact.defines
          ? `  defines ${e.exact.term}: ranked with the hits that define it, first`
          : e.exact.phrase
            ? e.exact.held
              ? `  holds “${e.exact.term}” as written: ranked with the hits that do, first`
              : `  does not hold “${e.exact.term}” as written: after the hits that do, in its own order`
            : e.exact.soft
              ? `  does not define ${e.exact.term}: after the hits that do, in its own order (one word may be a name or only a word)`
              : e.exact.held
                ? `  names ${e.exact.term}: ranked with the hits that name it, after those that define it`
                : `  does not name ${e.exact.term}: ranked after the hits that do (its score at most theirs)`,
    );
  lines.push(`  filter: ${e.where ?? 'none'}`);
  if (e.textWhere !== undefined) lines.push(`  text leg's filter: ${e.textWhere}`);
  return lines;
}

/** `, held at 0.1453 …`: a one-name or phrase query's group kept at most the score of those before it. */
function heldBelow(score: number | undefined): string {
  return score === undefined ? '' : `, held at ${score.toFixed(4)} below the hits ranked before it`;
}

/** How several engines' hits became one list (`mergeEngines`). */
function formatMerge(m: MergeExplanation): string {
  switch (m.method) {
    case 'relative-score': {
      const leg = (x: number | null) => (x === null ? '—' : x.toFixed(3));
      const file =
        m.file.evidence > 0 ? ` + ${m.file.weight.toFixed(2)}×${m.file.evidence.toFixed(3)} (file)` : '';
      return `engines merged: fused again over all ${m.candidates} candidates, vector ${leg(m.normalized.vector)} · text ${leg(m.normalized.text)}${file} → ${m.score.toFixed(4)}`;
    }
    case 'similarity':
    case 'bm25':
      return `engines merged by ${m.method === 'bm25' ? 'BM25' : 'similarity'}: ${m.score.toFixed(4)}`;
    case 'rrf':
      return `engines merged by rank (their models differ): #${m.rank} in its engine, 1/(${m.k} + ${m.rank}) → ${m.score.toFixed(4)}`;
  }
}

/** One line that is a Markdown ATX heading (`## Install *quickly* ##`); its title is group 1. */
const ATX_HEADING = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/;

/** A title as compared: its letters and digits only, so `## Install *quickly*` is `Install quickly`. */
const titleKey = (title: string): string => title.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/**
 * The body without the heading lines that open it (`# Title`, or a setext `Title` over `===`)
 * when the hit's name already prints them; a heading that is not in the path stays. In a
 * document, a line that is a title of the path and nothing else is one too: an HTML heading's
 * (`<h3 name="order">` / its title / `</h3>`), its tags already taken out.
 */
function withoutLeadingTitles(body: string, headingPath: readonly string[], prose: boolean): string {
  const titles = new Set(headingPath.map(titleKey).filter(Boolean));
  if (!titles.size) return body;
  const lines = body.split('\n');
  let i = 0;
  for (;;) {
    while (i < lines.length && !lines[i]!.trim()) i++;
    const atx = ATX_HEADING.exec(lines[i] ?? '');
    if (atx && titles.has(titleKey(atx[1]!))) i += 1;
    else if (/^ {0,3}(=+|-+)\s*$/.test(lines[i + 1] ?? '') && titles.has(titleKey(lines[i]!))) i += 2;
    else if (prose && i < lines.length && titles.has(titleKey(lines[i]!))) i += 1;
    else break;
  }
  return lines.slice(i).join('\n');
}

function formatScore(score: number, mode: SearchMode): string {
  return mode === 'vector' ? `similarity ${score.toFixed(3)}` : `score ${score.toFixed(4)}`;
}

/**
 * A document's headings inside the chunk as their words (`## Synopsis` as `Synopsis:`): on one
 * line, `#` marks read as noise. Not inside a fenced code block, where `# ` opens a comment.
 */
function headingsAsWords(body: string): string {
  let fenced = false;
  return body
    .split('\n')
    .map((line) => {
      if (/^ {0,3}(```|~~~)/.test(line)) fenced = !fenced;
      const heading = fenced ? null : ATX_HEADING.exec(line);
      if (!heading) return line;
      const title = heading[1]!;
      return /[.:!?]$/.test(title) ? title : `${title}:`;
    })
    .join('\n');
}

/**
 * `bodyOffset` in `shown`, the hit's text with hidden markup taken out: that markup is in the body
 * only (the breadcrumb and keywords before it have none), so the offset stands while the text
 * before it is the same.
 */
function bodyOffsetIn(shown: string, hit: SearchResultJson['results'][number]): unknown {
  const offset = hit.metadata.bodyOffset;
  if (shown === hit.text || typeof offset !== 'number') return offset;
  return shown.slice(0, offset) === hit.text.slice(0, offset) ? offset : undefined;
}

/**
 * The chunk's own text, whitespace folded, the stretch of it that shows the query's words (see
 * `excerpt`): without what its chunker put before it for search's sake (`bodyOffset`: a heading
 * breadcrumb, a code chunk's symbol and name-word lines), or else without a leading heading
 * breadcrumb. `prose`: a document's chunk, whose `#` lines are headings (not code's comments).
 */
function snippet(
  text: string,
  headingPath: string[],
  bodyOffset: unknown,
  query: string,
  prose: boolean,
): string {
  let body = chunkBody(text, bodyOffset);
  const crumb = headingPath.join(' > ');
  // No offset to cut at: a breadcrumb opening the text is still not the chunk's own.
  if (body === text && crumb && body.startsWith(`${crumb}\n\n`)) body = body.slice(crumb.length);
  body = withoutLeadingTitles(body, headingPath, prose);
  body = prose ? headingsAsWords(body) : withoutCommentMarkers(body);
  return excerpt(body.replace(/\s+/g, ' ').trim(), query);
}

/**
 * Code's comment markers at the start of a line (`/**`, ` * `, `*\/`, `///`, `//!`, `//`) out,
 * their words kept: on one line a doc comment's every ` * ` reads as noise. A `*` that is no
 * marker (C's `*p = c;`) is followed by no space, and stays; so does `#`, which opens Rust's
 * attributes and C's directives as well as comments.
 */
function withoutCommentMarkers(body: string): string {
  return body
    .split('\n')
    .map((line) => line.replace(/^(\s*)(?:\/\*+|\*+\/|\*(?=\s|$)|\/\/[/!]?)/, '$1'))
    .join('\n');
}
