import type { ExactTerm, HitExplanation, SearchHit } from './types.js';
import { MEMBER_FOLLOWS, MEMBER_NAME, memberLine, phraseWords } from './where.js';

/** A character that continues an identifier: what must not touch a term for the text to hold it whole. */
const IDENT_CHAR = String.raw`[\p{L}\p{N}_$]`;

/** Whether `text` holds `term` whole (not inside a longer name), in any case. */
export function holdsTerm(text: string, term: string): boolean {
  return termPattern(term).test(text);
}

/** Regex syntax; with the `u` flag nothing else may be escaped (`\-` is an error there). */
const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

function termPattern(term: string): RegExp {
  const escaped = term.replace(REGEX_SYNTAX, '\\$&');
  return new RegExp(`(?<!${IDENT_CHAR})${escaped}(?!${IDENT_CHAR})`, 'iu');
}

/**
 * Whether `hit` is where `term` is defined: a code chunk whose symbol has that name
 * (`Command.make_context` for `make_context` or `Command.make_context`), or a section whose
 * heading opens with it (`work_mem (integer)`, `os.path.join(path, *paths)`, an option's
 * `-n, --dry-run`). Case does not matter unless `exactCase`; `::` and `#` part a qualified name
 * as `.` does.
 */
export function definesTerm(
  hit: Pick<SearchHit, 'headingPath' | 'metadata'>,
  term: string,
  exactCase = false,
): boolean {
  return definition(hit, term, exactCase) !== false;
}

/**
 * How `hit` defines `term`: by its whole name (the class `TypeAdapter`, the function `parse`),
 * or by its name's tail (`TypeAdapter.TypeAdapter`, its constructor; `Command.parse`).
 */
function definition(
  hit: Pick<SearchHit, 'headingPath' | 'metadata'>,
  term: string,
  exactCase = false,
): 'whole' | 'tail' | false {
  const symbol = symbolName(hit);
  const names = symbol !== undefined ? [symbol] : headingNames(hit.headingPath.at(-1) ?? '');
  const wanted = qualified(term, exactCase);
  const found = names.map((name) => qualified(name, exactCase));
  if (found.includes(wanted)) return 'whole';
  return found.some((n) => n.endsWith(`.${wanted}`)) ? 'tail' : false;
}

/**
 * How `hit` defines `term` as typed; one found by its package (`inPackage`) by the name after the
 * qualifier. Java names a file after its outer class, so `Outer.Inner` is `Inner` in the "package"
 * `Outer.java`: the class `Outer.Inner` defines it whole, and its constructor `Outer.Inner.Inner`
 * by the tail, after it.
 */
function ownDefinition(
  hit: Pick<SearchHit, 'headingPath' | 'metadata'>,
  term: string,
  inPackage: boolean,
): 'whole' | 'tail' | false {
  const how = definition(hit, term, true);
  if (how || !inPackage) return how;
  return definition(hit, qualified(term, true).split('.').at(-1)!, true);
}

/**
 * Whether `hit` is a member of `term`'s own definition (`HTTPAdapter.send` for `HTTPAdapter`):
 * it names the term, but is not a use of it.
 */
function withinDefinition(hit: Pick<SearchHit, 'metadata'>, term: string): boolean {
  const symbol = symbolName(hit);
  return symbol !== undefined && `.${qualified(symbol, false)}`.includes(`.${qualified(term, false)}.`);
}

/**
 * Whether `hit` names `term` only as parameters (`metadata.parameterNames`, which the code chunker
 * reads from the syntax tree): `void describe(boolean nullSafe)` declares and reads a variable of
 * its own, and calls nothing so named. Every spelling of the term in its text must be the
 * parameter's: `NullSafe` beside the parameter `nullSafe` is another name.
 */
function namesOnlyAsParameter(hit: Pick<SearchHit, 'metadata' | 'text'>, term: string): boolean {
  const names = hit.metadata.parameterNames;
  if (!Array.isArray(names)) return false;
  const folded = term.toLowerCase();
  const name = names.find((n): n is string => typeof n === 'string' && n.toLowerCase() === folded);
  if (name === undefined) return false;
  const spellings = hit.text.matchAll(new RegExp(termPattern(term).source, 'giu'));
  return [...spellings].every((match) => match[0] === name);
}

