import { afterAll, describe, expect, it } from 'vitest';
import { Grammars } from '../../../../src/engines/code/grammars.js';
import { bySymbol, chunk, expectAllTextCovered, expectValidChunks, fixture, outline } from './helpers.js';

const grammars = new Grammars();
afterAll(() => grammars.close());

describe('python', () => {
  it('chunks imports, module code, functions, nested definitions, classes and methods', async () => {
    const text = fixture('inventory.py');
    const chunks = await chunk(grammars, 'shop/inventory.py', text);
    expect(outline(chunks)).toEqual([
      ['shop/inventory.py', 'module', 1, 1, null],
      ['shop/inventory.py', 'imports', 3, 8, null],
      ['shop/inventory.py', 'module', 10, 11, null],
      ['shop/inventory.py:register', 'function', 14, 19, null],
      ['shop/inventory.py:register.wrap', 'function', 16, 18, 'shop/inventory.py:register'],
      ['shop/inventory.py', 'module', 22, 22, null],
      ['shop/inventory.py:Warehouse', 'class', 25, 60, null],
      ['shop/inventory.py:Warehouse.Slot', 'class', 34, 38, 'shop/inventory.py:Warehouse'],
      ['shop/inventory.py:Warehouse.Slot.__init__', 'method', 37, 38, 'shop/inventory.py:Warehouse.Slot'],
      ['shop/inventory.py:Warehouse.__init__', 'method', 40, 42, 'shop/inventory.py:Warehouse'],
      ['shop/inventory.py:Warehouse.total', 'method', 44, 47, 'shop/inventory.py:Warehouse'],
      ['shop/inventory.py:Warehouse.parse_sku', 'method', 49, 51, 'shop/inventory.py:Warehouse'],
      ['shop/inventory.py:Warehouse.reserve', 'method', 53, 60, 'shop/inventory.py:Warehouse'],
      ['shop/inventory.py:reorder_list', 'function', 63, 65, null],
      ['shop/inventory.py', 'module', 68, 69, null],
    ]);
    expect(new Set(chunks.map((c) => c.metadata.language))).toEqual(new Set(['python']));
    expectValidChunks(text, chunks);
    expectAllTextCovered(text, chunks);
  });

  it('keeps a class to its header, docstring, fields and member signatures', async () => {
    const chunks = await chunk(grammars, 'shop/inventory.py', fixture('inventory.py'));
    expect(bySymbol(chunks, 'shop/inventory.py:Warehouse').text).toBe(
      [
        '@register("warehouse")',
        'class Warehouse:',
        '    """A place that holds stock.',
        '',
        '    Quantities never go below zero; a reservation that cannot be met raises.',
        '    """',
        '    capacity: int = 10_000',
        '    class Slot: …',
        '    def __init__(self, name: str) -> None: …',
        '    @property',
        '    def total(self) -> int: …',
        '    @staticmethod',
        '    def parse_sku(raw: str) -> str: …',
        '    async def reserve(self, sku: str, quantity: int) -> bool: …',
      ].join('\n'),
    );
  });

  it('embeds a class as its header, docstring and fields with its members by name', async () => {
    const chunks = await chunk(grammars, 'shop/inventory.py', fixture('inventory.py'));
    const summary = bySymbol(chunks, 'shop/inventory.py:Warehouse');
    expect(summary.embedText).toBe(
      [
        '@register("warehouse")',
        'class Warehouse:',
        '    """A place that holds stock.',
        '',
        '    Quantities never go below zero; a reservation that cannot be met raises.',
        '    """',
        '    capacity: int = 10_000',
        'members: Slot, __init__, total, parse_sku, reserve',
      ].join('\n'),
    );
    // The vector is reused by what it was made from: a method's new signature does not change it.
    expect(summary.contentHash).toBe(
      (
        await chunk(grammars, 'shop/inventory.py', fixture('inventory.py').replace('raw: str', 'raw: bytes'))
      ).find((c) => c.metadata.symbol === 'shop/inventory.py:Warehouse')!.contentHash,
    );
  });

  it('starts a method at its decorator and keeps its docstring and body', async () => {
    const chunks = await chunk(grammars, 'shop/inventory.py', fixture('inventory.py'));
    const total = bySymbol(chunks, 'shop/inventory.py:Warehouse.total');
    expect(total.text).toBe(
      [
        '    @property',
        '    def total(self) -> int:',
        '        """Units held across all items."""',
        '        return sum(self._stock.values())',
      ].join('\n'),
    );
  });

  it('keeps a comment inside the import block in the block', async () => {
    const chunks = await chunk(grammars, 'shop/inventory.py', fixture('inventory.py'));
    const imports = chunks.filter((c) => c.metadata.kind === 'imports');
    expect(imports).toHaveLength(1);
    expect(imports[0]!.text).toContain('# Decimal keeps prices exact');
    expect(imports[0]!.text).toContain('from typing import Iterable');
  });

  it('gathers imports scattered among code into one chunk of import lines', async () => {
    const text =
      'import os\n\n# Where we run\nBASE = os.getcwd()\n\nimport sys\n\n\ndef main():\n    return sys.argv\n';
    const chunks = await chunk(grammars, 'cli.py', text);
    expect(outline(chunks)).toEqual([
      ['cli.py', 'imports', 1, 6, null],
      ['cli.py', 'module', 3, 4, null],
      ['cli.py:main', 'function', 9, 10, null],
    ]);
    expect(chunks[0]!.text).toBe('import os\nimport sys');
    // The comment between the imports is not theirs: it stays with the code it describes.
    expect(chunks[1]!.text).toBe('# Where we run\nBASE = os.getcwd()');
    expectAllTextCovered(text, chunks);
  });

  it('reads unicode identifiers and CRLF line endings', async () => {
    const text =
      'def grüße(name):\r\n    return f"Hallo {name}"\r\n\r\nclass Ölfass:\r\n    def füllen(self):\r\n        pass\r\n';
    const chunks = await chunk(grammars, 'de.py', text);
    expect(outline(chunks)).toEqual([
      ['de.py:grüße', 'function', 1, 2, null],
      ['de.py:Ölfass', 'class', 4, 6, null],
      ['de.py:Ölfass.füllen', 'method', 5, 6, 'de.py:Ölfass'],
    ]);
    const lf = await chunk(grammars, 'de.py', text.replaceAll('\r\n', '\n'));
    expect(lf.map((c) => [c.id, c.contentHash])).toEqual(chunks.map((c) => [c.id, c.contentHash]));
    expect(chunks.every((c) => !c.text.includes('\r'))).toBe(true);
  });
});
