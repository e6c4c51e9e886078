import { afterAll, describe, expect, it } from 'vitest';
import { Grammars } from '../../../../src/engines/code/grammars.js';
import { bySymbol, chunk, expectAllTextCovered, expectValidChunks, fixture, outline } from './helpers.js';

const grammars = new Grammars();
afterAll(() => grammars.close());

describe('go', () => {
  it('names methods by their receiver and points them at the type, even when declared before it', async () => {
    const text = fixture('server.go');
    const chunks = await chunk(grammars, 'shop/server.go', text);
    expect(outline(chunks)).toEqual([
      // The package doc comment is module code; the import block starts at the package line.
      ['shop/server.go', 'module', 1, 1, null],
      ['shop/server.go', 'imports', 2, 7, null],
      ['shop/server.go:Server.Handle', 'method', 9, 12, 'shop/server.go:Server'],
      ['shop/server.go:Server', 'type', 14, 18, null],
      ['shop/server.go:NewServer', 'function', 20, 25, null],
      ['shop/server.go:Server.Name', 'method', 27, 27, 'shop/server.go:Server'],
    ]);
    expect(chunks[0]!.metadata.language).toBe('go');
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });

  it('cuts a Go function over the limit between the statements of its body, not at the node that wraps them all', async () => {
    // Go's grammar wraps a body's statements in one node; cut at that node, a long function became
    // its leading comment alone plus line windows that split statements in the middle.
    const steps = Array.from({ length: 40 }, (_, i) => [
      `\t// step ${i} folds the next ledger entry into the running total`,
      `\tif err := ledger.Apply(entries[${i}], rate); err != nil {`,
      `\t\treturn 0, fmt.Errorf("entry ${i}: %w", err)`,
      '\t}',
      '',
    ]).flat();
    const text = [
      'package books',
      '',
      '// Settle applies every entry of the ledger at the given rate.',
      'func (l *Ledger) Settle(ledger *Ledger, entries []Entry, rate float64) (float64, error) {',
      '\t// start from nothing',
      '\ttotal := 0.0',
      '',
      ...steps,
      '\treturn total, nil',
      '}',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'books/settle.go', text, 128);
    const head = bySymbol(chunks, 'books/settle.go:Ledger.Settle');
    expect(head.text.split('\n')).toEqual([
      '// Settle applies every entry of the ledger at the given rate.',
      'func (l *Ledger) Settle(ledger *Ledger, entries []Entry, rate float64) (float64, error) {',
    ]);
    const parts = chunks.filter((c) => c.metadata.symbol === head.metadata.symbol && c.metadata.part);
    expect(parts.length).toBeGreaterThan(3);
    const lines = text.split('\n');
    for (const part of parts) {
      const own = part.text.split('\n');
      const where = `part ${part.metadata.part} (lines ${part.startLine}-${part.endLine})`;
      // Whole statements: every \`if\` a part opens it also closes, and no part is comments alone.
      expect(own.filter((l) => l.startsWith('\tif ')).length, `${where} closes its ifs`).toBe(
        own.filter((l) => l === '\t}').length,
      );
      expect(
        own.some((l) => l.trim() !== '' && !l.trim().startsWith('//')),
        `${where} holds code`,
      ).toBe(true);
    }
    expect(parts[0]!.startLine).toBe(5);
    // The closing brace is the last part's: header and parts are the whole function, with
    // nothing but blank lines between them.
    expect(parts.at(-1)!.endLine).toBe(lines.length - 1);
    expect(parts.at(-1)!.text.endsWith('\treturn total, nil\n}')).toBe(true);
    // The head's range is the whole function; its own lines are its text's.
    const spans = [
      [head.startLine, head.startLine + head.text.split('\n').length - 1],
      ...parts.map((c) => [c.startLine, c.endLine]),
    ];
    const covered = new Set(
      spans.flatMap(([from, to]) => Array.from({ length: to! - from! + 1 }, (_, i) => from! + i)),
    );
    for (let line = 3; line <= lines.length - 1; line++)
      if (!covered.has(line)) expect(lines[line - 1], `line ${line}`).toBe('');
    expectValidChunks(text, chunks, 128);
    expectAllTextCovered(text, chunks);
  });
});

