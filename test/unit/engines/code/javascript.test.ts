import { afterAll, describe, expect, it } from 'vitest';
import { Grammars } from '../../../../src/engines/code/grammars.js';
import { bySymbol, chunk, expectAllTextCovered, expectValidChunks, fixture, outline } from './helpers.js';

const grammars = new Grammars();
afterAll(() => grammars.close());

describe('typescript', () => {
  it('chunks types, overloads, exported functions, arrow consts and a default abstract class', async () => {
    const text = fixture('billing.ts');
    const chunks = await chunk(grammars, 'src/billing.ts', text);
    expect(outline(chunks)).toEqual([
      ['src/billing.ts', 'imports', 1, 2, null],
      ['src/billing.ts:Cents', 'type', 4, 5, null],
      ['src/billing.ts:Invoice', 'interface', 7, 11, null],
      ['src/billing.ts:InvoiceLine', 'interface', 13, 16, null],
      ['src/billing.ts:Status', 'type', 18, 21, null],
      ['src/billing.ts:formatCents', 'function', 23, 29, null],
      ['src/billing.ts:idempotencyKey', 'function', 31, 33, null],
      ['src/billing.ts:sumLines', 'function', 35, 37, null],
      ['src/billing.ts:sealed', 'function', 39, 41, null],
      ['src/billing.ts:Biller', 'class', 43, 61, null],
      ['src/billing.ts:Biller.constructor', 'method', 46, 48, 'src/billing.ts:Biller'],
      ['src/billing.ts:Biller.send', 'method', 50, 56, 'src/billing.ts:Biller'],
      ['src/billing.ts:Biller.retryDelay', 'method', 60, 60, 'src/billing.ts:Biller'],
    ]);
    expect(new Set(chunks.map((c) => c.metadata.language))).toEqual(new Set(['typescript']));
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });

  it('keeps overload signatures and the doc comment with the implementation', async () => {
    const chunks = await chunk(grammars, 'src/billing.ts', fixture('billing.ts'));
    const format = bySymbol(chunks, 'src/billing.ts:formatCents');
    expect(format.text.split('\n').slice(0, 4)).toEqual([
      '/** Formats an amount for people: `1234` → `12.34`. */',
      'export function formatCents(amount: Cents): string;',
      'export function formatCents(amount: Cents, currency: string): string;',
      'export function formatCents(amount: Cents, currency?: string): string {',
    ]);
  });

  it('shows a class as its fields and member signatures, decorators and doc comments included', async () => {
    const chunks = await chunk(grammars, 'src/billing.ts', fixture('billing.ts'));
    const biller = bySymbol(chunks, 'src/billing.ts:Biller');
    expect(biller.text).toBe(
      [
        'export default abstract class Biller {',
        '  protected readonly log: Logger;',
        '  constructor(log: Logger) { … }',
        '  /** Sends the invoice; resolves once the provider accepted it. */',
        '  @sealed',
        '  async send(invoice: Invoice): Promise<Status> { … }',
        '  protected abstract deliver(invoice: Invoice): Promise<void>;',
        '  readonly retryDelay = (attempt: number): number => Math.min(30_000, 2 ** attempt * 100);',
        '}',
      ].join('\n'),
    );
    // No method body is repeated in the class.
    expect(biller.text).not.toContain("this.log.info({ id: invoice.id }, 'sending');");
    expect(bySymbol(chunks, 'src/billing.ts:Biller.send').text).toContain(
      "this.log.info({ id: invoice.id }, 'sending');",
    );
  });
});