/** A code hit's qualified name in its file (`Cart.total` of `shop/cart.py:Cart.total`); none for a document's. */
function symbolName(hit: Pick<SearchHit, 'metadata'>): string | undefined {
  const symbol = hit.metadata.symbol;
  return typeof symbol === 'string' && symbol ? symbol.slice(symbol.lastIndexOf(':') + 1) : undefined;
}

/**
 * Whether `hit` defines a name qualified by its package, module or crate (`cobra.MinimumNArgs`,
 * `semver::Op`, `json.decoder.JSONDecoder`), which the definition itself never writes: its
 * symbol or heading is the name after the qualifier, and its path names the qualifier (a folder
 * `cobra/` or `semver-1.0.23/`, a file `decoder.py`). `as typed` when the name's case is the query's.
 */
function definesInPackage(
  hit: Pick<SearchHit, 'headingPath' | 'metadata' | 'path'>,
  term: string,
): 'as typed' | 'in another case' | false {
  const parts = qualified(term, true).split('.');
  for (let k = parts.length - 1; k >= 1; k--) {
    const name = parts.slice(k).join('.');
    if (!pathNames(hit.path, parts[k - 1]!.toLowerCase()) || !definesTerm(hit, name)) continue;
    return definesTerm(hit, name, true) ? 'as typed' : 'in another case';
  }
  return false;
}

/** The kinds of row that outline a type: where its constants, variants and attributes are written. */
const OUTLINE_KINDS: ReadonlySet<unknown> = new Set(['class', 'interface', 'type', 'object']);

/**
 * Whether `hit` is the outline of a type that declares `term` as one of its members, which have
 * no row of their own: an enum's constant or variant (`JsonToken.BEGIN_ARRAY`, or `BEGIN_ARRAY`,
 * in Java's `enum JsonToken`; Rust's `ErrorKind::NotFound`; `Color.RED` in a Python `Enum`), a
 * class's attribute (`Config.timeout` of `timeout = 30`). Told by a line that opens with the
 * member's name, then `,`, `;`, `=` or its end, or in an enum also `(` or `{` (a variant's
 * fields: in a class outline those open a method); for a qualified term the type must be the
 * qualifier, and an unqualified one is an enum's only. An enum is told by its chunker
 * (`metadata.isEnum`, on every part of a long one, whose later parts do not say `enum`) or, for
 * rows that do not carry it, by the word. `as typed` when the member's case is the query's.
 */
function declaresMember(
  hit: Pick<SearchHit, 'headingPath' | 'metadata' | 'text'>,
  term: string,
): 'as typed' | 'in another case' | false {
  if (symbolName(hit) === undefined || !OUTLINE_KINDS.has(hit.metadata.kind)) return false;
  const parts = qualified(term, true).split('.');
  const member = parts.at(-1)!;
  if (!MEMBER_NAME.test(member)) return false;
  if (parts.length > 1 && !definesTerm(hit, parts.slice(0, -1).join('.'))) return false;
  // Unqualified, only an enum's: a class's lines that open with a name (a list's items, a
  // test's parameters) would pass for the definitions of names defined elsewhere.
  const isEnum = hit.metadata.isEnum === true || /\benum\b/iu.test(hit.text);
  if (parts.length === 1 && !isEnum) return false;
  const source = memberLine(member, isEnum ? MEMBER_FOLLOWS.enum : MEMBER_FOLLOWS.class);
  const line = (flags: string) => new RegExp(source, `m${flags}`);
  if (line('u').test(hit.text)) return 'as typed';
  return line('iu').test(hit.text) ? 'in another case' : false;
}

/** A folder of the path is `pkg` or a release of it (`semver-1.0.23`, `cobra@v1.8.1`), or its file is `pkg.<ext>`. */
function pathNames(path: string, pkg: string): boolean {
  if (!pkg) return false;
  const segments = path.toLowerCase().split(/[\\/]/u);
  const file = segments.pop() ?? '';
  if (file.replace(/\.[^.]*$/u, '') === pkg) return true;
  return segments.some((s) => s === pkg || (s.startsWith(pkg) && /^[-@_.]v?\d/u.test(s.slice(pkg.length))));
}

