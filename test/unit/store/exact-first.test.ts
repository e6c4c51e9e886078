import { describe, expect, it } from 'vitest';
import {
  definesTerm,
  exactExplanation,
  holdsOrDefines,
  holdsTerm,
  withExactFirst,
} from '../../../src/store/exact-first.js';
import type { SearchHit } from '../../../src/store/types.js';

const hit = (id: string, text: string, score: number): SearchHit => ({
  id,
  path: `/n/${id}.md`,
  root: '/n',
  engine: 'md',
  headingPath: [],
  startLine: 1,
  endLine: 1,
  text,
  score,
  mtimeMs: 0,
  metadata: {},
});

describe('holdsTerm', () => {
  it('finds the name whole, in any case, not inside a longer name', () => {
    expect(holdsTerm('ctx = self.make_context(info)', 'make_context')).toBe(true);
    expect(holdsTerm('`MAKE_CONTEXT`', 'make_context')).toBe(true);
    expect(holdsTerm('def _make_sub_context(self)', 'make_context')).toBe(false);
    expect(holdsTerm('remake_context()', 'make_context')).toBe(false);
    expect(holdsTerm('make_contexts', 'make_context')).toBe(false);
    expect(holdsTerm('maintenance_work_mem', 'work_mem')).toBe(false);
    expect(holdsTerm('pg_restore --disable-triggers', '--disable-triggers')).toBe(true);
    expect(holdsTerm('$HOME/.config', '$HOME')).toBe(true);
    expect(holdsTerm('os.path.join(a, b)', 'os.path.join')).toBe(true);
    expect(holdsTerm('osXpathXjoin', 'os.path.join')).toBe(false);
  });
});

