import { rename } from 'node:fs/promises';
import { connect } from '@lancedb/lancedb';
import { describe, expect, it } from 'vitest';
import type { App } from '../../../../src/app.js';
import { storeDir } from '../../../../src/app.js';
import type { CountingEmbedder } from '../../../helpers/counting-embedder.js';
import { asOlderChunker, inconsistencies, type Workspace } from '../../../helpers/index-workspace.js';
import { usePipeline } from '../../../helpers/pipeline.js';

/** A class with three methods; `total`, `add`'s parameters and the class name vary between steps. */
function cart(name: string, total: string, addParams = 'self, item, price'): string {
  return [
    'import math',
    'from decimal import Decimal',
    '',
    '',
    `class ${name}:`,
    '    """Items someone is about to buy."""',
    '',
    '    def __init__(self):',
    '        self.items = []',
    '',
    `    def add(${addParams}):`,
    '        """Puts an item in with its price."""',
    '        self.items.append((item, Decimal(price)))',
    '',
    '    def total(self):',
    `        return ${total}`,
    '',
  ].join('\n');
}

interface CodeRow {
  id: string;
  symbol: string;
  kind: string;
  parentScope: string;
  relPath: string;
  vector: number[];
}

/** The code table's rows, read through a separate LanceDB connection (not the code under test). */
async function codeRows(app: App): Promise<CodeRow[]> {
  const db = await connect(storeDir(app.config), { readConsistencyInterval: 0 });
  try {
    const table = await db.openTable('chunks_code');
    try {
      const rows = await table
        .query()
        .select(['id', 'symbol', 'kind', 'parent_scope', 'rel_path', 'vector'])
        .toArray();
      return rows.map((r) => ({
        id: r.id as string,
        symbol: r.symbol as string,
        kind: r.kind as string,
        parentScope: r.parent_scope as string,
        relPath: r.rel_path as string,
        vector: Array.from(r.vector as Iterable<number>),
      }));
    } finally {
      table.close();
    }
  } finally {
    db.close();
  }
}

function bySymbol(rows: readonly CodeRow[], symbol: string): CodeRow {
  const found = rows.filter((r) => r.symbol === symbol);
  expect(found, `one row for ${symbol} in ${rows.map((r) => r.symbol).join(', ')}`).toHaveLength(1);
  return found[0]!;
}

/** The symbol line each embedded text starts with: which chunks were embedded. */
function embeddedSymbols(counter: CountingEmbedder): string[] {
  return counter.indexed.map((text) => text.slice(0, text.indexOf('\n'))).sort();
}