/**
 * Whether `hit` defines `term` (`definesTerm`), defines it as qualified by its package, or
 * outlines the type that declares it (`declaresMember`).
 */
export function definesOrInPackage(
  hit: Pick<SearchHit, 'headingPath' | 'metadata' | 'path' | 'text'>,
  term: string,
): boolean {
  return (
    definesTerm(hit, term) || definesInPackage(hit, term) !== false || declaresMember(hit, term) !== false
  );
}

/**
 * Whether `hit` holds `term` whole, defines it as qualified by its package (`cobra.MinimumNArgs`),
 * or outlines the type that declares it (`JsonToken.BEGIN_ARRAY`).
 */
export function holdsOrDefines(
  hit: Pick<SearchHit, 'headingPath' | 'metadata' | 'path' | 'text'>,
  term: string,
): boolean {
  return (
    holdsTerm(hit.text, term) || definesInPackage(hit, term) !== false || declaresMember(hit, term) !== false
  );
}

/**
 * Whether `hit` is all about `word`, spelled as typed: a code chunk whose symbol has that name
 * (`Session`, `Command.Session`), or a section whose heading is that word alone, a parenthesis
 * after it allowed (`rate()`, `Session (class)`). A heading that
 * only opens with it ("Context Processors") is about something else: a setting's heading names
 * its setting first, a prose heading does not.
 */
function namesWholly(hit: Pick<SearchHit, 'headingPath' | 'metadata'>, word: string): boolean {
  const symbol = hit.metadata.symbol;
  if (typeof symbol === 'string' && symbol) return definesTerm(hit, word, true);
  // A call's or a note's parenthesis after it is still the word: `rate()`, `Session (class)`.
  const heading = (hit.headingPath.at(-1) ?? '').replace(/[`*]/gu, '').trim();
  return heading.replace(/\s*\([^()]*\)$/u, '') === word;
}

/** The names a heading opens with: its first word, or each of an option list's (`-n, --dry-run`). */
function headingNames(heading: string): string[] {
  const text = heading.trim();
  const parts = text.startsWith('-') ? text.split(/,\s*/u) : [text];
  return parts.map((part) => part.split(/[\s(]/u)[0]!.replace(/[`*]/gu, '')).filter(Boolean);
}

