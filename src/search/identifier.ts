/**
 * The identifier a query is, when it is one: a single token that names something in code, a
 * config or a log (`make_context`, `pg_stat_activity`, `os.path.join`, `HelpFormatter`,
 * `HTTPAdapter`, `ENOSPC`, `--dry-run`, `sha256`), not a word of prose ("backups", "Tomatoes"). Such a query asks where
 * that name is written; the search ranks the chunks that hold it first (`withExactFirst`).
 */
export function identifierOf(query: string): string | undefined {
  const token = query.trim().replace(/\(\)$/u, '');
  if (token.length < 3 || /\s/u.test(token) || !NAME.test(token)) return undefined;
  return IDENTIFIER_SHAPES.some((shape) => shape.test(token)) ? token : undefined;
}

/**
 * The identifier a question asks the uses of (`what calls rebuild_auth`, `where is
 * HTTPAdapter used`, `callers of make_context`, `who imports os.path`): the chunks that name it
 * without defining it are what is asked, so they rank first and its definitions after them
 * (`ExactTerm.usages`). Without this the words "calls" and "used" pulled in every `__call__`.
 */
export function usageOf(query: string): string | undefined {
  const text = query
    .trim()
    .replace(/[?.!]+$/u, '')
    .trim();
  for (const pattern of USAGE_QUESTIONS) {
    const groups = pattern.exec(text)?.groups;
    const name = groups?.name ?? groups?.name2;
    const id = name === undefined ? undefined : identifierOf(name.replace(/^[`'"](.*)[`'"]$/u, '$1'));
    if (id) return id;
  }
  return undefined;
}

const USE_VERB = `(?:calls|uses|references|imports|invokes|reads|sets|instantiates|subclasses|extends|implements)`;
const USED = `(?:called|used|referenced|imported|invoked|read|set|instantiated|subclassed|extended|implemented)`;
const USAGE_QUESTIONS = [
  // what calls X, who uses X, which functions call X, what code references X
  new RegExp(
    String.raw`^(?:what|who|which(?:\s+\w+){1,2})\s+(?:else\s+)?(?:${USE_VERB}|call|use|reference|import|invoke)\s+(?<name>\S+)$`,
    'iu',
  ),
  // where is X called, where are X used (from), where X is used
  new RegExp(
    String.raw`^where\s+(?:(?:is|are|does|do)\s+(?<name>\S+)\s+(?:get\s+)?${USED}|(?<name2>\S+)\s+(?:is|are)\s+${USED})(?:\s+from)?$`,
    'iu',
  ),
  // callers of X, usages of X, find references to X, call sites of X
  /^(?:(?:find|show|list)\s+)?(?:all\s+)?(?:the\s+)?(?:callers|usages|uses|references|call\s+sites|invocations|importers)\s+(?:of|to)\s+(?<name>\S+)$/iu,
];

/**
 * The word a query is, when it is one word of letters, lower-case after its first (`Session`,
 * `jsonify`, `echo`, `Tomatoes`, `backups`): it may name a class, a function or a note's section,
 * or be only a word. The search puts the chunks that define it, spelled as typed, first when
 * there are any, and moves nothing else (`withExactFirst`'s `soft`).
 */
export function oneWordOf(query: string): string | undefined {
  const token = query.trim();
  return /^\p{L}\p{Ll}{2,}$/u.test(token) ? token : undefined;
}

/** Names joined by `.`, `::`, `->`, `#`, `/` or `-`, an option's dashes or a sigil before them. */
const NAME = /^(?:--?|[$@#])?[\p{L}_$][\p{L}\p{N}_$]*(?:(?:\.|::|->|#|\/|-)[\p{L}_$][\p{L}\p{N}_$]*)*$/u;

const IDENTIFIER_SHAPES = [
  /[\p{L}\p{N}]_[\p{L}\p{N}]/u, // snake_case, SCREAMING_CASE
  /\p{Ll}\p{Lu}/u, // camelCase, PascalCase with a second hump
  /\p{Lu}\p{Lu}\p{Ll}{2}/u, // a hump after an acronym: HTTPAdapter, IOError (not a plural: URLs)
  /[\p{L}\p{N}_$](?:\.|::|->|#|\/)[\p{L}_$]/u, // a qualified name or a path
  /^--?\p{L}/u, // a command-line option
  /^[$@#]/u, // a variable or a handle
  /^\p{Lu}[\p{Lu}\p{N}]{2,}$/u, // an error code or a constant: ENOSPC, EACCES, HTTP2
  /\p{L}\p{N}|\p{N}\p{L}/u, // letters and digits in one word: a code name, a hash, a format (zorbulax7, sha256, ipv6, log4j)
];