describe('code engine, incremental: an edit re-embeds the edited chunk only; renames reuse vectors', () => {
  const pipeline = usePipeline();
  let ws: Workspace;
  let counter: CountingEmbedder;

  async function start(): Promise<App> {
    ws = await pipeline.workspace('code-incremental');
    counter = pipeline.counter();
    return pipeline.open(
      ws.config({
        engines: { code: { chunker: 'code', mapper: 'code', include: ['**/*.py'] } },
        sources: [{ path: ws.notes, engine: 'code' }],
      }),
      counter,
    );
  }

  it('editing one method embeds that method alone: not its siblings, not its class', async () => {
    const a = await start();
    await ws.write('shop/cart.py', cart('Cart', 'sum(p for _, p in self.items)'));
    await a.indexer.reconcile();
    expect(embeddedSymbols(counter)).toEqual([
      'shop/cart.py',
      'shop/cart.py:Cart',
      'shop/cart.py:Cart.__init__',
      'shop/cart.py:Cart.add',
      'shop/cart.py:Cart.total',
    ]);
    const before = await codeRows(a);

    counter.reset();
    await ws.write('shop/cart.py', cart('Cart', 'math.fsum(float(p) for _, p in self.items)'));
    const run = await a.indexer.reconcile();
    expect(run.filesChanged).toBe(1);
    expect(embeddedSymbols(counter)).toEqual(['shop/cart.py:Cart.total']);
    const after = await codeRows(a);
    expect(after.map((r) => r.id).sort()).toEqual(before.map((r) => r.id).sort());
    for (const symbol of ['Cart', 'Cart.__init__', 'Cart.add'])
      expect(bySymbol(after, symbol).vector).toEqual(bySymbol(before, symbol).vector);
    expect(await inconsistencies(a, 'code')).toEqual([]);
  });

  it("changing a method's parameters embeds that method alone: its class is embedded with members by name", async () => {
    const a = await start();
    await ws.write('shop/cart.py', cart('Cart', 'sum(p for _, p in self.items)'));
    await a.indexer.reconcile();
    const before = await codeRows(a);

    counter.reset();
    await ws.write('shop/cart.py', cart('Cart', 'sum(p for _, p in self.items)', 'self, item, price=0'));
    const run = await a.indexer.reconcile();
    expect(run.filesChanged).toBe(1);
    // The class's stored summary shows the new signature; its vector, made from names, is kept.
    expect(embeddedSymbols(counter)).toEqual(['shop/cart.py:Cart.add']);
    expect(bySymbol(await codeRows(a), 'Cart').vector).toEqual(bySymbol(before, 'Cart').vector);
    expect(await inconsistencies(a, 'code')).toEqual([]);
  });

  it('renaming a class re-embeds its header only; its methods get the new symbol and parent, and keep their vectors', async () => {
    const a = await start();
    await ws.write('shop/cart.py', cart('Cart', 'sum(p for _, p in self.items)'));
    await a.indexer.reconcile();
    const before = await codeRows(a);

    counter.reset();
    await ws.write('shop/cart.py', cart('Basket', 'sum(p for _, p in self.items)'));
    await a.indexer.reconcile();
    // The class summary holds the `class` line, so it changed; nothing else did.
    expect(embeddedSymbols(counter)).toEqual(['shop/cart.py:Basket']);
    const after = await codeRows(a);
    expect(after.map((r) => r.symbol).sort()).toEqual([
      '',
      'Basket',
      'Basket.__init__',
      'Basket.add',
      'Basket.total',
    ]);
    const basket = bySymbol(after, 'Basket');
    for (const method of ['__init__', 'add', 'total']) {
      const renamed = bySymbol(after, `Basket.${method}`);
      expect(renamed.parentScope).toBe(basket.id);
      expect(renamed.vector).toEqual(bySymbol(before, `Cart.${method}`).vector);
    }
    expect(await inconsistencies(a, 'code')).toEqual([]);

    // A moved file: every chunk's symbol line names the new path, and nothing is embedded.
    counter.reset();
    await rename(ws.path('shop/cart.py'), ws.path('shop/basket.py'));
    await a.indexer.reconcile();
    expect(counter.indexed).toEqual([]);
    const moved = await codeRows(a);
    expect(new Set(moved.map((r) => r.relPath))).toEqual(new Set(['shop/basket.py']));
    expect(bySymbol(moved, 'Basket.add').vector).toEqual(bySymbol(after, 'Basket.add').vector);
  });

  it('re-chunks once an index that an older code chunker made, embedding nothing whose source held', async () => {
    const a = await start();
    await ws.write('shop/cart.py', cart('ShoppingCart', 'sum(p for _, p in self.items)'));
    await a.indexer.reconcile();
    const before = await codeRows(a);
    const config = a.config;
    await a.close();

    // As a ragctl before the identifier-words line left it: no such line, an unversioned signature.
    const signatures = await asOlderChunker(
      config,
      'chunks_code',
      'code',
      "replace(text, 'shopping cart\n', '')",
    );
    expect(signatures[0]).toMatch(/\|code\|/);

    counter.reset();
    const b = await pipeline.open(config, counter);
    const run = await b.indexer.reconcile();
    expect(run.filesChanged + run.filesUnchanged).toBe(1);
    expect(run.chunksEmbedded).toBe(0);
    expect(counter.indexed).toEqual([]);
    // The rows have the chunker's new text: the words line is back.
    const db2 = await connect(storeDir(config), { readConsistencyInterval: 0 });
    try {
      const table = await db2.openTable('chunks_code');
      const rows = await table.query().where("symbol = 'ShoppingCart'").select(['text']).toArray();
      expect((rows[0].text as string).split('\n').slice(0, 2)).toEqual([
        'shop/cart.py:ShoppingCart',
        'shopping cart',
      ]);
      table.close();
    } finally {
      db2.close();
    }
    const after = await codeRows(b);
    expect(bySymbol(after, 'ShoppingCart.add').vector).toEqual(bySymbol(before, 'ShoppingCart.add').vector);
    expect(await inconsistencies(b, 'code')).toEqual([]);
  });
});