describe('withExactFirst', () => {
  const hits = [
    hit('near', 'def _make_sub_context(self, cmd)', 0.99),
    hit('def', 'def make_context(self, info_name, args)', 0.93),
    hit('other', 'def make_parser(self, ctx)', 0.6),
    hit('call', 'ctx = cmd.make_context(name, args)', 0.4),
  ];

  it('puts the hits holding the term first, each group in its order, the others capped below', () => {
    const { hits: ordered, holders } = withExactFirst(hits, { term: 'make_context', soft: false });
    expect(ordered.map((h) => h.id)).toEqual(['def', 'call', 'near', 'other']);
    expect(ordered.map((h) => h.score)).toEqual([0.93, 0.4, 0.4, 0.4]);
    expect([...holders].sort()).toEqual(['call', 'def']);
  });

  it('puts the hits defining the term before the others holding it, each group capped below the last', () => {
    const defined = {
      ...hit('def', 'def make_context(self, info_name, args)', 0.3),
      metadata: { symbol: 'click/core.py:Command.make_context' },
    };
    const {
      hits: ordered,
      holders,
      definers,
    } = withExactFirst([hits[0]!, hits[3]!, defined, hits[2]!], { term: 'make_context', soft: false });
    expect(ordered.map((h) => [h.id, h.score])).toEqual([
      ['def', 0.3],
      ['call', 0.3],
      ['near', 0.3],
      ['other', 0.3],
    ]);
    expect([...holders].sort()).toEqual(['call', 'def']);
    expect([...definers]).toEqual(['def']);
  });

  it('for a question about its uses, puts the hits naming it first, then its definition and its members', () => {
    const code = (
      id: string,
      symbol: string,
      text: string,
      score: number,
      rankedDown?: number,
    ): SearchHit => ({
      ...hit(id, text, score),
      metadata: { symbol: `src/app.py:${symbol}` },
      ...(rankedDown ? { rankedDown } : {}),
    });
    const found = [
      code('def', 'Session.rebuild_auth', 'def rebuild_auth(self, prepared, response):', 0.9),
      code('member', 'Session.rebuild_auth.strip', 'def strip(): # inside rebuild_auth', 0.8),
      code('test', 'test_rebuild_auth_strips', 'session.rebuild_auth(req, resp)', 0.7, 0.7),
      code('near', 'AuthBase.__call__', 'def __call__(self, r):', 0.6),
      code('caller', 'Session.resolve_redirects', 'self.rebuild_auth(prepared, resp)', 0.3),
    ];
    const usages = withExactFirst(found, { term: 'rebuild_auth', soft: false, usages: true });
    expect(usages.hits.map((h) => h.id)).toEqual(['caller', 'test', 'def', 'member', 'near']);
    expect(usages.hits.map((h) => h.score)).toEqual([0.3, 0.3, 0.3, 0.3, 0.3]);
    expect([...usages.members]).toEqual(['member']);
    // Without `usages`, the definition first, as for the name alone.
    const name = withExactFirst(found, { term: 'rebuild_auth', soft: false });
    expect(name.hits.map((h) => h.id)).toEqual(['def', 'member', 'test', 'caller', 'near']);
    expect([...name.members]).toEqual([]);
  });

  it('for its uses, puts the class whose summary lists the definition with the members, not with the callers', () => {
    // regex-syntax's `impl ParserI` summary lists `fn parse_set_class(&self) … { … }`: it holds the
    // name, and came first for "what calls parse_set_class", above the one real caller.
    const code = (id: string, path: string, symbol: string, text: string, score: number): SearchHit => ({
      ...hit(id, text, score),
      path,
      metadata: { symbol: `${path}:${symbol}` },
    });
    const found = [
      code('impl', 'src/parse.rs', 'ParserI', 'impl ParserI { fn parse_set_class(&self) { … } }', 0.9),
      code('def', 'src/parse.rs', 'ParserI.parse_set_class', 'fn parse_set_class(&self) {', 0.8),
      code(
        'other',
        'src/other.rs',
        'ParserI',
        'impl ParserI { fn run(&self) { self.parse_set_class() } }',
        0.5,
      ),
      code('caller', 'src/parse.rs', 'ParserI.parse_with_comments', 'let c = self.parse_set_class()?;', 0.3),
    ];
    const usages = withExactFirst(found, { term: 'parse_set_class', soft: false, usages: true });
    // A summary of the same name in another file holds no definition found here: it stays a use.
    expect(usages.hits.map((h) => h.id)).toEqual(['other', 'caller', 'def', 'impl']);
    expect([...usages.enclosing]).toEqual(['impl']);
    const name = withExactFirst(found, { term: 'parse_set_class', soft: false });
    expect(name.hits.map((h) => h.id)).toEqual(['def', 'impl', 'other', 'caller']);
  });

  it('for its uses, puts a function that names it only as a parameter after the definition, not with the callers', () => {
    const code = (id: string, symbol: string, text: string, score: number, parameterNames?: string[]) => ({
      ...hit(id, text, score),
      metadata: { symbol: `src/Gson.java:${symbol}`, ...(parameterNames ? { parameterNames } : {}) },
    });
    const found = [
      code('param', 'Gson.describe', 'String describe(String name, boolean nullSafe) {', 0.9, [
        'name',
        'nullSafe',
      ]),
      // The chunker's word holds for its spelling only: `NullSafe` beside it is another name.
      code('other', 'Gson.wrap', 'Object wrap(boolean nullSafe) { return new NullSafe(); }', 0.8, [
        'nullSafe',
      ]),
      code('def', 'TypeAdapter.nullSafe', 'public final TypeAdapter<T> nullSafe() {', 0.7),
      code('caller', 'Gson.create', 'return nullSafe ? adapter.nullSafe() : adapter;', 0.3, ['adapter']),
    ];
    const usages = withExactFirst(found, { term: 'nullSafe', soft: false, usages: true });
    expect(usages.hits.map((h) => h.id)).toEqual(['other', 'caller', 'def', 'param']);
    expect([...usages.parameters]).toEqual(['param']);
    expect(exactExplanation({ term: 'nullSafe', soft: false, usages: true }, 'param', usages)).toEqual({
      term: 'nullSafe',
      held: true,
      parameter: true,
      usages: true,
    });
    // Asked by the name alone, it still holds the name as any other hit does.
    const name = withExactFirst(found, { term: 'nullSafe', soft: false });
    expect(name.hits.map((h) => h.id)).toEqual(['def', 'param', 'other', 'caller']);
  });

  it("leads a definition cut in rows with the row that opens it, in its best row's place", () => {
    const row = (id: string, path: string, startLine: number, text: string, score: number): SearchHit => ({
      ...hit(id, text, score),
      path,
      startLine,
      endLine: startLine + 5,
      metadata: { symbol: `${path}:lru_cache` },
    });
    // A comment in the body names the function three times; the header names it once.
    const part = row(
      'part',
      '/lib/functools.py',
      499,
      '# the lru_cache API ... lru_cache ... lru_cache',
      1.08,
    );
    const other = row('other', '/lib/backport.py', 10, 'def lru_cache(maxsize=128):', 0.9);
    const header = row('header', '/lib/functools.py', 479, 'def lru_cache(maxsize=128, typed=False):', 0.7);
    const { hits: ordered, definers } = withExactFirst([part, other, header], {
      term: 'lru_cache',
      soft: false,
    });
    expect([...definers].sort()).toEqual(['header', 'other', 'part']);
    expect(ordered.map((h) => [h.id, h.score])).toEqual([
      ['header', 1.08],
      ['part', 0.7],
      ['other', 0.7],
    ]);
  });

  it('puts the definition spelled as typed before one in another case (Go: execute and Execute)', () => {
    const method = (id: string, name: string, score: number): SearchHit => ({
      ...hit(id, `command.go Command.${name}\nfunc (c *Command) ${name}() error {`, score),
      path: '/cobra/command.go',
      metadata: { symbol: `command.go:Command.${name}` },
    });
    const { hits: ordered, definers } = withExactFirst(
      [method('lower', 'execute', 0.9), method('upper', 'Execute', 0.8)],
      { term: 'Command.Execute', soft: false },
    );
    expect(ordered.map((h) => [h.id, h.score])).toEqual([
      ['upper', 0.8],
      ['lower', 0.8],
    ]);
    expect([...definers].sort()).toEqual(['lower', 'upper']);
  });

  it("puts a name's own definition before the members named after it (a class, then its constructor)", () => {
    const java = (id: string, symbol: string, score: number): SearchHit => ({
      ...hit(id, `TypeAdapter.java ${symbol}`, score),
      path: '/gson/TypeAdapter.java',
      engine: 'code',
      metadata: { symbol: `TypeAdapter.java:${symbol}` },
    });
    for (const soft of [false, true]) {
      const { hits: ordered, definers } = withExactFirst(
        [java('ctor', 'TypeAdapter.TypeAdapter', 0.9), java('class', 'TypeAdapter', 0.7)],
        { term: 'TypeAdapter', soft },
      );
      expect(ordered.map((h) => [h.id, h.score])).toEqual([
        ['class', 0.7],
        ['ctor', 0.7],
      ]);
      expect([...definers].sort()).toEqual(['class', 'ctor']);
    }
  });

  it('puts a nested class named by its outer class before its constructor, though the file is named after the outer class', () => {
    // The file `Outer.java` reads as the package `Outer`: the constructor `Outer.Inner.Inner`
    // defined `Inner` "in it" and came before the class `Outer.Inner` itself.
    const java = (id: string, symbol: string, score: number): SearchHit => ({
      ...hit(id, `class ${symbol}`, score),
      path: '/gson/ReflectiveTypeAdapterFactory.java',
      engine: 'code',
      metadata: { symbol: `ReflectiveTypeAdapterFactory.java:${symbol}` },
    });
    const { hits: ordered } = withExactFirst(
      [
        java('ctor', 'ReflectiveTypeAdapterFactory.BoundField.BoundField', 0.9),
        java('class', 'ReflectiveTypeAdapterFactory.BoundField', 0.2),
      ],
      { term: 'ReflectiveTypeAdapterFactory.BoundField', soft: false },
    );
    expect(ordered.map((h) => [h.id, h.score])).toEqual([
      ['class', 0.2],
      ['ctor', 0.2],
    ]);
  });

  it('puts a definition in a row ranked down (a test named after the function it tests) after the others', () => {
    // Rust names a unit test after what it tests: `tests.parse_set_class_open` beside
    // `ParserI.parse_set_class_open`, both defining the name by its tail, the test with more words
    // of the query (it is the name's only word).
    const rust = (id: string, symbol: string, score: number, rankedDown?: number): SearchHit => ({
      ...hit(id, `fn ${symbol.split('.').at(-1)}()`, score),
      path: '/regex/src/ast/parse.rs',
      metadata: { symbol: `src/ast/parse.rs:${symbol}` },
      ...(rankedDown ? { rankedDown } : {}),
    });
    const found = [
      rust('test', 'tests.parse_set_class_open', 0.7, 0.7),
      rust('def', 'ParserI.parse_set_class_open', 0.6),
      rust('whole', 'parse_set_class_open', 0.5, 0.7),
    ];
    const { hits: ordered, definers } = withExactFirst(found, { term: 'parse_set_class_open', soft: false });
    expect(ordered.map((h) => h.id)).toEqual(['def', 'whole', 'test']);
    expect([...definers].sort()).toEqual(['def', 'test', 'whole']);
  });

  it("takes a type's outline for where its member is defined, the member having no row of its own", () => {
    const code = (id: string, path: string, symbol: string, text: string, kind = 'class'): SearchHit => ({
      ...hit(id, text, 0.3),
      path,
      engine: 'code',
      metadata: { symbol, kind },
    });
    const java = code(
      'enum',
      '/gson/stream/JsonToken.java',
      'stream/JsonToken.java:JsonToken',
      'public enum JsonToken {\n  /** The opening of an array. */\n  BEGIN_ARRAY,\n  END_ARRAY,\n}',
    );
    // A long enum's later part does not repeat `enum`: its constants still say what they are.
    const part = code(
      'part',
      '/gson/stream/JsonToken.java',
      'stream/JsonToken.java:JsonToken',
      '  NAME,\n  END_DOCUMENT\n}',
    );
    const use = {
      ...code(
        'use',
        '/gson/stream/JsonReader.java',
        'JsonReader.peek',
        'return JsonToken.BEGIN_ARRAY;',
        'method',
      ),
      score: 0.9,
    };
    const { hits: ordered, definers } = withExactFirst([use, java], {
      term: 'JsonToken.BEGIN_ARRAY',
      soft: false,
    });
    expect(ordered.map((h) => h.id)).toEqual(['enum', 'use']);
    expect([...definers]).toEqual(['enum']);
    expect(withExactFirst([use, part], { term: 'JsonToken.END_DOCUMENT', soft: false }).definers).toEqual(
      new Set(['part']),
    );
    // Unqualified, among the hits: `BEGIN_ARRAY` alone.
    expect(withExactFirst([use, java], { term: 'BEGIN_ARRAY', soft: false }).hits[0]!.id).toBe('enum');
    // A later part alone, by the chunker's word that it is an enum's; without it, no declaration.
    const enumPart = { ...part, metadata: { ...part.metadata, isEnum: true } };
    expect(withExactFirst([use, enumPart], { term: 'END_DOCUMENT', soft: false }).definers).toEqual(
      new Set(['part']),
    );
    expect(withExactFirst([use, part], { term: 'END_DOCUMENT', soft: false }).definers).toEqual(new Set());

    const rust = code(
      'rust',
      '/io/error.rs',
      'io/error.rs:ErrorKind',
      'pub enum ErrorKind {\n    NotFound,\n    Other(String),\n}',
      'type',
    );
    expect(withExactFirst([use, rust], { term: 'ErrorKind::Other', soft: false }).hits[0]!.id).toBe('rust');
    // A class's attribute is written in its outline too.
    const config = code(
      'config',
      '/app/config.py',
      'app/config.py:Config',
      'class Config:\n    timeout = 30',
    );
    expect(withExactFirst([config], { term: 'Config.timeout', soft: false }).definers).toEqual(
      new Set(['config']),
    );
    // Not: another type, a method's line in a class outline (its own row defines it), a function's
    // body, and unqualified, a class's list items (`PassList,` in `default_tags = [`).
    const listing = code(
      'listing',
      '/flask/json/tag.py',
      'json/tag.py:TaggedJSONSerializer',
      'class TaggedJSONSerializer:\n    default_tags = [\n        PassList,\n    ]',
    );
    expect(withExactFirst([listing], { term: 'PassList', soft: false }).definers.size).toBe(0);
    const other = code('other', '/io/kind.rs', 'io/kind.rs:Kind', 'pub enum Kind {\n    Other,\n}', 'type');
    const outline = code(
      'outline',
      '/src/auth.ts',
      'auth.ts:Session',
      'class Session {\n  strip(url: string): string { … }\n}',
    );
    const body = code('body', '/app/run.py', 'app/run.py:Runner', 'def run():\n    retries = 3', 'function');
    expect(withExactFirst([other], { term: 'ErrorKind::Other', soft: false }).definers.size).toBe(0);
    expect(withExactFirst([outline], { term: 'Session.strip', soft: false }).definers.size).toBe(0);
    expect(withExactFirst([body], { term: 'Runner.retries', soft: false }).definers.size).toBe(0);
  });

  it('puts a type before the impl blocks named after it, whichever matched more', () => {
    const rust = (id: string, kind: string, text: string, score: number): SearchHit => ({
      ...hit(id, text, score),
      path: '/regex/src/ast/mod.rs',
      engine: 'code',
      metadata: { symbol: 'src/ast/mod.rs:Span', kind },
    });
    const found = [
      rust('debug', 'impl', 'impl core::fmt::Debug for Span {', 0.9),
      rust('methods', 'impl', 'impl Span {\n    pub fn new(start: Position, end: Position) -> Span', 0.8),
      rust('struct', 'type', 'pub struct Span {\n    pub start: Position,\n    pub end: Position,\n}', 0.7),
      hit('use', 'let span = Span::new(start, end);', 0.6),
    ];
    const { hits: ordered } = withExactFirst(found, { term: 'Span', soft: false });
    expect(ordered.map((h) => [h.id, h.score])).toEqual([
      ['struct', 0.7],
      ['debug', 0.7],
      ['methods', 0.7],
      ['use', 0.6],
    ]);
  });

  it('takes a name qualified by its package, module or crate, which the definition never writes', () => {
    const defined = (id: string, path: string, symbol: string, text: string, score: number): SearchHit => ({
      ...hit(id, text, score),
      path,
      engine: 'code',
      metadata: { symbol },
    });
    const guide = hit('guide', 'Use cobra.MinimumNArgs(1) to require an argument.', 0.9);
    const args = defined(
      'args',
      '/src/cobra/args.go',
      'args.go:MinimumNArgs',
      'func MinimumNArgs(n int) PositionalArgs {',
      0.5,
    );
    const elsewhere = defined(
      'other',
      '/src/viper/args.go',
      'args.go:MinimumNArgs',
      'func MinimumNArgs(n int) {',
      0.4,
    );
    const go = withExactFirst([guide, elsewhere, args], { term: 'cobra.MinimumNArgs', soft: false });
    expect(go.hits.map((h) => h.id)).toEqual(['args', 'guide', 'other']);
    expect([...go.definers]).toEqual(['args']);
    // A crate's release folder; `::` parts the name as `.` does.
    const op = defined('op', '/reg/semver-1.0.23/src/lib.rs', 'src/lib.rs:Op', 'pub enum Op {', 0.3);
    const test = hit('test', 'assert_eq!(semver::Op::Exact, op);', 0.8);
    expect(withExactFirst([test, op], { term: 'semver::Op', soft: false }).hits.map((h) => h.id)).toEqual([
      'op',
      'test',
    ]);
    // A module's file, the class in it.
    const decoder = defined(
      'dec',
      '/lib/json/decoder.py',
      'json/decoder.py:JSONDecoder',
      'class JSONDecoder(object):',
      0.2,
    );
    expect(
      withExactFirst([test, decoder], { term: 'json.decoder.JSONDecoder', soft: false }).hits[0]!.id,
    ).toBe('dec');
    expect(holdsOrDefines(decoder, 'json.decoder.JSONDecoder')).toBe(true);
    expect(holdsOrDefines(decoder, 'yaml.decoder.JSONDecoder')).toBe(true);
    expect(holdsOrDefines(decoder, 'yaml.JSONDecoder')).toBe(false);
  });

  it('changes nothing without a term, when none hold it, or when the holders are first already', () => {
    expect(withExactFirst(hits, undefined).hits).toEqual(hits);
    expect(withExactFirst(hits, { term: 'zebra_crossing', soft: false }).hits).toEqual(hits);
    expect(withExactFirst(hits, { term: 'def', soft: false }).hits).toEqual(hits);
  });
});

