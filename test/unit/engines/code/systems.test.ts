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
      ['shop/server.go', 'imports', 1, 7, null],
      ['shop/server.go:Server.Handle', 'method', 9, 12, 'shop/server.go:Server'],
      ['shop/server.go:Server', 'type', 14, 18, null],
      ['shop/server.go:NewServer', 'function', 20, 25, null],
      ['shop/server.go:Server.Name', 'method', 27, 27, 'shop/server.go:Server'],
    ]);
    expect(chunks[0]!.metadata.language).toBe('go');
    expectValidChunks(text, chunks);
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