describe('tsx', () => {
  it('chunks components written as functions and as arrow consts', async () => {
    const text = fixture('Cart.tsx');
    const chunks = await chunk(grammars, 'ui/Cart.tsx', text);
    expect(outline(chunks)).toEqual([
      ['ui/Cart.tsx', 'imports', 1, 1, null],
      ['ui/Cart.tsx:Props', 'type', 3, 3, null],
      ['ui/Cart.tsx:Cart', 'function', 5, 15, null],
      ['ui/Cart.tsx:EmptyCart', 'function', 17, 17, null],
      ['ui/Cart.tsx', 'module', 19, 19, null],
    ]);
    expect(chunks[2]!.metadata.language).toBe('tsx');
    expect(chunks[2]!.metadata.hasSyntaxError).toBeUndefined();
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });
});

describe('javascript', () => {
  it('chunks a class with private fields and a generator, arrow consts and a default export', async () => {
    const text = fixture('queue.js');
    const chunks = await chunk(grammars, 'lib/queue.js', text);
    expect(outline(chunks)).toEqual([
      ['lib/queue.js', 'module', 1, 1, null],
      ['lib/queue.js', 'imports', 3, 3, null],
      ['lib/queue.js', 'module', 5, 5, null],
      ['lib/queue.js:Queue', 'class', 7, 22, null],
      ['lib/queue.js:Queue.push', 'method', 13, 16, 'lib/queue.js:Queue'],
      ['lib/queue.js:Queue.drain', 'method', 18, 21, 'lib/queue.js:Queue'],
      ['lib/queue.js:createQueue', 'function', 24, 24, null],
      ['lib/queue.js:defaultQueue', 'function', 26, 28, null],
    ]);
    expect(chunks[3]!.metadata.language).toBe('javascript');
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });

  it('names functions assigned to exports and prototypes after what they are assigned to', async () => {
    const text = [
      "'use strict';",
      '',
      '/** Parses one line. */',
      'module.exports.parse = function parse(line) {',
      '  return line.split(",");',
      '};',
      '',
      'Reader.prototype.next = async () => {',
      '  return null;',
      '};',
      '',
      'module.exports.VERSION = 2;',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'lib/csv.js', text);
    expect(outline(chunks)).toEqual([
      ['lib/csv.js', 'module', 1, 1, null],
      ['lib/csv.js:module.exports.parse', 'function', 3, 6, null],
      ['lib/csv.js:Reader.prototype.next', 'function', 8, 10, null],
      ['lib/csv.js', 'module', 12, 12, null],
    ]);
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });

  it("keeps a doc comment one blank line above a definition with it, not a file's header", async () => {
    const text = [
      '/**',
      ' * @module response',
      ' */',
      '',
      "var send = require('send');",
      '',
      '/**',
      ' * Transfer the file at the given `path`.',
      ' * @public',
      ' */',
      '',
      'res.sendFile = function sendFile(path) {',
      '  return send(this.req, path);',
      '};',
      '',
      '// Where the old name went.',
      '',
      'res.sendfile = res.sendFile;',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'lib/response.js', text);
    const sendFile = bySymbol(chunks, 'lib/response.js:res.sendFile');
    expect(sendFile.startLine).toBe(7);
    expect(sendFile.text).toContain('Transfer the file at the given `path`.');
    expect(sendFile.endLine).toBe(14);
    // The file's header, and a line comment across a blank line, stay with the file's own code.
    expect(chunks.some((c) => c.startLine === 1 && c.text.startsWith('/**\n * @module response'))).toBe(true);
    expect(chunks.some((c) => c.startLine === 16 && c.text.startsWith('// Where the old name went.'))).toBe(
      true,
    );
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });

  it('names an anonymous default export `default`', async () => {
    const chunks = await chunk(grammars, 'a.mjs', 'export default function () {\n  return 1;\n}\n');
    expect(outline(chunks)).toEqual([['a.mjs:default', 'function', 1, 3, null]]);
    const cls = await chunk(grammars, 'b.js', 'export default class {\n  run() {\n    return 2;\n  }\n}\n');
    expect(outline(cls)).toEqual([
      ['b.js:default', 'class', 1, 5, null],
      ['b.js:default.run', 'method', 2, 4, 'b.js:default'],
    ]);
  });
});
