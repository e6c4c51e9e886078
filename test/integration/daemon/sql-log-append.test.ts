import { appendFile, copyFile, rename, truncate, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, DaemonWorkspace, stopAll, waitFor } from '../../helpers/daemon.js';
import { readChunks, rowWriteTimes } from '../../helpers/index-workspace.js';

/**
 * A PostgreSQL log (prefix '%m [%p] %q%u@%d ', log_min_duration_statement = 0) that grows, is
 * rotated and is truncated while the daemon runs, under its real chokidar watcher: appended
 * entries become searchable at the cost of those entries alone (the daemon's own log says how
 * many texts it embedded), the last entry waits until the file settles, and rotation or
 * truncation start the path over without duplicates.
 */
const BOUND_MS = 20_000;

const line = (s: number, pid: number, duration: number, statement: string) =>
  `2026-12-04 18:00:${String(s).padStart(2, '0')}.123 UTC [${pid}] shop@shopdb LOG:  duration: ${duration} ms  statement: ${statement}\n`;

let ws: DaemonWorkspace;
let daemon: DaemonProcess;

/** Texts the daemon embedded for indexing since log line `from` (its per-batch summaries). */
function embeddedSince(from: number): number {
  return ws
    .logLines()
    .slice(from)
    .reduce((n, l) => n + (typeof l.chunksEmbedded === 'number' ? l.chunksEmbedded : 0), 0);
}

async function rowsOf(rel: string) {
  return (await readChunks(ws.config(), 'sql')).filter((r) => r.path === ws.path(rel));
}

beforeAll(async () => {
  ws = await DaemonWorkspace.create();
  await ws.writeConfig({
    engines: { sql: { chunker: 'sql', mapper: 'sql' } },
    sources: [{ path: ws.notes, engine: 'sql', include: ['**/*.log'] }],
  });
  await ws.write(
    'postgresql.log',
    line(1, 101, 0.5, 'SELECT id FROM customers WHERE id = 7;') +
      line(2, 102, 31.25, 'SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id;'),
  );
  daemon = await DaemonProcess.start(ws);
  // The second (last) entry is held back until the file settles; the daemon comes back for it.
  await waitFor(
    'the log indexed',
    async () => (await daemon.search('customers', { engine: 'sql' })).length === 2,
    BOUND_MS,
  );
}, 120_000);

afterAll(async () => {
  try {
    await daemon?.stop();
  } finally {
    await stopAll();
    await ws?.cleanup();
  }
});

describe('ragd and a growing SQL log', () => {
  it('appended entries become searchable; only they are embedded; old rows stay as they were', async () => {
    const slow = await daemon.search('orders', { engine: 'sql', min_time: 20 });
    expect(slow.map((h) => [h.start_line, h.metadata.duration_ms])).toEqual([[2, 31.25]]);
    await daemon.idle();
    const written = await rowWriteTimes(ws.config(), 'sql');
    expect(written.size).toBe(2);
    const mark = ws.logLines().length;

    await appendFile(
      ws.path('postgresql.log'),
      line(3, 103, 57.5, "UPDATE invoices SET paid = true WHERE due < '2026-01-01';") +
        line(4, 101, 2, 'SELECT id FROM customers WHERE id = 9;'),
    );
    await waitFor(
      'the appended slow update to be found',
      async () => (await daemon.search('invoices', { engine: 'sql', min_time: 20 })).length === 2,
      BOUND_MS,
    );
    const after = await daemon.search('invoices paid', { engine: 'sql', min_time: 20 });
    expect(after.map((h) => h.start_line).sort()).toEqual([2, 3]);
    const updates = await daemon.search('invoices', { engine: 'sql', type: ['update'], table: 'invoices' });
    expect(updates.map((h) => [h.start_line, h.metadata.duration_ms, h.metadata.type])).toEqual([
      [3, 57.5, 'update'],
    ]);
    await waitFor(
      'the last appended entry, once the log settled',
      async () => (await rowsOf('postgresql.log')).length === 4,
      BOUND_MS,
    );
    await daemon.idle();
    const rows = await rowsOf('postgresql.log');
    expect(rows.map((r) => r.startLine).sort()).toEqual([1, 2, 3, 4]);
    // The first two rows were not rewritten: the append added rows, it did not replace the file's.
    const now = await rowWriteTimes(ws.config(), 'sql');
    for (const [id, at] of written) expect(now.get(id)).toBe(at);
    // Entry 4 has entry 1's normalised statement: its vector is reused. Only the update is new.
    expect(embeddedSince(mark)).toBe(1);
  }, 60_000);

  it('rotation (rename + new file) and copytruncate start the path over, no duplicates, nothing lost', async () => {
    const log = ws.path('postgresql.log');
    await rename(log, ws.path('postgresql.1.log'));
    await writeFile(
      log,
      line(10, 201, 12, 'SELECT sku FROM stock WHERE sku = 1;') +
        line(11, 202, 44, 'DELETE FROM carts WHERE created < now();') +
        line(12, 203, 3, 'SELECT name FROM suppliers WHERE id = 3;'),
    );
    await waitFor(
      'the rotated file and the new one indexed',
      async () =>
        (await rowsOf('postgresql.log')).length === 3 && (await rowsOf('postgresql.1.log')).length === 4,
      BOUND_MS,
    );
    await daemon.idle();
    expect((await rowsOf('postgresql.log')).map((r) => r.text).sort()).toEqual([
      'DELETE FROM carts WHERE created < now();',
      'SELECT name FROM suppliers WHERE id = 3;',
      'SELECT sku FROM stock WHERE sku = 1;',
    ]);

    await copyFile(log, ws.path('postgresql.2.log'));
    await truncate(log, 0);
    await appendFile(log, line(20, 301, 25, 'SELECT total FROM refunds WHERE id = 5;'));
    await waitFor(
      'the truncated log started over',
      async () => {
        const rows = await rowsOf('postgresql.log');
        return rows.length === 1 && rows[0]!.text === 'SELECT total FROM refunds WHERE id = 5;';
      },
      BOUND_MS,
    );
    await waitFor('the copy indexed', async () => (await rowsOf('postgresql.2.log')).length === 3, BOUND_MS);
    await daemon.idle();
    const all = await readChunks(ws.config(), 'sql');
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    expect(all).toHaveLength(1 + 3 + 4);
    const refunds = await daemon.search('refunds', { engine: 'sql', min_time: 20 });
    // The best hit is the new entry; the truncated log has no other row left.
    expect([refunds[0]?.path, refunds[0]?.start_line]).toEqual([log, 1]);
    expect(refunds.filter((h) => h.path === log)).toHaveLength(1);
  }, 60_000);
});