describe('definesTerm', () => {
  const at = (heading: string[], metadata: Record<string, unknown> = {}) => ({
    headingPath: heading,
    metadata,
  });

  it("takes a code chunk's symbol by its last name, or by its qualified tail", () => {
    const method = at(['Command'], { symbol: 'click/core.py:Command.make_context' });
    expect(definesTerm(method, 'make_context')).toBe(true);
    expect(definesTerm(method, 'Command.make_context')).toBe(true);
    expect(definesTerm(method, 'context')).toBe(false);
    expect(definesTerm(at([], { symbol: 'cart.cpp:Cart.add' }), 'Cart::add')).toBe(true);
    // A symbol decides for code: a heading path there is its scopes, not a definition.
    expect(definesTerm(at(['make_context'], { symbol: 'x.py:other' }), 'make_context')).toBe(false);
  });

  it("takes a section whose heading opens with the name: a setting, a function's signature, an option", () => {
    expect(definesTerm(at(['Settings', 'work_mem (integer)']), 'work_mem')).toBe(true);
    expect(definesTerm(at(['os.path', 'os.path.join(path, *paths)']), 'os.path.join')).toBe(true);
    expect(definesTerm(at(['git-clean', 'Options', '-n, --dry-run']), '--dry-run')).toBe(true);
    expect(definesTerm(at(['Settings', '`WORK_MEM`']), 'work_mem')).toBe(true);
    expect(definesTerm(at(['Settings', 'Tuning work_mem']), 'work_mem')).toBe(false);
    expect(definesTerm(at([]), 'work_mem')).toBe(false);
  });
});

