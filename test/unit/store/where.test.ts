import { describe, expect, it } from 'vitest';
import { RagError } from '../../../src/errors.js';
import {
  and,
  fieldWhere,
  filterWhere,
  globToRegex,
  inList,
  nameWhere,
  pathGlobWhere,
  sqlNumber,
  sqlString,
} from '../../../src/store/where.js';

/** The regex inside `regexp_like(col, '…')`, unescaped from its SQL literal. */
function regexOf(where: string): { column: string; regex: RegExp } {
  const m = /^\(*regexp_like\((\w+), '((?:[^']|'')*)'\)/.exec(where);
  if (!m) throw new Error(`not a regexp_like clause: ${where}`);
  return { column: m[1] as string, regex: new RegExp((m[2] as string).replaceAll("''", "'"), 'u') };
}

/** `regexp_like(column, …)` for one glob, as pathGlobWhere writes it. */
function regexpOn(column: string, glob: string, anyDepth = false): string {
  const regex = `^${anyDepth ? '(?:.*/)?' : ''}${globToRegex(glob, { smartCase: true })}(?:/.*)?$`;
  return `regexp_like(${column}, ${sqlString(regex)})`;
}

/** Whether any spelling's clause of the glob (composed, decomposed) matches the path. */
function matches(glob: string, path: string): boolean {
  return pathGlobWhere(glob)
    .split(' OR (regexp_like')
    .some((clause, i) => regexOf(i === 0 ? clause : `regexp_like${clause}`).regex.test(path));
}

describe('sqlString', () => {
  it('doubles single quotes and leaves everything else literal', () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlString("''")).toBe("''''''");
    expect(sqlString('100%_done\\x')).toBe("'100%_done\\x'");
    expect(sqlString('naïve ☃')).toBe("'naïve ☃'");
  });
});

describe('sqlNumber', () => {
  it('writes finite numbers in round-trip form', () => {
    expect(sqlNumber(1_732_523_456_789.125)).toBe('1732523456789.125');
    expect(sqlNumber(-3)).toBe('-3');
    expect(Number(sqlNumber(0.1 + 0.2))).toBe(0.1 + 0.2);
  });
  it('refuses NaN and infinities', () => {
    expect(() => sqlNumber(Number.NaN)).toThrow(RagError);
    expect(() => sqlNumber(Number.POSITIVE_INFINITY)).toThrow(/finite/);
  });
});

describe('inList / and', () => {
  it('quotes every value and turns an empty list into false', () => {
    expect(inList('path', ['/a', "/b'c"])).toBe("path IN ('/a', '/b''c')");
    expect(inList('path', [])).toBe('false');
  });
  it('joins present clauses in parentheses', () => {
    expect(and(undefined, 'a = 1', undefined)).toBe('a = 1');
    expect(and('a = 1', 'b = 2')).toBe('(a = 1) AND (b = 2)');
    expect(and(undefined, '')).toBeUndefined();
  });
});

describe('fieldWhere', () => {
  it('writes one clause per kind, every value escaped', () => {
    expect(fieldWhere({ kind: 'number-min', column: 'duration_ms', value: 250 })).toBe('duration_ms >= 250');
    expect(fieldWhere({ kind: 'number-max', column: 'duration_ms', value: 1.5 })).toBe('duration_ms <= 1.5');
    expect(fieldWhere({ kind: 'date-after', column: 'ts_ms', value: 7 })).toBe('ts_ms >= 7');
    expect(fieldWhere({ kind: 'date-before', column: 'ts_ms', value: 7 })).toBe('ts_ms < 7');
    expect(fieldWhere({ kind: 'string-eq', column: 'language', value: "o'caml" })).toBe(
      "language = 'o''caml'",
    );
    expect(fieldWhere({ kind: 'string-in', column: 'kind', value: ['a', "b'"] })).toBe(
      "kind IN ('a', 'b''')",
    );
    expect(fieldWhere({ kind: 'string-in', column: 'kind', value: [] })).toBe('false');
    expect(fieldWhere({ kind: 'list-contains', column: 'tables', value: "x'y" })).toBe(
      "regexp_like(array_to_string(tables, '\n'), '(?im)^(?:[^\n]+\\.)?x''y$')",
    );
    expect(fieldWhere({ kind: 'list-contains', column: 'tables', value: '"public".order$' })).toBe(
      "regexp_like(array_to_string(tables, '\n'), '(?im)^(?:public\\.)?order\\$$')",
    );
    expect(regexOf(fieldWhere({ kind: 'glob', column: 'symbol', value: 'parse*' }))).toEqual({
      column: 'symbol',
      regex: /^parse[^/]*$/u,
    });
    expect(fieldWhere({ kind: 'path-glob', column: 'rel_path', value: '*.md' })).toBe(pathGlobWhere('*.md'));
  });

  it('refuses a column that is not a plain identifier, and numbers SQL cannot hold', () => {
    expect(() => fieldWhere({ kind: 'string-eq', column: 'a; drop', value: 'x' })).toThrow(/identifier/);
    expect(() => fieldWhere({ kind: 'string-eq', column: 'Lang', value: 'x' })).toThrow(/identifier/);
    expect(() => fieldWhere({ kind: 'number-min', column: 'n', value: Number.NaN })).toThrow(RagError);
  });
});

