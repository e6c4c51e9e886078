/**
 * A file's import block cut to the imports the code shown beside it uses. A Java class's 38
 * imports took a third of a 1,200-token context and pushed its method's body out; an agent reads
 * the code, and the file is there for the rest. An import is kept when a name it brings in is a
 * word of that code, or when its names cannot be told (a C `#include`, a side-effect import, a
 * wildcard, C#'s `using` of a namespace whose extension methods are never named).
 */

/** Import blocks shorter than this are shown whole: cutting saves too little to be worth a note. */
export const MIN_IMPORT_LINES = 8;

/**
 * The block's lines with the imports the `used` text never names left out, and one line saying
 * how many; empty when it names none of them; undefined when every import is kept.
 */
export function usedImports(lines: readonly string[], language: string, used: string): string[] | undefined {
  if (lines.length < MIN_IMPORT_LINES) return undefined;
  const words = new Set(used.match(/[\p{L}_$][\p{L}\p{N}_$]*/gu) ?? []);
  const kept: string[] = [];
  let dropped = 0;
  for (const statement of statements(lines)) {
    const names = namesOf(statement.join('\n'), language);
    if (names === undefined || names.some((n) => words.has(n))) kept.push(...statement);
    else dropped++;
  }
  if (dropped === 0) return undefined;
  // Nothing the code uses: no block at all, rather than a note under blank lines.
  if (kept.every((line) => /^\s*(?:import\s*\(|[)}]\s*;?)?\s*$/u.test(line))) return [];
  return [...kept, `… (${dropped} more import${dropped === 1 ? '' : 's'}, not used by the code shown)`];
}

/** Lines that open an import statement; any other line continues the one before it. */
const OPENS =
  /^\s*(?:import\b|from\s+\S+\s+import\b|use\b|using\b|#\s*include\b|require\b|package\b|extern\s+crate\b|(?:const|let|var)\s+\S+\s*=\s*require\b|export\s+.*\bfrom\b|\)|\}|$)/u;

function statements(lines: readonly string[]): string[][] {
  const out: string[][] = [];
  // Inside a Go `import (` block each line is one import.
  let goBlock = false;
  for (const line of lines) {
    const last = out.at(-1);
    if (goBlock && /^\s*\)/u.test(line)) goBlock = false;
    if (!last || goBlock || (OPENS.test(line) && !isClosing(line, last))) out.push([line]);
    else last.push(line);
    if (/^\s*import\s*\($/u.test(line)) goBlock = true;
  }
  return out;
}

/** A closing bracket that ends a statement opened above (`from x import (` … `)`). */
function isClosing(line: string, statement: readonly string[]): boolean {
  if (!/^\s*[)}]/u.test(line)) return false;
  const text = statement.join('\n');
  return count(text, '(') > count(text, ')') || count(text, '{') > count(text, '}');
}

function count(text: string, ch: string): number {
  return text.split(ch).length - 1;
}

/** Words of an import that name nothing: the syntax's own. */
const KEYWORDS = new Set([
  'import',
  'from',
  'as',
  'type',
  'typeof',
  'static',
  'use',
  'pub',
  'crate',
  'self',
  'super',
  'export',
  'default',
  'const',
  'let',
  'var',
  'require',
  'extern',
]);

/**
 * The names a statement brings into scope, as the code would write them; undefined when they
 * cannot be told (keep it). Per language family, from the statement's text.
 */
function namesOf(statement: string, language: string): string[] | undefined {
  const text = statement.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\/|(?<=^|\s)#(?!\s*include)[^\n]*/gu, ' ').trim();
  // A blank line, a Go block's `import (` and `)`: the block's shape, kept.
  if (text === '' || /^[)}\s]*$/u.test(text) || /^\s*import\s*\($/u.test(text)) return undefined;
  if (/\*|#\s*include|^\s*using\b|^\s*require\b|^\s*package\b/u.test(text)) return undefined;
  const quoted = /["'`]([^"'`]*)["'`]/u.exec(text)?.[1];
  const bare = text.replace(/["'`][^"'`]*["'`]/gu, ' ');
  if (language === 'go') {
    // `alias "path"`, or the path's last segment; `_` and `.` imports act without a name.
    const alias = /^\s*(?:import\s+)?([\p{L}_][\p{L}\p{N}_]*|[._])\s*$/u.exec(bare)?.[1];
    if (alias === '_' || alias === '.') return undefined;
    const name = alias && alias !== 'import' ? alias : quoted?.split('/').at(-1);
    return name ? [name] : undefined;
  }
  // `a as b`: the code writes b.
  const withAliases = bare.replace(/[\p{L}\p{N}_$.:]+\s+as\s+([\p{L}_$][\p{L}\p{N}_$]*)/gu, '$1');
  const from = /\bfrom\s+\S+\s+import\b([\s\S]*)$/u.exec(withAliases);
  const brought = from
    ? from[1]!
    : (/\bimport\b([\s\S]*?)(?:\bfrom\b|$)/u.exec(withAliases)?.[1] ??
      /\buse\b([\s\S]*)$/u.exec(withAliases)?.[1] ??
      /^\s*(?:const|let|var)\s+([\s\S]*?)=/u.exec(withAliases)?.[1]);
  if (brought === undefined) return undefined;
  const names: string[] = [];
  // A path (`com.google.gson.Gson`, `a::b::c`, `os.path`) brings in its last name; a Python
  // `import os.path` (no `from`) is written from its first.
  for (const path of brought.match(/[\p{L}_$][\p{L}\p{N}_$]*(?:(?:\.|::)[\p{L}_$][\p{L}\p{N}_$]*)*/gu) ??
    []) {
    const parts = path.split(/\.|::/u);
    const name = language === 'python' && !from ? parts[0]! : parts.at(-1)!;
    if (!KEYWORDS.has(name)) names.push(name);
  }
  // `import 'polyfill'`: a side effect, no name.
  return names.length ? names : quoted !== undefined ? undefined : [];
}
