import { afterAll, describe, expect, it } from 'vitest';
import { chunkCode } from '../../../../src/engines/code/chunker.js';
import { Grammars } from '../../../../src/engines/code/grammars.js';
import { languageForPath } from '../../../../src/engines/code/languages.js';
import type { CodeChunk } from '../../../../src/engines/code/types.js';
import {
  bySymbol,
  chunk,
  expectAllTextCovered,
  expectValidChunks,
  limits,
  outline,
  ROOT,
} from './helpers.js';

const grammars = new Grammars();
afterAll(() => grammars.close());

/**
 * Each part's first and last lines are the file's at its range (a summary's signature line ends
 * in the elision the file does not have), and the parts come in the file's order.
 */
function expectPartsAtTheirLines(text: string, parts: readonly CodeChunk[]): void {
  const file = text.split('\n');
  for (const part of parts) {
    const shown = part.text.split('\n');
    expect(
      shown[0]!.startsWith(file[part.startLine - 1]!),
      `part ${part.metadata.part} starts at its line`,
    ).toBe(true);
    expect(
      shown.at(-1)!.startsWith(file[part.endLine - 1]!),
      `part ${part.metadata.part} ends at its line`,
    ).toBe(true);
    expect(part.endLine - part.startLine + 1).toBeGreaterThanOrEqual(shown.length);
  }
  for (let i = 1; i < parts.length; i++) expect(parts[i]!.startLine).toBeGreaterThan(parts[i - 1]!.endLine);
}

/** A method of `statements` statements, each a few tokens, inside a class. */
function longMethodFile(statements: number): string {
  const body = Array.from(
    { length: statements },
    (_, i) => `        total += ledger.entry_${i}(amount, rate)`,
  );
  return [
    'class Ledger:',
    '    """Keeps the books."""',
    '',
    '    @audited',
    '    def settle(self, ledger, amount, rate):',
    '        """Settles every entry of the ledger at the given rate."""',
    '        total = 0',
    ...body,
    '        return total',
    '',
    '    def close(self):',
    '        return None',
    '',
  ].join('\n');
}

