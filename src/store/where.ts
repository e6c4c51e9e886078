import { RagError } from '../errors.js';
import { composed } from '../text-decode.js';
import { CHUNK_COLUMNS as C, type FieldFilter, type SearchFilter } from './types.js';

/**
 * The one place that writes LanceDB `where` strings (DataFusion SQL). Every value that
 * reaches a filter goes through `sqlString` / `sqlNumber`; call sites never quote by hand.
 */

/** A SQL string literal: single quotes doubled. Backslashes are literal in DataFusion SQL. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A SQL number literal; NaN and ±Infinity have no literal and are refused. */
export function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RagError('E_USAGE', `not a finite number for a filter: ${value}`);
  // The shortest round-trip form; DataFusion reads `1e21` and `1.5e-7` as floats.
  return String(value);
}

/** `column IN ('a', 'b')`, or `false` for no values (an empty IN list is a syntax error). */
export function inList(column: string, values: readonly string[]): string {
  if (values.length === 0) return 'false';
  return `${column} IN (${values.map(sqlString).join(', ')})`;
}

/**
 * Rows whose `column` holds none of `values`, rows where it is null included (`NOT IN` alone
 * would drop them: NULL is neither in a list nor out of it). Undefined for no values.
 */
export function noneOf(column: string, values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  return `${identifier(column)} IS NULL OR ${not(inList(column, values))}`;
}

/** Joins clauses with AND, dropping absent ones; undefined when nothing is left. */
export function and(...clauses: readonly (string | undefined)[]): string | undefined {
  const present = clauses.filter((c): c is string => c !== undefined && c !== '');
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return present.map((c) => `(${c})`).join(' AND ');
}

/** The rows `clause` does not keep. Chunk tables' columns are non-null: no row is neither. */
export function not(clause: string): string {
  return `NOT (${clause})`;
}

/** The `where` for a search filter, or undefined for none. */
export function filterWhere(filter: SearchFilter | undefined): string | undefined {
  if (!filter) return undefined;
  return and(
    filter.pathGlob === undefined ? undefined : pathGlobWhere(filter.pathGlob),
    filter.afterMs === undefined
      ? undefined
      : fieldWhere({ kind: 'date-after', column: filter.timeColumn ?? C.mtimeMs, value: filter.afterMs }),
    filter.beforeMs === undefined
      ? undefined
      : fieldWhere({ kind: 'date-before', column: filter.timeColumn ?? C.mtimeMs, value: filter.beforeMs }),
    ...(filter.fields ?? []).map(fieldWhere),
    ...(filter.notAmong ?? []).map((n) => noneOf(n.column, n.values)),
    ...(filter.phrases ?? []).map(phraseWhere),
  );
}

/** A run of letters, digits and combining marks: a word as the full-text index splits them. */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** A phrase's words, split as `phraseWhere` matches them (`work_mem` is "work", "mem"). */
export function phraseWords(phrase: string): string[] {
  return phrase.match(WORD) ?? [];
}

/**
 * The scripts written without spaces between words (Chinese, Japanese, Korean), as the body of a
 * regex character class: the full-text index cannot split their words (`textLeg` in search.ts
 * looks for them as written), and a phrase of them needs no word edge beside other letters.
 */