function qualified(name: string, exactCase = false): string {
  return (exactCase ? name : name.toLowerCase()).replace(/::|#/gu, '.');
}

/**
 * The hits that define `exact.term` first (`definesTerm`; those spelled as typed before those in
 * another case), then the others that hold it whole, then
 * the rest, each group in its old order. A query that is one identifier (`make_context`,
 * `pg_stat_activity`, `ENOSPC`) asks where that name is, and first where it is defined: a chunk
 * about something similar that never names it (`_make_sub_context`, the statistics views'
 * overview) is a near miss, however close its vector, and one that only calls it is a lesser
 * answer than its definition. Each later group's scores are capped at the last score of the
 * groups before, so that scores still fall down the list.
 *
 * `exact.soft`: the query is one word (`Session`, `jsonify`), which may name a class, a function
 * or a section, or just be a word. Only the hits that define it as typed come first; every other
 * hit keeps its place, whether it holds the word or not: a word of prose is no identifier, and
 * ordering by it would override what the legs found. `exact.phrase`: `phraseFirst`.
 */
export function withExactFirst(hits: readonly SearchHit[], exact: ExactTerm | undefined): ExactOrder {
  const holders = new Set<string>();
  const definers = new Set<string>();
  const none = { members: new Set<string>(), enclosing: new Set<string>(), parameters: new Set<string>() };
  if (!exact?.term) return { hits: [...hits], holders, definers, ...none };
  const { term, soft } = exact;
  if (exact.phrase) return phraseFirst(hits, term);
  const pattern = termPattern(term);
  // Definers spelled as typed, then in another case (in code `execute` and `Execute` are two
  // methods; a setting's name in a heading is one whatever its case), holders, the rest.
  // A name's own definition before the members named after it: the class `TypeAdapter` before
  // its constructor `TypeAdapter.TypeAdapter`.
  const ownName: SearchHit[] = [];
  const asTyped: SearchHit[] = [];
  const otherCase: SearchHit[] = [];
  const holding: SearchHit[] = [];
  const members: SearchHit[] = [];
  const parameters: SearchHit[] = [];
  const rest: SearchHit[] = [];
  for (const hit of hits) {
    const inPackage = !soft && (definesInPackage(hit, term) || declaresMember(hit, term));
    if (!inPackage && !pattern.test(hit.text)) rest.push(hit);
    else {
      holders.add(hit.id);
      const typed = soft ? namesWholly(hit, term) : inPackage === 'as typed' || definesTerm(hit, term, true);
      if (typed || inPackage || (!soft && definesTerm(hit, term))) {
        definers.add(hit.id);
        if (!typed) otherCase.push(hit);
        else (ownDefinition(hit, term, inPackage !== false) === 'tail' ? asTyped : ownName).push(hit);
      } else if (exact.usages && withinDefinition(hit, term)) members.push(hit);
      else if (exact.usages && namesOnlyAsParameter(hit, term)) parameters.push(hit);
      else (soft ? rest : holding).push(hit);
    }
  }
  // A class whose summary names the term as one of its members' signatures holds the definition;
  // for a question about uses it is no caller, and goes with the definition's members.
  const enclosing = exact.usages ? enclosingDefinitions(holding, [...ownName, ...asTyped, ...otherCase]) : [];
  const uses = holding.filter((h) => !enclosing.includes(h));
  // Definitions in rows ranked down after the others: a Rust test is often named after the
  // function it tests (`tests.parse_set_class_open`), and is not where that name is defined.
  // Within each, a type before its `impl` blocks (Rust's `struct Span`, then `impl Debug for
  // Span`): the blocks are named after the type they serve, and do not say what it is.
  const tiers = [ownName, asTyped, otherCase];
  const definitions = [false, true].flatMap((isRankedDown) =>
    tiers.flatMap((tier) => {
      const rows = tier.filter((h) => (h.rankedDown !== undefined) === isRankedDown);
      return [false, true].map((isImpl) =>
        openingFirst(rows.filter((h) => (h.metadata.kind === 'impl') === isImpl)),
      );
    }),
  );
  // A question about its uses (`what calls rebuild_auth`) asks for the hits naming it, then where it is defined.
  // Its definition's own members name it too, but are not uses: after the definitions. Uses in
  // rows ranked down (a changelog entry, a test) after the others: they name it, seldom use it.
  // A parameter of that name is a variable of its own function: after the definition's members.
  const groups = exact.usages
    ? [
        uses.filter((h) => h.rankedDown === undefined),
        uses.filter((h) => h.rankedDown !== undefined),
        ...definitions,
        [...enclosing, ...members],
        parameters,
        rest,
      ]
    : [...definitions, holding, rest];
  const ordered: SearchHit[] = [];
  let floor = Number.POSITIVE_INFINITY;
  for (const group of groups) {
    for (const hit of group) ordered.push(hit.score > floor ? { ...hit, score: floor } : hit);
    if (group.length) floor = Math.min(floor, ...group.map((h) => h.score));
  }
  return {
    hits: ordered,
    holders,
    definers,
    members: new Set(members.map((h) => h.id)),
    enclosing: new Set(enclosing.map((h) => h.id)),
    parameters: new Set(parameters.map((h) => h.id)),
  };
}

/**
 * The hits whose symbol is the scope of a definer's in the same file (`Parser` for
 * `Parser.parse_set_class`): a class or impl summary, which lists the definition's signature.
 */
function enclosingDefinitions(holding: readonly SearchHit[], definers: readonly SearchHit[]): SearchHit[] {
  const scopes = new Set<string>();
  for (const hit of definers) {
    const symbol = symbolName(hit);
    const dot = symbol?.lastIndexOf('.') ?? -1;
    if (symbol && dot > 0) scopes.add(`${hit.path}\0${symbol.slice(0, dot)}`);
  }
  return holding.filter((hit) => scopes.has(`${hit.path}\0${symbolName(hit) ?? ''}`));
}

/**
 * `withExactFirst`'s order, and which hits hold the term, define it, are members of its
 * definition, enclose it or name it only as parameters (`ExactTerm.usages`), for `explain`.
 */
export interface ExactOrder {
  hits: SearchHit[];
  holders: Set<string>;
  definers: Set<string>;
  members: Set<string>;
  enclosing: Set<string>;
  parameters: Set<string>;
}

/**
 * The definers, each definition's rows led by the one that opens it. A definition cut in rows
 * (a function's header and parts, a long section's pieces) is found by whichever row names the
 * term most, often a part; the row that opens it (the signature and docstring, the heading) is
 * what a person or an agent reads first, and a search that folds a definition's rows into one
 * hit shows the first of them. Each definition keeps the place of its best row and the scores
 * its rows had, and scores still fall down the list.
 */
function openingFirst(definers: readonly SearchHit[]): SearchHit[] {
  const definitions = new Map<string, SearchHit[]>();
  for (const hit of definers) {
    const symbol = hit.metadata.symbol;
    const name = typeof symbol === 'string' && symbol ? symbol : hit.headingPath.join('\0');
    const key = `${hit.path}\0${name}`;
    const rows = definitions.get(key);
    if (rows) rows.push(hit);
    else definitions.set(key, [hit]);
  }
  const out: SearchHit[] = [];
  let floor = Number.POSITIVE_INFINITY;
  for (const rows of definitions.values()) {
    const scores = rows.map((h) => h.score);
    const opening = [...rows].sort((a, b) => a.startLine - b.startLine);
    opening.forEach((hit, i) => {
      floor = Math.min(floor, scores[i]!);
      out.push(hit.score === floor ? hit : { ...hit, score: floor });
    });
  }
  return out;
}

/** A character that is part of a word as the full-text index splits them (`phraseWords`). */
const WORD_CHAR = String.raw`[\p{L}\p{N}\p{M}]`;

/**
 * `withExactFirst` for a query of several words (`ExactTerm.phrase`): the hits holding them side
 * by side, in order, whole, in any case, with any punctuation between (as a quoted phrase is
 * matched, `phraseWhere`), first; the rest after, in their order, scores capped below.
 */
function phraseFirst(hits: readonly SearchHit[], phrase: string): ExactOrder {
  const words = phraseWords(phrase);
  const apart = `[^\\p{L}\\p{N}\\p{M}]`;
  const pattern = new RegExp(`(?<!${WORD_CHAR})${words.join(`${apart}+`)}(?!${WORD_CHAR})`, 'iu');
  const holders = new Set<string>();
  const holding: SearchHit[] = [];
  const rest: SearchHit[] = [];
  for (const hit of hits) {
    if (words.length && pattern.test(hit.text)) {
      holders.add(hit.id);
      holding.push(hit);
    } else rest.push(hit);
  }
  const floor = holding.length ? Math.min(...holding.map((h) => h.score)) : Number.POSITIVE_INFINITY;
  return {
    hits: [...holding, ...rest.map((h) => (h.score > floor ? { ...h, score: floor } : h))],
    holders,
    definers: new Set(),
    members: new Set(),
    enclosing: new Set(),
    parameters: new Set(),
  };
}

/** What `withExactFirst` made of a hit, for `explain`. */
export function exactExplanation(
  { term, soft, phrase, usages }: ExactTerm,
  id: string,
  order: Partial<Omit<ExactOrder, 'hits'>>,
): NonNullable<HitExplanation['exact']> {
  return {
    term,
    held: order.holders?.has(id) === true,
    ...(order.definers?.has(id) ? { defines: true as const } : {}),
    ...(order.members?.has(id) ? { member: true as const } : {}),
    ...(order.enclosing?.has(id) ? { enclosing: true as const } : {}),
    ...(order.parameters?.has(id) ? { parameter: true as const } : {}),
    ...(soft ? { soft: true as const } : {}),
    ...(phrase ? { phrase: true as const } : {}),
    ...(usages ? { usages: true as const } : {}),
  };
}