describe('a function over the token limit', () => {
  it('is cut at statement boundaries into parts that point at its header chunk', async () => {
    const text = longMethodFile(120);
    const chunks = await chunk(grammars, 'books/ledger.py', text, 128);
    const head = bySymbol(chunks, 'books/ledger.py:Ledger.settle');
    expect(head.text).toBe(
      [
        '    @audited',
        '    def settle(self, ledger, amount, rate):',
        '        """Settles every entry of the ledger at the given rate."""',
      ].join('\n'),
    );
    // The header chunk spans the whole function, so whoever fetches a part's parent knows its extent.
    expect([head.startLine, head.endLine]).toEqual([4, 128]);
    expect(head.metadata.parentScope).toBe(bySymbol(chunks, 'books/ledger.py:Ledger').id);
    const parts = chunks.filter(
      (c) => c.metadata.symbol === 'books/ledger.py:Ledger.settle' && c.metadata.part,
    );
    expect(parts.length).toBeGreaterThan(3);
    parts.forEach((part, i) => {
      expect(part.metadata.part).toBe(i + 1);
      expect(part.metadata.kind).toBe('method');
      expect(part.metadata.parentScope).toBe(head.id);
      // Whole statements only: every line of a part is one of the body's lines.
      expect(part.text.split('\n').every((line) => line.startsWith('        '))).toBe(true);
    });
    // The parts follow each other with nothing left out: statements 7..128 in order.
    expect(parts[0]!.startLine).toBe(7);
    expect(parts.at(-1)!.endLine).toBe(128);
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.startLine).toBe(parts[i - 1]!.endLine + 1);
    expectValidChunks(text, chunks, 128);
    expectAllTextCovered(text, chunks);
  });

  it('sizes the parts alike rather than leaving a last part of a line or two', async () => {
    // Packed greedily, some of these lengths leave one or two statements in a last part; its
    // vector is then little more than the symbol line.
    for (let statements = 20; statements <= 60; statements += 4) {
      const text = longMethodFile(statements);
      const chunks = await chunk(grammars, 'books/ledger.py', text, 128);
      const parts = chunks.filter(
        (c) => c.metadata.symbol === 'books/ledger.py:Ledger.settle' && c.metadata.part,
      );
      const sizes = parts.map((p) => p.endLine - p.startLine + 1);
      expect(parts.length, `${statements} statements`).toBeGreaterThan(1);
      expect(
        Math.max(...sizes) - Math.min(...sizes),
        `${statements} statements: ${sizes}`,
      ).toBeLessThanOrEqual(2);
      // Not more parts than needed: each would not fit in one less.
      const lines = sizes.reduce((a, b) => a + b, 0);
      expect(Math.max(...sizes) * (parts.length - 1), `${statements} statements: ${sizes}`).toBeLessThan(
        lines,
      );
      expectValidChunks(text, chunks, 128);
      expectAllTextCovered(text, chunks);
    }
  });

  it('cuts module code into windows sized alike', async () => {
    for (let statements = 31; statements <= 90; statements += 7) {
      const text = Array.from(
        { length: statements },
        (_, i) => `RATE_${i} = tables.lookup("rate", ${i}, default=None)`,
      ).join('\n');
      const chunks = await chunk(grammars, 'books/rates.py', text, 128);
      const sizes = chunks.map((c) => c.endLine - c.startLine + 1);
      expect(chunks.length, `${statements} statements`).toBeGreaterThan(1);
      expect(chunks.every((c) => c.metadata.kind === 'module')).toBe(true);
      expect(
        Math.max(...sizes) - Math.min(...sizes),
        `${statements} statements: ${sizes}`,
      ).toBeLessThanOrEqual(1);
      expectValidChunks(text, chunks, 128);
      expectAllTextCovered(text, chunks);
    }
  });

  it('leaves a function that fits whole', async () => {
    const text = longMethodFile(3);
    const chunks = await chunk(grammars, 'books/ledger.py', text, 256);
    expect(chunks.filter((c) => c.metadata.part !== undefined)).toEqual([]);
    expect(bySymbol(chunks, 'books/ledger.py:Ledger.settle').text).toContain('return total');
  });

  it('cuts a single statement over the limit by lines, and a line over the limit inside the line', async () => {
    const items = Array.from({ length: 200 }, (_, i) => `    "item ${i}",`);
    const longLine = `LONG = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `word${i}`).join(' '))}`;
    const text = ['def table():', '    return [', ...items, '    ]', '', longLine, ''].join('\n');
    const chunks = await chunk(grammars, 'table.py', text, 64);
    const parts = chunks.filter((c) => c.metadata.symbol === 'table.py:table' && c.metadata.part);
    expect(parts.length).toBeGreaterThan(5);
    const cut = chunks.filter((c) => c.metadata.isCutLine);
    expect(cut.length).toBeGreaterThan(1);
    expect(cut.every((c) => c.startLine === 205 && c.endLine === 205)).toBe(true);
    expect(cut.map((c) => c.text).join('')).toBe(longLine);
    expectValidChunks(text, chunks, 64);
    expectAllTextCovered(text, chunks);
  });

  it('packs the short statements beside a statement over the limit with its lines, not as parts of a line', async () => {
    // gson's JsonReader.doPeek: one line before a long if/else chain and one between it and a long
    // switch were parts of their own, `int peekStack = stack[stackSize - 1];` alone.
    const branches = Array.from({ length: 30 }, (_, i) => [
      `    } else if (peekStack == Scope.STATE_${i}) {`,
      `      stack[stackSize - 1] = Scope.NEXT_${i};`,
    ]).flat();
    const cases = Array.from({ length: 30 }, (_, i) => [
      `    case '${i}':`,
      `      return peekCase(${i});`,
    ]).flat();
    const text = [
      'class Reader {',
      '  int doPeek() {',
      '    int peekStack = stack[stackSize - 1];',
      '    if (peekStack == Scope.EMPTY) {',
      '      stack[stackSize - 1] = Scope.NONEMPTY;',
      ...branches,
      '    }',
      '',
      '    int c = nextNonWhitespace(true);',
      '    switch (c) {',
      ...cases,
      '    }',
      '    return PEEKED_NONE;',
      '  }',
      '}',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'json/Reader.java', text, 128);
    const parts = chunks.filter(
      (c) => c.metadata.symbol === 'json/Reader.java:Reader.doPeek' && c.metadata.part,
    );
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts)
      expect(part.endLine - part.startLine, `part ${part.metadata.part}: ${part.text}`).toBeGreaterThan(4);
    expect(parts[0]!.text.split('\n')[0]).toBe('    int peekStack = stack[stackSize - 1];');
    expect(parts.some((p) => p.text.includes('    int c = nextNonWhitespace(true);\n    switch (c) {'))).toBe(
      true,
    );
    expectPartsAtTheirLines(text, parts);
    expectValidChunks(text, chunks, 128);
    expectAllTextCovered(text, chunks);
  });

  it('cuts a class summary over the limit into parts that point at its first chunk', async () => {
    const lines = ['class Big:', '    """Many methods."""', ''];
    for (let i = 0; i < 60; i++)
      lines.push(`    def method_${i}(self, value_${i}):`, `        return value_${i} + ${i}`, '');
    const text = lines.join('\n');
    const chunks = await chunk(grammars, 'big.py', text, 64);
    const head = bySymbol(chunks, 'big.py:Big');
    const parts = chunks.filter((c) => c.metadata.symbol === 'big.py:Big' && c.metadata.part);
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.map((p) => p.metadata.part)).toEqual(parts.map((_, i) => i + 1));
    expect(parts.every((p) => p.metadata.parentScope === head.id && p.metadata.kind === 'class')).toBe(true);
    // The summary's signatures are spread over the head and its parts, each once, in order.
    const signatures = [head, ...parts].flatMap((c) => c.text.split('\n')).filter((l) => l.includes('def '));
    expect(signatures).toEqual(
      Array.from({ length: 60 }, (_, i) => `    def method_${i}(self, value_${i}): …`),
    );
    const methods = chunks.filter((c) => c.metadata.kind === 'method');
    expect(methods).toHaveLength(60);
    expect(methods.every((m) => m.metadata.parentScope === head.id)).toBe(true);
    // The head spans the class; each part, the lines it shows (a signature with its body elided).
    expect([head.startLine, head.endLine]).toEqual([1, lines.length - 1]);
    expectPartsAtTheirLines(text, parts);
    expectValidChunks(text, chunks, 64);
    expectAllTextCovered(text, chunks);
  });

  it("gives a Java class summary's parts the lines they show, its long doc comment's too", async () => {
    const doc = Array.from(
      { length: 40 },
      (_, i) => ` * Reads the ledger's entry number ${i} and keeps its balance.`,
    );
    const members = Array.from({ length: 30 }, (_, i) => [
      `  public long balance${i}(long amount) {`,
      `    return amount + ${i};`,
      '  }',
      '',
    ]).flat();
    const text = [
      '/**',
      ...doc,
      ' */',
      'public class Ledger {',
      '  private long total;',
      '',
      ...members,
      '}',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'Ledger.java', text, 64);
    const head = bySymbol(chunks, 'Ledger.java:Ledger');
    const parts = chunks.filter((c) => c.metadata.symbol === 'Ledger.java:Ledger' && c.metadata.part);
    expect(parts.length).toBeGreaterThan(3);
    expect([head.startLine, head.endLine]).toEqual([1, text.split('\n').length - 1]);
    // Some parts are the doc comment's lines, some the members' signatures.
    expect(parts.some((p) => p.text.includes('entry number 30'))).toBe(true);
    expect(parts.some((p) => p.text.includes('balance29(long amount) { … }'))).toBe(true);
    expectPartsAtTheirLines(text, parts);
  });

  it("marks every chunk of a long enum as an enum's, the later parts that do not say `enum` too", async () => {
    const names = Array.from({ length: 30 }, (_, i) => `KIND_${i}`);
    const enums: Record<string, string[]> = {
      'Kind.java': ['public enum Kind {', ...names.map((n) => `  ${n},`), '}'],
      'kind.ts': ['export enum Kind {', ...names.map((n) => `  ${n},`), '}'],
      'kind.rs': ['pub enum Kind {', ...names.map((n) => `    ${n},`), '}'],
      'Kind.cs': ['public enum Kind', '{', ...names.map((n) => `    ${n},`), '}'],
      'kind.cpp': ['enum class Kind {', ...names.map((n) => `    ${n},`), '};'],
      'kind.py': ['class Kind(enum.IntEnum):', ...names.map((n, i) => `    ${n} = ${i}`)],
    };
    for (const [name, lines] of Object.entries(enums)) {
      const text = `${lines.join('\n')}\n`;
      const chunks = await chunk(grammars, name, text, 64);
      expect(chunks.length, name).toBeGreaterThan(2);
      expect(
        chunks.some((c) => c.metadata.part && !/\benum\b/i.test(c.text)),
        name,
      ).toBe(true);
      for (const c of chunks) expect(c.metadata.isEnum, `${name} ${c.startLine}-${c.endLine}`).toBe(true);
      expectValidChunks(text, chunks, 64);
    }
    // A class is no enum, nor is a Python class of another base.
    const plain = await chunk(grammars, 'kind.py', 'class Kind(Base):\n    A = 1\n');
    expect(plain.map((c) => c.metadata.isEnum)).toEqual([undefined]);
    const java = await chunk(grammars, 'Kind.java', 'public class Kind {\n  int a;\n}\n');
    expect(java.map((c) => c.metadata.isEnum)).toEqual([undefined]);
  });

  it('refuses a limit that leaves no room for text, naming the file and the fix', async () => {
    await expect(chunk(grammars, 'a.py', 'x = 1\n', 5)).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringContaining(`${ROOT}/a.py`),
    });
  });
});