export const UNSPACED_SCRIPTS = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}`;
const UNSPACED_FIRST = new RegExp(`^[${UNSPACED_SCRIPTS}]`, 'u');
const UNSPACED_LAST = new RegExp(`[${UNSPACED_SCRIPTS}]$`, 'u');

/**
 * Rows whose text holds `phrase`'s words side by side, in its order, whole, in any case, with
 * any punctuation or white space between them: "connection refused" matches "Connection
 * refused", "connection\n  refused" and "**connection** refused", not "connection was refused"
 * or "connections refused". Words are split as the full-text index splits them (`work_mem` is
 * "work mem"); unlike it, nothing is stemmed, since a quoted phrase asks for those words. A
 * phrase with an underscore inside (`"work_mem"`) must not be glued to more of an identifier:
 * `maintenance_work_mem` does not hold it.
 *
 * The regex reads every row's text; the `ILIKE` before it is a cheaper test the row must pass
 * first (the words in order, anywhere), which spares the regex most rows of a rare phrase.
 */
export function phraseWhere(phrase: string): string {
  const words = phraseWords(phrase);
  if (words.length === 0) throw new RagError('E_USAGE', `the phrase ${JSON.stringify(phrase)} has no words`);
  // `\W` is Unicode-aware in Rust's regex; `_` is a word character there but parts words here.
  const apart = String.raw`[\W_]`;
  // A phrase written with underscores names an identifier: `"work_mem"` is not the tail of
  // `maintenance_work_mem`. Elsewhere an underscore at an end is Markdown's `_emphasis_`.
  const edge = /[\p{L}\p{N}\p{M}]_[\p{L}\p{N}\p{M}]/u.test(phrase) ? String.raw`\W` : apart;
  // Chinese and Japanese words sit between other letters, not spaces: no edge on such a side.
  const open = UNSPACED_FIRST.test(words[0]!) ? '' : `(?:^|${edge})`;
  const close = UNSPACED_LAST.test(words.at(-1)!) ? '' : `(?:${edge}|$)`;
  const regex = `(?i)${open}${words.join(`${apart}+`)}${close}`;
  return `${C.text} ILIKE ${sqlString(`%${words.join('%')}%`)} AND regexp_like(${C.text}, ${sqlString(regex)})`;
}

/** A name a type's member can have, and a declaration line can open with: letters, digits, `_`. */
export const MEMBER_NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;

/** What may follow a member's name on the line that declares it in a class outline, and in an enum's. */
export const MEMBER_FOLLOWS = { class: '[,;=]', enum: '[,;=({]' } as const;

/**
 * The regex source of a line that opens with `member` (a `MEMBER_NAME`), then one of `follows`
 * (`MEMBER_FOLLOWS`) or its end: how a type's outline declares a member that has no row of its
 * own (exact-first's `declaresMember`, and the rows `nameWhere` reads for it). Multi-line flags
 * are the caller's.
 */
export function memberLine(member: string, follows: string): string {
  return `^[ \t]*${member}[ \t]*(?:${follows}|$)`;
}

/**
 * Rows whose qualified name (`column`: `Class.method`) is the identifier or ends with it, in any
 * case (`TypeAdapter`, `Command.Execute`) or, `asTyped`, in the case typed; for a qualified one,
 * also those named by its last name in a path that holds its qualifier (`cobra.MinimumNArgs`:
 * `MinimumNArgs` under `…/cobra…`), and a type named by its qualifier that declares its last name.
 * Which of them define the identifier is `withExactFirst`'s to say.
 */
export function nameWhere(column: string, term: string, asTyped = false): string {
  const bare = term.replace(/^(?:--?|[$@#])/u, '');
  const parts = (asTyped ? bare : bare.toLowerCase()).split(/::|->|[.#/]/u).filter(Boolean);
  const name = asTyped ? identifier(column) : `lower(${identifier(column)})`;
  const named = (tail: string) =>
    `(${name} = ${sqlString(tail)} OR ends_with(${name}, ${sqlString(`.${tail}`)}))`;
  const whole = named(parts.join('.'));
  if (parts.length < 2) return whole;
  const member = parts.at(-1)!;
  const inPackage = `strpos(lower(${C.path}), ${sqlString(`/${parts.at(-2)}`)}) > 0`;
  const either = `${whole} OR (${named(member)} AND ${inPackage})`;
  if (!MEMBER_NAME.test(member)) return `(${either})`;
  // A type's member (`JsonToken.BEGIN_ARRAY`, an enum's constant) has no row of its own: the
  // type's rows that may declare it (an enum's followers are the wider set).
  const declared = `regexp_like(${C.text}, ${sqlString(`(?mi)${memberLine(member, MEMBER_FOLLOWS.enum)}`)})`;
  return `(${either} OR (${named(parts.slice(0, -1).join('.'))} AND ${declared}))`;
}

/**
 * A section's number before its title, as manuals number them (`2.5`, `25.1.`, `F.21.5.`,
 * `Chapter 5:`, `Appendix B.`): a reader names the section by its title.
 */
const SECTION_NUMBER =
  '(?:(?:chapter|section|appendix|part)[ \t]+[0-9a-z]+[.:]?[ \t]+|[0-9]+(?:\\.[0-9]+)*\\.?[ \t]+|[a-z](?:\\.[0-9]+)+\\.?[ \t]+)?';

/**
 * Chunks under a heading of exactly this text, in any case: an item of the heading path, or a
 * line of the text that is that heading (`## Tasks`, `** Tasks`, an optional closing `#` run).
 * A section number before the heading may be left out (`Missing values` is `2.5 Missing values`).
 */
