import { appendFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, DaemonWorkspace, stopAll, waitFor } from '../../helpers/daemon.js';

/**
 * A PostgreSQL log (prefix '%m [%p] %q%u@%d ', log_min_duration_statement = 0) that grows while
 * the daemon runs: the appended statements become searchable, with their durations as filters.
 * The whole file is read again on each change; indexing only the appended bytes is a later step.
 */
const BOUND_MS = 20_000;

const line = (ms: number, pid: number, duration: number, statement: string) =>
  `2026-12-04 18:00:${String(ms).padStart(2, '0')}.123 UTC [${pid}] shop@shopdb LOG:  duration: ${duration} ms  statement: ${statement}\n`;

let ws: DaemonWorkspace;
let daemon: DaemonProcess;

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
  it('appended entries become searchable with their duration, table and type', async () => {
    const slow = await daemon.search('orders', { engine: 'sql', min_time: 20 });
    expect(slow.map((h) => [h.start_line, h.metadata.duration_ms])).toEqual([[2, 31.25]]);

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
    const all = await daemon.search('customers', { engine: 'sql' });
    expect(all.map((h) => h.start_line).sort()).toEqual([1, 2, 3, 4]);
  });
});