describe('rust', () => {
  it('chunks structs with their attributes, traits, impl blocks and their methods', async () => {
    const text = fixture('shapes.rs');
    const chunks = await chunk(grammars, 'geo/shapes.rs', text);
    expect(outline(chunks)).toEqual([
      ['geo/shapes.rs', 'imports', 1, 1, null],
      ['geo/shapes.rs:Point', 'type', 3, 8, null],
      ['geo/shapes.rs:Area', 'interface', 10, 18, null],
      ['geo/shapes.rs:Area.area', 'method', 12, 12, 'geo/shapes.rs:Area'],
      ['geo/shapes.rs:Area.double', 'method', 14, 17, 'geo/shapes.rs:Area'],
      ['geo/shapes.rs:Point', 'impl', 20, 29, null],
      ['geo/shapes.rs:Point.origin', 'method', 21, 24, 'geo/shapes.rs:Point'],
      ['geo/shapes.rs:Point.distance', 'method', 26, 28, 'geo/shapes.rs:Point'],
      ['geo/shapes.rs:Point', 'impl', 31, 35, null],
      ['geo/shapes.rs:Point.fmt', 'method', 32, 34, 'geo/shapes.rs:Point'],
      ['geo/shapes.rs:centroid', 'function', 37, 41, null],
    ]);
    // Each method points at its own impl block, not at the first one of the type.
    const impls = chunks.filter((c) => c.metadata.kind === 'impl');
    expect(bySymbol(chunks, 'geo/shapes.rs:Point.fmt').metadata.parentScope).toBe(impls[1]!.id);
    expect(bySymbol(chunks, 'geo/shapes.rs:Point.origin').metadata.parentScope).toBe(impls[0]!.id);
    expect(impls[1]!.text).toBe(
      [
        'impl fmt::Display for Point {',
        '    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { … }',
        '}',
      ].join('\n'),
    );
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });

  it("reads a module's items under its name, and marks those of a #[cfg(test)] module as tests", async () => {
    // Rust keeps unit tests in the file they test: read as module code, `mod tests` became windows
    // of lines that cut its test functions apart and named none of them.
    const text = [
      'mod parser;',
      'pub mod ast;',
      '',
      '/// Helpers for callers.',
      'pub mod util {',
      '    pub fn clamp(n: u32) -> u32 {',
      '        n.min(9)',
      '    }',
      '}',
      '',
      '#[cfg(test)]',
      'mod tests {',
      '    use super::*;',
      '',
      '    struct Case(u32);',
      '',
      '    #[test]',
      '    fn clamps_large_numbers() {',
      '        assert_eq!(util::clamp(12), 9);',
      '    }',
      '}',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'src/lib.rs', text);
    expect(outline(chunks)).toEqual([
      ['src/lib.rs', 'imports', 1, 2, null],
      ['src/lib.rs:util', 'class', 4, 9, null],
      ['src/lib.rs:util.clamp', 'function', 6, 8, 'src/lib.rs:util'],
      ['src/lib.rs:tests', 'class', 11, 21, null],
      ['src/lib.rs:tests.Case', 'type', 15, 15, 'src/lib.rs:tests'],
      ['src/lib.rs:tests.clamps_large_numbers', 'function', 17, 20, 'src/lib.rs:tests'],
    ]);
    expect(bySymbol(chunks, 'src/lib.rs:tests').text).toBe(
      [
        '#[cfg(test)]',
        'mod tests {',
        '    use super::*;',
        '    struct Case(u32);',
        '    #[test]',
        '    fn clamps_large_numbers() { … }',
        '}',
      ].join('\n'),
    );
    const tests = chunks.filter((c) => c.metadata.isTest).map((c) => c.metadata.symbol);
    expect(tests).toEqual([
      'src/lib.rs:tests',
      'src/lib.rs:tests.Case',
      'src/lib.rs:tests.clamps_large_numbers',
    ]);
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });

  it('names an impl for a type of another module, or a reference to one, after the type', async () => {
    // Named by its path, `ast::Error.eq` read as a file `ast` and a symbol `Error.eq`, and
    // `--symbol 'Error.*'` did not find it.
    const text = [
      'impl PartialEq<TestError> for ast::Error {',
      '    fn eq(&self, other: &TestError) -> bool {',
      '        self.span == other.span',
      '    }',
      '}',
      '',
      "impl<'a> IntoIterator for &'a crate::utf8::Utf8Sequence {",
      '    fn into_iter(self) -> Iter<Utf8Range> {',
      '        self.as_slice().iter()',
      '    }',
      '}',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'src/tests.rs', text);
    expect(outline(chunks)).toEqual([
      ['src/tests.rs:Error', 'impl', 1, 5, null],
      ['src/tests.rs:Error.eq', 'method', 2, 4, 'src/tests.rs:Error'],
      ['src/tests.rs:Utf8Sequence', 'impl', 7, 11, null],
      ['src/tests.rs:Utf8Sequence.into_iter', 'method', 8, 10, 'src/tests.rs:Utf8Sequence'],
    ]);
  });

  it('a module that is tested only when a feature is off is not a test module', async () => {
    const text = ['#[cfg(not(test))]', 'mod real {', '    fn open() {}', '}', ''].join('\n');
    const chunks = await chunk(grammars, 'src/io.rs', text);
    expect(chunks.filter((c) => c.metadata.isTest)).toEqual([]);
    const feature = ['#[cfg(all(test, feature = "std"))]', 'mod tests {', '    fn opens() {}', '}', ''].join(
      '\n',
    );
    const marked = await chunk(grammars, 'src/io.rs', feature);
    expect(marked.map((c) => c.metadata.isTest)).toEqual([true, true]);
  });
});

describe('java', () => {
  it('chunks classes with javadoc and annotations, nested classes, enums and constructors', async () => {
    const text = fixture('Account.java');
    const chunks = await chunk(grammars, 'bank/Account.java', text);
    expect(outline(chunks)).toEqual([
      ['bank/Account.java', 'imports', 1, 4, null],
      ['bank/Account.java:Account', 'class', 6, 39, null],
      ['bank/Account.java:Account.Kind', 'class', 13, 14, 'bank/Account.java:Account'],
      ['bank/Account.java:Account.Account', 'method', 16, 21, 'bank/Account.java:Account'],
      ['bank/Account.java:Account.toString', 'method', 23, 26, 'bank/Account.java:Account'],
      ['bank/Account.java:Account.Statement', 'class', 28, 38, 'bank/Account.java:Account'],
      [
        'bank/Account.java:Account.Statement.Statement',
        'method',
        31,
        33,
        'bank/Account.java:Account.Statement',
      ],
      ['bank/Account.java:Account.Statement.render', 'method', 35, 37, 'bank/Account.java:Account.Statement'],
    ]);
    const account = bySymbol(chunks, 'bank/Account.java:Account');
    expect(account.text).toContain('    public static class Statement { … }');
    expect(account.text).not.toContain('return text.trim();');
    expect(account.text.split('\n').slice(0, 5)).toEqual([
      '/**',
      " * A customer's account; balances are never negative.",
      ' */',
      '@Entity',
      'public class Account {',
    ]);
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });
});