function headingWhere(column: string, heading: string): string {
  const text = composed(heading.trim());
  // A number typed with or without its last dot (`25.1 Routine Vacuuming` for `25.1. Routine Vacuuming`).
  const typed = /^([0-9]+(?:\.[0-9]+)*|[a-z](?:\.[0-9]+)+)\.?\s+(.+)$/i.exec(text);
  const escaped = typed
    ? `${[...typed[1]!].map(escapedChar).join('')}\\.?[ \t]+${[...typed[2]!].map(escapedChar).join('')}`
    : [...text].map(escapedChar).join('');
  const number = /^(?:[0-9]|[a-z]\.[0-9]|(?:chapter|section|appendix|part)\s)/i.test(text)
    ? ''
    : SECTION_NUMBER;
  const inPath = anyItemWhere(column, `(?im)^${number}${escaped}$`);
  const inText = `regexp_like(${C.text}, ${sqlString(`(?im)^(#{1,6}|\\*{1,6})[ \t]+${number}${escaped}[ \t]*#*[ \t]*$`)})`;
  return `(${inPath} OR ${inText})`;
}

/**
 * Rows whose list holds the value as a name is matched where names fold case and may be
 * qualified (the SQL engine's tables): in any case, `orders` as `orders` or `shop.orders`, and
 * `public.orders` as itself or `orders`, which is how a statement on the search path names it.
 * Quotes around the value (`"Orders"`, `` `orders` ``) are the user's, not the name's.
 */
function listItemWhere(column: string, value: string): string {
  const parts = value
    .trim()
    .split('.')
    .map((part) => part.replace(/^(["`])(.*)\1$/, '$2'));
  const name = parts.pop()!;
  const qualifier = parts.length ? [...parts.join('.')].map(escapedChar).join('') : '[^\n]+';
  return anyItemWhere(column, `(?im)^(?:${qualifier}\\.)?${[...name].map(escapedChar).join('')}$`);
}

/** Rows with an item of a `List<utf8>` column that `regex` matches: its items, one a line. */
function anyItemWhere(column: string, regex: string): string {
  return `regexp_like(array_to_string(${column}, '\n'), ${sqlString(regex)})`;
}

/** Column names come from mappers' declarations; only plain identifiers reach SQL unquoted. */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function identifier(column: string): string {
  if (!IDENTIFIER.test(column)) {
    throw new RagError(
      'E_SCHEMA',
      `filter column ${JSON.stringify(column)} is not a lower-case identifier; rename it in the mapper's declaration`,
    );
  }
  return column;
}

/** The clause for one declared filter field and its value (see `FilterKind`). */
export function fieldWhere(filter: FieldFilter): string {
  const column = identifier(filter.column);
  switch (filter.kind) {
    case 'number-min':
    case 'date-after':
      return `${column} >= ${sqlNumber(filter.value)}`;
    case 'number-max':
      return `${column} <= ${sqlNumber(filter.value)}`;
    case 'date-before':
      return `${column} < ${sqlNumber(filter.value)}`;
    case 'string-eq':
      return `${column} = ${sqlString(filter.value)}`;
    case 'string-in':
      return inList(column, filter.value);
    case 'string-prefix':
      return `starts_with(${column}, ${sqlString(filter.value)})`;
    case 'heading':
      return headingWhere(column, filter.value);
    case 'list-contains':
      return listItemWhere(column, filter.value);
    case 'glob':
      return `regexp_like(${column}, ${sqlString(`^${globToRegex(filter.value)}$`)})`;
    case 'path-glob':
      // Path globs choose between `rel_path` and `path` themselves (a leading `/`).
      return pathGlobWhere(filter.value);
  }
}

/**
 * `--path <glob>` as a filter, with gitignore-like rules:
 * - a glob starting with `/` matches the absolute `path`; any other glob matches
 *   `rel_path` (relative to the file's source root, `/`-separated; a leading `./` is dropped),
 *   or that path under the source folder's own name: people name a folder by its name
 *   (`notes/**` for the source `~/notes`), and the CLI shows paths from where they stand;
 * - a relative glob without a `/` (other than a trailing one) matches at any depth:
 *   `*.md` is `**\/*.md`;
 * - a glob that matches a folder matches everything inside it: `docs` and `docs/` are
 *   `docs/**`;
 * - `*` and `?` stay within one path segment, `**` crosses segments, `[abc]`, `[!abc]`,
 *   `{a,b}` and `\x` (a literal x) work as in shells;
 * - a path segment without a capital letter matches in any case (`readme.md` finds `README.md`,
 *   `notes/**` the source `~/Notes`): macOS and Windows file systems ignore case, and people
 *   type names in lower case. A capital letter makes its segment match case as typed (smart
 *   case, per segment, so that the CLI's `/Users/Ann/` before a typed `notes/**` stays exact;
 *   `smartCase: false` matches case as typed throughout, for bench/store/path-glob-cost.mjs).
 */
export function pathGlobWhere(glob: string, options: { smartCase?: boolean } = {}): string {
  const smartCase = options.smartCase !== false;
  if (glob === '')
    throw new RagError('E_USAGE', 'an empty --path glob matches nothing; leave it out instead');
  // Paths are stored as the file system gives them: decomposed on some (macOS, a synced or
  // copied folder), composed as typed on others. A glob with accents matches either spelling.
  const spellings = [...new Set([glob.normalize('NFC'), glob.normalize('NFD')])];
  const clause = (spelling: string) => pathGlobClause(spelling, smartCase);
  if (spellings.length > 1) return `(${spellings.map(clause).join(' OR ')})`;
  return clause(glob);
}

function pathGlobClause(glob: string, smartCase: boolean): string {
  const absolute = glob.startsWith('/');
  let body = absolute ? glob : glob.replace(/^(\.\/)+/, '');
  while (body.length > 1 && body.endsWith('/')) body = body.slice(0, -1);
  const anyDepth = !absolute && !body.includes('/');
  const own = globLike(absolute ? C.path : C.relPath, body, { deep: anyDepth, smartCase });
  const named = absolute ? undefined : underSourceName(body, anyDepth, smartCase);
  return named ? `(${own} OR ${named})` : own;
}

/** `column` matches `glob` whole, or a folder it names (at any depth when `deep`). */
function globLike(column: string, glob: string, how: { deep: boolean; smartCase: boolean }): string {
  const regex = `^${how.deep ? '(?:.*/)?' : ''}${globToRegex(glob, how)}(?:/.*)?$`;
  return `regexp_like(${column}, ${sqlString(regex)})`;
}

/** Glob syntax: a segment without it is a literal name. */
export const GLOB_SYNTAX = /[*?[\]{}\\]/;

/**
 * The glob matched against `<source folder name>/<rel_path>`. A literal first segment is a
 * cheap test on the root (`ends_with`) and the rest of the glob on `rel_path`; only a first
 * segment with wildcards builds the joined path for every row, which costs more.
 */
function underSourceName(body: string, anyDepth: boolean, smartCase: boolean): string | undefined {
  const slash = body.indexOf('/');
  const first = slash < 0 ? body : body.slice(0, slash);
  if (!GLOB_SYNTAX.test(first)) {
    const root = smartCase && first === first.toLowerCase() ? `lower(${C.root})` : C.root;
    const named = `ends_with(${root}, ${sqlString(`/${first}`)})`;
    // `notes` names the source folder itself: all of it. (At any depth it names subfolders too,
    // which `rel_path` matched already.)
    const rest = globLike(C.relPath, body.slice(slash + 1), { deep: false, smartCase });
    return slash < 0 ? named : `(${named} AND ${rest})`;
  }
  // `*.md` at any depth: a source folder's name adds nothing a file's own path does not match.
  if (anyDepth) return undefined;
  return globLike(`concat(regexp_replace(${C.root}, '^.*/', ''), '/', ${C.relPath})`, body, {
    deep: false,
    smartCase,
  });
}

// Everything Rust's regex crate treats as syntax; escaping punctuation is always allowed there.
const REGEX_SPECIAL = /[\\^$.|?*+()[\]{}]/;

/**
 * The body of a regex (no anchors) for one glob, in the dialect of Rust's `regex` crate (and
 * JavaScript's). `smartCase`: the letters of a segment without a capital letter match either
 * case, as classes (`[rR]`), which both dialects read alike.
 */
export function globToRegex(glob: string, options: { smartCase?: boolean } = {}): string {
  const anyCase = anyCaseAt(glob, options.smartCase === true);
  const literal = (at: number) =>
    anyCase[at] ? eitherCase(glob[at] as string) : escapedChar(glob[at] as string);
  let out = '';
  let braceDepth = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '\\' && i + 1 < glob.length) {
      out += literal(++i);
    } else if (ch === '*') {
      if (glob[i + 1] === '*') {
        i++;
        // `**/` may match no folder at all: `a/**/b` matches `a/b`.
        if (glob[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else {
          out += '.*';
        }
      } else {
        out += '[^/]*';
      }
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '[') {
      const end = classEnd(glob, i);
      if (end < 0) {
        out += escapedChar(ch);
      } else {
        out += charClass(glob.slice(i + 1, end));
        i = end;
      }
    } else if (ch === '{' && hasClosingBrace(glob, i)) {
      braceDepth++;
      out += '(?:';
    } else if (ch === ',' && braceDepth > 0) {
      out += '|';
    } else if (ch === '}' && braceDepth > 0) {
      braceDepth--;
      out += ')';
    } else {
      out += literal(i);
    }
  }
  return out;
}

/** For each of the glob's characters, whether it is in a path segment without a capital letter. */
function anyCaseAt(glob: string, smartCase: boolean): boolean[] {
  const out: boolean[] = [];
  for (const segment of glob.split('/')) {
    const lower = smartCase && segment === segment.toLowerCase();
    for (let i = 0; i < segment.length; i++) out.push(lower);
    out.push(false); // the `/`
  }
  return out;
}

function escapedChar(ch: string): string {
  return REGEX_SPECIAL.test(ch) ? `\\${ch}` : ch;
}

/** A letter with one capital of one character as a class of both (`[aA]`); anything else as itself. */
function eitherCase(ch: string): string {
  const upper = ch.toUpperCase();
  return upper !== ch && upper.length === 1 && upper.toLowerCase() === ch
    ? `[${ch}${upper}]`
    : escapedChar(ch);
}

/** Index of the `]` closing the class opened at `start`, or -1 (then `[` is literal). */
function classEnd(glob: string, start: number): number {
  let i = start + 1;
  if (glob[i] === '!' || glob[i] === '^') i++;
  // A `]` first in the class is a member, as in shells.
  if (glob[i] === ']') i++;
  for (; i < glob.length; i++) {
    if (glob[i] === ']') return i;
    if (glob[i] === '/') return -1;
  }
  return -1;
}

function charClass(inner: string): string {
  const negated = inner.startsWith('!') || inner.startsWith('^');
  const members = negated ? inner.slice(1) : inner;
  // Inside a Rust class `\`, `[`, `]`, `^`, `&`, `~` and `-` can be special; keep `-`
  // between two members as a range and escape the rest.
  let out = '';
  for (let i = 0; i < members.length; i++) {
    const ch = members[i] as string;
    const isRange = ch === '-' && i > 0 && i < members.length - 1;
    out += isRange ? '-' : /[\\[\]^&~-]/.test(ch) ? `\\${ch}` : ch;
  }
  // A negated class never matches `/`: a glob's wildcards stay within one segment.
  return negated ? `[^/${out}]` : `[${out}]`;
}

function hasClosingBrace(glob: string, start: number): boolean {
  let depth = 0;
  for (let i = start; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob[i] === '{') depth++;
    else if (glob[i] === '}' && --depth === 0) return true;
  }
  return false;
}