describe('a large file', () => {
  it('chunks 5,000 lines of classes and functions into one chunk per definition, losing no line', async () => {
    const blocks: string[] = ['import json', ''];
    for (let i = 0; blocks.length < 5_000; i++) {
      blocks.push(
        `class Handler${i}:`,
        `    """Handles request kind ${i}."""`,
        '',
        '    def handle(self, payload):',
        '        data = json.loads(payload)',
        `        return data.get("kind_${i}")`,
        '',
        `def helper_${i}(value):`,
        `    return value * ${i}`,
        '',
      );
    }
    const text = blocks.join('\n');
    const chunks = await chunk(grammars, 'big.py', text);
    const classes = chunks.filter((c) => c.metadata.kind === 'class').length;
    expect(classes).toBe(500);
    expect(chunks.filter((c) => c.metadata.kind === 'method')).toHaveLength(classes);
    expect(chunks.filter((c) => c.metadata.kind === 'function')).toHaveLength(classes);
    // Block i starts on line 3 + 10i; `def handle` is its fourth line.
    expect(bySymbol(chunks, 'big.py:Handler499.handle').startLine).toBe(4_996);
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });
});

describe('files that do not parse', () => {
  it('become plain text chunks with the reason recorded when errors cover much of the file', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `) ) ] def ( class ${i} :: ${'}'.repeat(i % 3)}`).join(
      '\n',
    );
    const chunks = await chunk(grammars, 'broken.py', text, 64);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.metadata.kind).toBe('text');
      expect(c.metadata.language).toBe('text');
      expect(c.metadata.symbol).toBe('broken.py');
      expect(c.metadata.fallbackReason).toMatch(/^syntax errors cover \d+% of the file as python$/);
    }
    expectValidChunks(text, chunks, 64);
    expectAllTextCovered(text, chunks);
  });

  it('keeps the syntax tree when one function has an error, and marks that function', async () => {
    const text = [
      'def good():',
      '    return 1',
      '',
      'def bad(:',
      '    return 2',
      '',
      'def also_good():',
      '    return 3',
      '',
    ].join('\n');
    const chunks = await chunk(grammars, 'mixed.py', text);
    expect(chunks.every((c) => c.metadata.fallbackReason === undefined)).toBe(true);
    expect(bySymbol(chunks, 'mixed.py:good').metadata.hasSyntaxError).toBeUndefined();
    expect(bySymbol(chunks, 'mixed.py:also_good').metadata.hasSyntaxError).toBeUndefined();
    expect(chunks.some((c) => c.metadata.hasSyntaxError && c.text.includes('def bad(:'))).toBe(true);
    expectAllTextCovered(text, chunks);
  });

  it('chunks a file with no grammar, or with binary content, as text with the reason', async () => {
    const cobol = '       IDENTIFICATION DIVISION.\n       PROGRAM-ID. HELLO.\n';
    const [plain] = await chunk(grammars, 'hello.cob', cobol);
    expect(plain!.metadata).toMatchObject({
      kind: 'text',
      language: 'text',
      fallbackReason: 'no grammar for this file type',
    });
    expect([plain!.startLine, plain!.endLine]).toEqual([1, 2]);
    const [binary] = await chunk(grammars, 'blob.py', 'x = 1\n\0\0\0\n');
    expect(binary!.metadata.fallbackReason).toBe('binary content (a NUL character)');
  });

  it('gives no chunks for an empty or blank file', async () => {
    expect(await chunk(grammars, 'empty.ts', '')).toEqual([]);
    expect(await chunk(grammars, 'blank.ts', '\n  \n\t\n')).toEqual([]);
  });
});

