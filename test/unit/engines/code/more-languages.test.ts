import { afterAll, describe, expect, it } from 'vitest';
import { Grammars } from '../../../../src/engines/code/grammars.js';
import { CODE_INCLUDE } from '../../../../src/engines/default-includes.js';
import { bySymbol, chunk, expectAllTextCovered, expectValidChunks, fixture, outline } from './helpers.js';

/** Ruby, C#, PHP, C, C++ and shell scripts: the grammars @vscode/tree-sitter-wasm ships beside the first seven. */
const grammars = new Grammars();
afterAll(() => grammars.close());

async function read(name: string) {
  const text = fixture(name);
  const chunks = await chunk(grammars, name, text);
  expectValidChunks(text, chunks);
  expectAllTextCovered(text, chunks);
  return chunks;
}

describe('more languages', () => {
  it('ruby: modules and classes as summaries, methods (singleton ones too) under them', async () => {
    const chunks = await read('shop.rb');
    expect(outline(chunks)).toEqual([
      ['shop.rb', 'module', 1, 2, null],
      ['shop.rb:Shop', 'class', 4, 28, null],
      ['shop.rb:Shop.Cart', 'class', 6, 27, 'shop.rb:Shop'],
      ['shop.rb:Shop.Cart.initialize', 'method', 9, 12, 'shop.rb:Shop.Cart'],
      ['shop.rb:Shop.Cart.add', 'method', 14, 17, 'shop.rb:Shop.Cart'],
      ['shop.rb:Shop.Cart.total', 'method', 19, 21, 'shop.rb:Shop.Cart'],
      ['shop.rb:Shop.Cart.from_json', 'method', 23, 26, 'shop.rb:Shop.Cart'],
      ['shop.rb:checkout', 'function', 30, 32, null],
    ]);
    expect(chunks[0]!.metadata.language).toBe('ruby');
    expect(bySymbol(chunks, 'shop.rb:Shop.Cart').text).toContain('    def add(sku, qty = 1) ...');
  });

  it('c#: usings as imports, the namespace and its types as summaries, members under them', async () => {
    const chunks = await read('Cart.cs');
    expect(outline(chunks)).toEqual([
      ['Cart.cs', 'imports', 1, 2, null],
      ['Cart.cs:Shop.Checkout', 'class', 4, 41, null],
      ['Cart.cs:Shop.Checkout.Cart', 'class', 6, 31, 'Cart.cs:Shop.Checkout'],
      ['Cart.cs:Shop.Checkout.Cart.Cart', 'method', 11, 14, 'Cart.cs:Shop.Checkout.Cart'],
      ['Cart.cs:Shop.Checkout.Cart.Add', 'method', 18, 23, 'Cart.cs:Shop.Checkout.Cart'],
      ['Cart.cs:Shop.Checkout.Cart.Total', 'method', 25, 30, 'Cart.cs:Shop.Checkout.Cart'],
      ['Cart.cs:Shop.Checkout.IPricing', 'interface', 33, 36, 'Cart.cs:Shop.Checkout'],
      ['Cart.cs:Shop.Checkout.IPricing.PriceOf', 'method', 35, 35, 'Cart.cs:Shop.Checkout.IPricing'],
      ['Cart.cs:Shop.Checkout.LineItem', 'class', 38, 38, 'Cart.cs:Shop.Checkout'],
      ['Cart.cs:Shop.Checkout.Currency', 'type', 40, 40, 'Cart.cs:Shop.Checkout'],
    ]);
    // A method's doc comment and attribute belong to it.
    expect(bySymbol(chunks, 'Cart.cs:Shop.Checkout.Cart.Add').text.split('\n').slice(0, 2)).toEqual([
      '        /// <summary>Adds qty of sku to the cart.</summary>',
      '        [Obsolete("use AddMany")]',
    ]);
  });

  it('php: namespace and use lines as imports, classes and interfaces with their methods, functions', async () => {
    const chunks = await read('cart.php');
    expect(outline(chunks)).toEqual([
      ['cart.php', 'module', 1, 1, null],
      ['cart.php', 'imports', 3, 6, null],
      ['cart.php:Cart', 'class', 8, 30, null],
      ['cart.php:Cart.__construct', 'method', 15, 17, 'cart.php:Cart'],
      ['cart.php:Cart.add', 'method', 19, 23, 'cart.php:Cart'],
      ['cart.php:Cart.fromJson', 'method', 25, 29, 'cart.php:Cart'],
      ['cart.php:Pricing', 'interface', 32, 35, null],
      ['cart.php:Pricing.priceOf', 'method', 34, 34, 'cart.php:Pricing'],
      ['cart.php:checkout', 'function', 37, 40, null],
    ]);
  });

  it('php: a braced namespace holds its classes; `namespace A;` alone is an import line', async () => {
    const chunks = await read('tax.php');
    expect(outline(chunks)).toEqual([
      ['tax.php', 'module', 1, 1, null],
      ['tax.php:Shop\\Tax', 'class', 2, 12, null],
      ['tax.php:Shop\\Tax.Rates', 'class', 5, 11, 'tax.php:Shop\\Tax'],
      ['tax.php:Shop\\Tax.Rates.apply', 'method', 7, 10, 'tax.php:Shop\\Tax.Rates'],
    ]);
  });

  it('shell: each function with its comment, the commands around them as module code', async () => {
    const chunks = await read('deploy.sh');
    expect(outline(chunks)).toEqual([
      ['deploy.sh', 'module', 1, 5, null],
      ['deploy.sh:deploy', 'function', 7, 13, null],
      ['deploy.sh:rollback', 'function', 15, 19, null],
      ['deploy.sh', 'module', 21, 24, null],
    ]);
    expect(bySymbol(chunks, 'deploy.sh:deploy').text.startsWith('# Copies the build')).toBe(true);
  });

  it('c: includes as imports, structs as types, functions named through their declarators', async () => {
    const chunks = await read('buffer.c');
    expect(outline(chunks)).toEqual([
      ['buffer.c', 'imports', 1, 3, null],
      ['buffer.c:buffer', 'type', 5, 9, null],
      ['buffer.c:grow', 'function', 11, 20, null],
      ['buffer.c:buffer_append', 'function', 22, 29, null],
      ['buffer.c:buffer_steal', 'function', 31, 37, null],
    ]);
    expect(chunks[0]!.metadata.language).toBe('c');
  });

  it('c++: a namespace and its class as summaries; Cart::add defined outside the class is Cart.add', async () => {
    const chunks = await read('cart.cpp');
    expect(outline(chunks)).toEqual([
      ['cart.cpp', 'imports', 1, 2, null],
      ['cart.cpp:shop', 'class', 4, 31, null],
      ['cart.cpp:shop.Cart', 'class', 6, 17, 'cart.cpp:shop'],
      ['cart.cpp:shop.Cart.Cart', 'method', 9, 9, 'cart.cpp:shop.Cart'],
      ['cart.cpp:shop.Cart.add', 'method', 19, 22, 'cart.cpp:shop'],
      ['cart.cpp:shop.Cart.total', 'method', 24, 29, 'cart.cpp:shop'],
    ]);
    expect(chunks[0]!.metadata.language).toBe('cpp');
  });

  it('c++: a function in a namespace is a function; a class member, or one defined as Cart::add, a method', async () => {
    // A namespace was read as a class, so its free functions were labelled methods.
    const text = [
      'namespace shop::tax {',
      '',
      'double rate(int region)',
      '{',
      '    return region * 0.01;',
      '}',
      '',
      'class Ledger {',
      'public:',
      '    double total() const { return sum_; }',
      'private:',
      '    double sum_;',
      '};',
      '',
      'double Ledger::settle(double x)',
      '{',
      '    return x;',
      '}',
      '',
      'namespace detail {',
      'int round_cents(double x) { return (int)x; }',
      '}',
      '',
      '}  // namespace shop::tax',
      '',
      'void Ledger::close()',
      '{',
      '}',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'tax.cpp', text);
    expect(outline(chunks)).toEqual([
      ['tax.cpp:shop.tax', 'class', 1, 24, null],
      ['tax.cpp:shop.tax.rate', 'function', 3, 6, 'tax.cpp:shop.tax'],
      ['tax.cpp:shop.tax.Ledger', 'class', 8, 13, 'tax.cpp:shop.tax'],
      ['tax.cpp:shop.tax.Ledger.total', 'method', 10, 10, 'tax.cpp:shop.tax.Ledger'],
      ['tax.cpp:shop.tax.Ledger.settle', 'method', 15, 18, 'tax.cpp:shop.tax'],
      ['tax.cpp:shop.tax.detail', 'class', 20, 22, 'tax.cpp:shop.tax'],
      ['tax.cpp:shop.tax.detail.round_cents', 'function', 21, 21, 'tax.cpp:shop.tax.detail'],
      ['tax.cpp:Ledger.close', 'method', 26, 28, null],
    ]);
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });

  it('c#: a function directly in a namespace is a function; the members of its classes and structs are methods', async () => {
    const text = [
      'namespace Shop',
      '{',
      '    namespace Tax',
      '    {',
      '        static decimal Round(decimal x)',
      '        {',
      '            return x;',
      '        }',
      '',
      '        public struct Rate',
      '        {',
      '            public decimal Apply(decimal x) { return x; }',
      '        }',
      '    }',
      '}',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'Tax.cs', text);
    expect(outline(chunks)).toEqual([
      ['Tax.cs:Shop', 'class', 1, 15, null],
      ['Tax.cs:Shop.Tax', 'class', 3, 14, 'Tax.cs:Shop'],
      ['Tax.cs:Shop.Tax.Round', 'function', 5, 8, 'Tax.cs:Shop.Tax'],
      ['Tax.cs:Shop.Tax.Rate', 'class', 10, 13, 'Tax.cs:Shop.Tax'],
      ['Tax.cs:Shop.Tax.Rate.Apply', 'method', 12, 12, 'Tax.cs:Shop.Tax.Rate'],
    ]);
    // A file-scoped namespace holds nothing: its classes are the file's, their members methods.
    const scoped = await chunk(
      grammars,
      'Rates.cs',
      [
        'namespace Shop.Tax;',
        '',
        'public class Rates',
        '{',
        '    public decimal Apply(decimal x) { return x; }',
        '}',
        '',
      ].join('\n'),
    );
    expect(outline(scoped)).toEqual([
      ['Rates.cs', 'module', 1, 1, null],
      ['Rates.cs:Rates', 'class', 3, 6, null],
      ['Rates.cs:Rates.Apply', 'method', 5, 5, 'Rates.cs:Rates'],
    ]);
  });

  it('php: a function in a braced namespace is a function', async () => {
    const text = [
      '<?php',
      'namespace Shop\\Tax {',
      '    function round_cents($x) {',
      '        return $x;',
      '    }',
      '}',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'round.php', text);
    expect(outline(chunks)).toEqual([
      ['round.php', 'module', 1, 1, null],
      ['round.php:Shop\\Tax', 'class', 2, 6, null],
      ['round.php:Shop\\Tax.round_cents', 'function', 3, 5, 'round.php:Shop\\Tax'],
    ]);
  });

  it('the code engine reads their files by default', () => {
    for (const glob of ['**/*.rb', '**/*.cs', '**/*.php', '**/*.sh', '**/*.c', '**/*.h', '**/*.cpp'])
      expect(CODE_INCLUDE).toContain(glob);
  });
});