describe('filterWhere', () => {
  it('adds the end of the time range and the declared fields', () => {
    expect(
      filterWhere({ beforeMs: 9, fields: [{ kind: 'string-eq', column: 'language', value: 'go' }] }),
    ).toBe("(mtime_ms < 9) AND (language = 'go')");
  });

  it("reads the time range on the table's own time column when the mapper names one", () => {
    expect(filterWhere({ afterMs: 5, beforeMs: 9, timeColumn: 'at_ms' })).toBe(
      '(at_ms >= 5) AND (at_ms < 9)',
    );
    expect(() => filterWhere({ afterMs: 5, timeColumn: 'at ms' })).toThrow(/lower-case identifier/);
  });

  it('combines the glob and the time filter', () => {
    const where = filterWhere({ pathGlob: '*.md', afterMs: 1_700_000_000_000 });
    expect(where).toBe(`(${pathGlobWhere('*.md')}) AND (mtime_ms >= 1700000000000)`);
    expect(filterWhere({})).toBeUndefined();
    expect(filterWhere(undefined)).toBeUndefined();
  });
  it('rejects an empty glob rather than matching nothing silently', () => {
    expect(() => filterWhere({ pathGlob: '' })).toThrow(/empty/);
  });
});

describe('pathGlobWhere', () => {
  it('matches relative globs against rel_path and absolute ones against path', () => {
    expect(regexOf(pathGlobWhere('docs/*.md')).column).toBe('rel_path');
    expect(regexOf(pathGlobWhere('/home/me/**')).column).toBe('path');
    // A relative glob also matches the path under the source folder's own name: a literal first
    // segment tests the root's end, and the rest of the glob the relative path.
    expect(pathGlobWhere('notes/daily/**')).toBe(
      `(${regexpOn('rel_path', 'notes/daily/**')} OR (ends_with(lower(root), '/notes') AND ${regexpOn('rel_path', 'daily/**')}))`,
    );
    expect(pathGlobWhere('notes')).toBe(
      `(${regexpOn('rel_path', 'notes', true)} OR ends_with(lower(root), '/notes'))`,
    );
    // A wildcard first segment joins the name and the path; at any depth it adds nothing.
    expect(pathGlobWhere('no*/daily')).toContain("concat(regexp_replace(root, '^.*/', ''), '/', rel_path)");
    expect(pathGlobWhere('*.md')).not.toContain('root');
    expect(pathGlobWhere('/home/me/**')).not.toContain('root');
  });

  it.each([
    ['*.md', 'a.md', true],
    ['*.md', 'deep/er/a.md', true],
    ['*.md', 'a.mdx', false],
    ['docs', 'docs/a.md', true],
    ['docs', 'sub/docs/a.md', true],
    ['docs/', 'docs/x/y.md', true],
    ['docs/*.md', 'docs/a.md', true],
    ['docs/*.md', 'other/docs/a.md', false],
    ['docs/**/*.md', 'docs/a.md', true],
    ['docs/**/*.md', 'docs/x/y/a.md', true],
    ['./docs/*.md', 'docs/a.md', true],
    ['a?c.md', 'abc.md', true],
    ['a?c.md', 'a/c.md', false],
    ['[ab].md', 'b.md', true],
    ['[!ab].md', 'c.md', true],
    ['[!ab].md', 'a.md', false],
    ['{x,y}.md', 'y.md', true],
    ['{x,y}.md', 'z.md', false],
    ['c++ (draft).md', 'c++ (draft).md', true],
    ['c++ (draft).md', 'ccc (draft).md', false],
    ['$HOME.md', '$HOME.md', true],
    ['a.b', 'aXb', false],
    ['100%_*', '100%_done.md', true],
    ['100%_*', '100x_done.md', false],
    ["it's.md", "it's.md", true],
    ['\\*.md', '*.md', true],
    ['\\*.md', 'a.md', false],
    ['naïve ☃/*', 'naïve ☃/a.md', true],
    // Typed composed, a glob also matches the path a file system stored decomposed.
    ['naïve ☃/*', 'naïve ☃/a.md'.normalize('NFD'), true],
    ['/notes/docs/**', '/notes/docs/a/b.md', true],
    ['/notes/docs/*.md', '/other/notes/docs/a.md', false],
    // A segment without a capital letter matches in any case; one with a capital, case as typed.
    ['readme.md', 'README.md', true],
    ['docs/*.md', 'Docs/Guide.MD', true],
    ['README.md', 'readme.md', false],
    ['Docs/*.md', 'docs/a.md', false],
    ['Docs/*.md', 'Docs/A.MD', true],
    ['/Users/Ann/notes/**', '/Users/Ann/Notes/a.md', true],
    ['/Users/Ann/notes/**', '/Users/ann/notes/a.md', false],
    ['{readme,news}*', 'NEWS.txt', true],
    ['\\*é.md', '*É.md', true],
  ])('%s vs %s → %s', (glob, path, expected) => {
    expect(matches(glob, path)).toBe(expected);
  });

  it('writes a lower-case segment letter by letter in both cases, which Rust and JavaScript read alike', () => {
    expect(globToRegex('notes/*.MD', { smartCase: true })).toBe('[nN][oO][tT][eE][sS]/[^/]*\\.MD');
    expect(globToRegex('a1_ß', { smartCase: true })).toBe('[aA]1_ß');
  });

  it('writes regex syntax Rust and JavaScript read alike', () => {
    expect(globToRegex('a*b?c')).toBe('a[^/]*b[^/]c');
    expect(globToRegex('**/x')).toBe('(?:.*/)?x');
    expect(globToRegex('a.b(c)')).toBe('a\\.b\\(c\\)');
    expect(globToRegex('[a-c]')).toBe('[a-c]');
    expect(globToRegex('[unclosed')).toBe('\\[unclosed');
    expect(globToRegex('{a,b')).toBe('\\{a,b');
  });
});

describe('nameWhere', () => {
  it('matches a qualified name that is the identifier or ends with it, in any case', () => {
    expect(nameWhere('symbol', 'TypeAdapter')).toBe(
      "(lower(symbol) = 'typeadapter' OR ends_with(lower(symbol), '.typeadapter'))",
    );
    // Also a type named by the qualifier, where a line opens with the member's name.
    expect(nameWhere('symbol', 'Command::Execute')).toBe(
      "((lower(symbol) = 'command.execute' OR ends_with(lower(symbol), '.command.execute')) OR ((lower(symbol) = 'execute' OR ends_with(lower(symbol), '.execute')) AND strpos(lower(path), '/command') > 0) OR ((lower(symbol) = 'command' OR ends_with(lower(symbol), '.command')) AND regexp_like(text, '(?mi)^[ \t]*execute[ \t]*(?:[,;=({]|$)')))",
    );
    // A last name that is no identifier is read by name only.
    expect(nameWhere('symbol', 'os.path.*')).not.toContain('regexp_like');
    expect(() => nameWhere('Symbol; DROP', 'x')).toThrow(/lower-case identifier/);
  });
});