describe('withExactFirst, soft: one word', () => {
  const code = (id: string, symbol: string, text: string, score: number): SearchHit => ({
    ...hit(id, text, score),
    metadata: { symbol },
  });
  const section = (id: string, heading: string, text: string, score: number): SearchHit => ({
    ...hit(id, text, score),
    headingPath: ['Guide', heading],
  });

  it('puts the hits that define the word as typed first, and every other hit keeps its place', () => {
    const hits = [
      section('mentions', 'Sessions', 'A Session keeps cookies across requests.', 0.9),
      hit('other', 'connection pools and retries', 0.8),
      code('lower', 'api.py:session', 'def session(): return Session()', 0.7),
      section('opens', 'Session Interface', 'Session Interface: how sessions are stored.', 0.6),
      code('class', 'sessions.py:Session', 'class Session: ...', 0.3),
      section('heading', 'Session', 'A session lasts until the browser closes.', 0.2),
    ];
    const { hits: ordered, definers } = withExactFirst(hits, { term: 'Session', soft: true });
    expect(ordered.map((h) => h.id)).toEqual(['class', 'heading', 'mentions', 'other', 'lower', 'opens']);
    expect([...definers].sort()).toEqual(['class', 'heading']);
    // Scores still fall down the list.
    const scores = ordered.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("takes a heading that is the word and a parenthesis, a call's or a note's", () => {
    const hits = [
      hit('mentions', 'rate is per second; see irate', 0.9),
      section('irate', '`irate()`', 'irate() gives the rate between the last two samples', 0.8),
      section('rate', '`rate()`', 'rate(v range-vector) averages the rate over the range', 0.5),
    ];
    expect(withExactFirst(hits, { term: 'rate', soft: true }).hits.map((h) => h.id)).toEqual([
      'rate',
      'mentions',
      'irate',
    ]);
  });

  it('moves nothing when no hit defines the word', () => {
    const hits = [
      hit('a', 'Tomatoes need sun.', 0.9),
      hit('b', 'water daily', 0.5),
      section('c', 'Tomatoes and peppers', 'Tomatoes', 0.4),
    ];
    const { hits: ordered } = withExactFirst(hits, { term: 'Tomatoes', soft: true });
    expect(ordered.map((h) => [h.id, h.score])).toEqual([
      ['a', 0.9],
      ['b', 0.5],
      ['c', 0.4],
    ]);
  });
});

describe('withExactFirst, phrase: several words as written', () => {
  it('puts the hits holding the words side by side first, whatever the case and punctuation between', () => {
    const hits = [
      hit('guide', 'Execute() runs the command; a nil command panics.', 0.9),
      hit('source', 'return fmt.Errorf("Called Execute() on a nil Command")', 0.6),
      hit('split', 'called Execute() on a\n  nil Command', 0.5),
      hit('longer', 'recalled Execute() on a nil Commander', 0.4),
    ];
    const {
      hits: ordered,
      holders,
      definers,
    } = withExactFirst(hits, { term: 'called Execute() on a nil Command', soft: false, phrase: true });
    expect(ordered.map((h) => [h.id, h.score])).toEqual([
      ['source', 0.6],
      ['split', 0.5],
      ['guide', 0.5],
      ['longer', 0.4],
    ]);
    expect([...holders]).toEqual(['source', 'split']);
    expect(definers.size).toBe(0);
  });

  it('changes nothing when no hit holds the words as written', () => {
    const hits = [hit('a', 'how to restore the backup', 0.9), hit('b', 'restoring backups', 0.5)];
    expect(
      withExactFirst(hits, { term: 'restore a backup archive', soft: false, phrase: true }).hits,
    ).toEqual(hits);
  });
});