describe('identity', () => {
  const source = (className: string, body: string) =>
    [
      'import os',
      '',
      `class ${className}:`,
      '    """Paths of the cache."""',
      '',
      '    def root(self):',
      `        return ${body}`,
      '',
      '    def tmp(self):',
      '        return os.path.join(self.root(), "tmp")',
      '',
    ].join('\n');
  const input = (text: string) => ({ path: `${ROOT}/cache.py`, text, symbolPath: 'cache.py' });

  it('gives the same ids and hashes for the same file, whatever its line endings', async () => {
    const a = await chunkCode(input(source('Cache', 'os.getcwd()')), limits(), grammars);
    const b = await chunkCode(
      input(source('Cache', 'os.getcwd()').replaceAll('\n', '\r\n')),
      limits(),
      grammars,
    );
    expect(b).toEqual(a);
  });

  it('changes only the edited method’s hash, and no id, when one method body changes', async () => {
    const before = await chunkCode(input(source('Cache', 'os.getcwd()')), limits(), grammars);
    const after = await chunkCode(input(source('Cache', 'os.path.expanduser("~")')), limits(), grammars);
    expect(after.map((c) => c.id)).toEqual(before.map((c) => c.id));
    const changed = after.filter((c, i) => c.contentHash !== before[i]!.contentHash);
    expect(changed.map((c) => c.metadata.symbol)).toEqual(['cache.py:Cache.root']);
  });

  it('keeps the methods’ texts when their class is renamed, and points them at the new class', async () => {
    const before = await chunkCode(input(source('Cache', 'os.getcwd()')), limits(), grammars);
    const after = await chunkCode(input(source('Store', 'os.getcwd()')), limits(), grammars);
    expect(outline(after).map((row) => row[0])).toEqual([
      'cache.py',
      'cache.py:Store',
      'cache.py:Store.root',
      'cache.py:Store.tmp',
    ]);
    for (const name of ['root', 'tmp']) {
      const old = bySymbol(before, `cache.py:Cache.${name}`);
      const renamed = bySymbol(after, `cache.py:Store.${name}`);
      expect(renamed.contentHash).toBe(old.contentHash);
      expect(renamed.metadata.parentScope).toBe(bySymbol(after, 'cache.py:Store').id);
    }
  });

  it('tells namesakes apart by their order in the file', async () => {
    const text = 'def f():\n    return 1\n\ndef f():\n    return 2\n';
    const chunks = await chunk(grammars, 'dup.py', text);
    expect(chunks.map((c) => c.metadata.symbol)).toEqual(['dup.py:f', 'dup.py:f']);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(2);
  });

  it('loads each grammar once and shares its parser', async () => {
    const spec = languageForPath('a.tsx')!;
    const [a, b] = await Promise.all([grammars.parser(spec), grammars.parser(spec)]);
    expect(a).toBe(b);
    expect(await grammars.parser(languageForPath('b.tsx')!)).toBe(a);
    const tree = a.parse('const view = <div className="x">{items.length}</div>;')!;
    expect(tree.rootNode.hasError).toBe(false);
    tree.delete();
  });
});
