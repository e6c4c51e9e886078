import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, DaemonWorkspace, stopAll, waitFor } from '../../../helpers/daemon.js';

const INVENTORY = fileURLToPath(new URL('../../../fixtures/code/inventory.py', import.meta.url));

/** How long the daemon may take to show an edit in search (watcher debounce + embed + commit). */
const BOUND_MS = 20_000;

describe('a daemon with the code engine picks up an edited function', () => {
  let ws: DaemonWorkspace;
  let daemon: DaemonProcess;
  const symbolHits = async (symbol: string) =>
    daemon.search('stock', { engine: 'code', mode: 'vector', k: 100, symbol });

  beforeAll(async () => {
    ws = await DaemonWorkspace.create();
    await ws.writeConfig({
      engines: { code: { chunker: 'code', mapper: 'code', include: ['**/*.py'] } },
      sources: [{ path: ws.notes, engine: 'code' }],
    });
    await ws.write('shop/inventory.py', await readFile(INVENTORY, 'utf8'));
    daemon = await DaemonProcess.start(ws);
    await waitFor(
      'inventory.py indexed',
      async () => (await symbolHits('Warehouse.reserve')).length > 0,
      BOUND_MS,
    );
  });
  afterAll(async () => {
    try {
      await stopAll();
    } finally {
      await ws?.cleanup();
    }
  });

  it('an edited method body replaces its chunk; its siblings keep theirs', async () => {
    const [before] = await symbolHits('Warehouse.reserve');
    expect(before!.text).toContain('log.warning("short of %s", sku)');
    const [totalBefore] = await symbolHits('Warehouse.total');
    const source = await readFile(ws.path('shop/inventory.py'), 'utf8');
    const edited = source.replace(
      'log.warning("short of %s", sku)',
      'log.error("backorder needed for %s", sku)',
    );
    expect(edited).not.toBe(source);
    await ws.atomicSave('shop/inventory.py', edited);
    await waitFor(
      'the edited reserve() in search',
      async () => (await symbolHits('Warehouse.reserve')).some((h) => h.text.includes('backorder needed')),
      BOUND_MS,
    );
    const after = await symbolHits('Warehouse.reserve');
    expect(after).toHaveLength(1);
    expect(after[0]!.text).not.toContain('short of');
    expect(after[0]!.id).toBe(before!.id);
    expect((await symbolHits('Warehouse.total')).map((h) => h.text)).toEqual([totalBefore!.text]);
    expect(after[0]!.metadata).toMatchObject({
      symbol: 'shop/inventory.py:Warehouse.reserve',
      language: 'python',
    });
  });
});
